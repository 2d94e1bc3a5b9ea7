"""4. The gateway drops in the middle of a burst of 500 interactions, then resumes: every one is answered.

The simulator cuts the socket abruptly after a number of dispatches (and, in the same burst, once
more with a close code); discord.py reconnects and RESUMEs, the simulator replays what was missed,
and every interaction still gets its visible answer within Discord's deadline.
"""

from __future__ import annotations

import asyncio
import random
import time

from bench.harness import Timed, _watch
from bench.loopwatch import LoopWatch
from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.services.imports import apply_import, load_demo_pack, plan_import
from bot.sim import DiscordSimulator, SimGuild
from bot.store.database import Database
from tests.reliability.support import report, trials

BURST = 500
NAMES = ["Aileen Marsh", "Tomasz Wróbel", "Priya Nandakumar", "Gareth Pryce", "Yasmine Dar", "Jon Lansman"]


async def test_gateway_drop_mid_burst_loses_nothing(
    sim: DiscordSimulator,
    guild: SimGuild,
    db: Database,
    clock: ManualClock,
    hustings: HustingsBot,
    loop_health: LoopWatch,
) -> None:
    plan = await plan_import(db, guild.id, load_demo_pack(clock.now()))
    await apply_import(db, guild.id, plan, actor_id=None, actor_name="test", now=clock.now())
    members = [guild.add_member(f"member{i:03d}") for i in range(50)]
    rng = random.Random(4)
    rounds = trials(1)
    answered = errors = 0
    firsts: list[float] = []
    for _ in range(rounds):
        resumes = sim.stats.resumes
        sim.faults.drop_gateway_after(rng.randint(80, 200))  # abrupt: no close frame
        timed: list[Timed] = []
        watchers = []
        for i in range(BURST):
            if i == BURST * 3 // 5:
                sim.faults.drop_gateway(code=4000)  # and once more, cleanly, later in the burst
            member = members[i % len(members)]
            kind = i % 4
            if kind == 0:
                handle = await sim.invoke(member, "/candidate", {"name": NAMES[i % len(NAMES)]})
            elif kind == 1:
                handle = await sim.invoke(member, "/election info", {})
            elif kind == 2:
                handle = await sim.invoke(member, "/nominations for", {"candidate": NAMES[i % 4]})
            else:
                handle = await sim.invoke(member, "/hustings about", {})
            t = Timed(handle, time.monotonic())
            timed.append(t)
            watchers.append(asyncio.create_task(_watch(t, 30.0, False)))
        await asyncio.gather(*watchers)
        answered += sum(1 for t in timed if t.done is not None and not t.error)
        errors += sum(1 for t in timed if t.error)
        firsts += [t.first_response for t in timed if t.first_response is not None]
        assert sim.stats.resumes >= resumes + 2, "the bot did not resume after both drops"
    firsts.sort()
    p99 = firsts[int(len(firsts) * 0.99) - 1] if firsts else 0.0
    report(
        "gateway drop mid-burst",
        trials=rounds,
        interactions=BURST * rounds,
        answered=answered,
        errors=errors,
        resumes=sim.stats.resumes,
        identifies=sim.stats.identifies,
        p99_first_response_s=round(p99, 2),
        violations=len(sim.violations),
    )
    assert answered == BURST * rounds and errors == 0
    assert sim.stats.identifies == 1, "a resume must not need a new session"
    assert sim.violations == []
