"""9. Event-loop health: no callback blocks the bot's event loop for more than 100 ms.

Every in-process test of this suite runs under the `loop_health` fixture (the loop shared by the
bot and the simulator). This test runs the bot in its own process, as in production and in the
benchmarks, on a national-size election (500 candidates, 700 bodies) and drives the heaviest paths:
bursts of lookups, paged lists, charts, autocomplete, an admin edit that invalidates every cache, a
full data export. The bot process times every callback of its loop (`bench.loopwatch`); any step in
which the loop thread itself was busy for 100 ms or more fails the test.

A first test proves the watch itself works: a deliberately blocking callback is caught.
"""

from __future__ import annotations

import asyncio

import pytest

from bench import loopwatch
from bench.data import seed_big_election
from bench.harness import bot_process, burst, command, serving_blocks, world
from bench.loopwatch import LoopWatch
from bot.sim import permissions as perms
from tests.reliability.support import bot_blocks, report


async def test_the_watch_catches_a_blocking_callback(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]  # a manual clock: a "blocking" callback moves it instead of sleeping

    def block(seconds: float) -> None:
        now[0] += seconds

    monkeypatch.setitem(loopwatch.CLOCKS, "wall", lambda: now[0])
    monkeypatch.setitem(loopwatch.CLOCKS, "cpu", lambda: now[0])
    loop = asyncio.get_running_loop()
    watch = LoopWatch(0.1).install()
    try:
        loop.call_soon(block, 0.15)
        loop.call_soon(block, 0.05)  # quick enough
        done = loop.create_future()
        loop.call_soon(done.set_result, None)  # runs after both: callbacks run in order
        await done
        assert watch.owns_current_thread()
        assert not await asyncio.to_thread(watch.owns_current_thread)  # a worker thread is not the loop
    finally:
        watch.uninstall()
    assert [round(s.seconds, 2) for s in watch.slow] == [0.15], watch.slow
    assert "block" in watch.slow[0].what and watch.slow[0].cpu == pytest.approx(0.15)
    assert bot_blocks(watch, cpu_share=0.0) == watch.slow


async def test_heavy_paths_never_block_the_bots_loop() -> None:
    async with world(members=60) as w:
        mod = w.guild.add_member("mod", permissions=perms.MANAGE_GUILD)
        db = await w.open_db()
        try:
            big = await seed_big_election(db, w.guild.id, candidates=500, bodies=700)
        finally:
            await db.close()
        names = big.candidates
        async with bot_process(w) as bot:
            sim = w.sim
            await burst(sim, w.members, "lookups", command(sim, "/candidate", lambda i: {"name": names[i]}), 150)
            await burst(sim, w.members, "lists", command(sim, "/candidates", {}), 40)
            await burst(sim, w.members, "progress", command(sim, "/nominations progress", {}), 40)
            await burst(sim, w.members, "results", command(sim, "/results", {}), 40)
            for text in ("a", "ja", "sin", "o'n", "zz", "ll-w"):
                await sim.autocomplete(w.members[0], "/candidate", "name", text)
            edit = await sim.invoke(
                mod, "/admin candidate edit", {"candidate": names[3], "photo_url": "https://example.org/p.jpg"}
            )
            await edit.response(timeout=20)
            await burst(sim, w.members, "after an edit", command(sim, "/nominations progress", {}), 40)
            export = await sim.invoke(mod, "/admin data export", {})
            await export.response(timeout=30)
            await sim.wait_for_idle(timeout=30)
            stats = await bot.snapshot()
        violations = list(sim.violations)
    assert stats.get("slow_callbacks") is not None, "the bot process was not watching its loop"
    slow = [s for s in stats["slow_callbacks"] if s.get("after_ready")]
    blocking = [s for s in slow if s.get("cpu", 0) >= 0.05]
    report(
        "loop health, bot process",
        interactions=352,
        slow_steps=len(slow),
        blocking=len(blocking),
        worst_ms=round(max((s["seconds"] for s in slow), default=0) * 1000),
        worst_cpu_ms=round(max((s.get("cpu", 0) for s in slow), default=0) * 1000),
    )
    assert blocking == [], serving_blocks({"slow_callbacks": blocking})
    assert violations == [], violations[:3]
