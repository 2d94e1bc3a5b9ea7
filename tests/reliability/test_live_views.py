"""Replies keep no per-message state (issue #14 item 6): after a burst, the oldest reply's buttons
still work, because each press re-renders from the stored reply key instead of a live view.

(Before, each reply held a live view; beyond 500 the oldest were expired early, so a burst left
members with dead buttons. Then, issue #19: discord.py still kept each ephemeral reply's view for
15 minutes — it gives an ephemeral view without a timeout one — unless the view says it needs no
dispatching.)
"""

from __future__ import annotations

from bench.loopwatch import LoopWatch
from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.discordpy_private import views_held
from bot.services.imports import apply_import, load_demo_pack, plan_import
from bot.sim import DiscordSimulator, SimGuild
from bot.store.database import Database
from tests.reliability.support import report


async def test_the_oldest_reply_still_works_after_a_burst(
    sim: DiscordSimulator,
    guild: SimGuild,
    db: Database,
    clock: ManualClock,
    hustings: HustingsBot,
    loop_health: LoopWatch,
) -> None:
    member = guild.add_member("alice")
    plan = await plan_import(db, guild.id, load_demo_pack(clock.now()))
    await apply_import(db, guild.id, plan, actor_id=None, actor_name="test", now=clock.now())
    replies = [
        await (await sim.invoke(member, "/candidates", {"election": "ncwu-nec"})).response(timeout=10)
        for _ in range(12)
    ]
    await sim.wait_for_idle(timeout=10)
    live = views_held(hustings)  # views discord.py keeps to dispatch presses (and time out)
    report("stateless replies", replies=len(replies), views_kept=live)
    assert live == 0, "discord.py keeps a live view per reply"
    oldest = replies[0]
    share = oldest.button("Share")
    posted = await (await sim.click(member, oldest, share["custom_id"])).response(timeout=10)
    assert not posted.ephemeral and posted.text
    assert sim.violations == []
