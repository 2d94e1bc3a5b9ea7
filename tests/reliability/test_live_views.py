"""Replies' live buttons are bounded: past `MAX_LIVE_VIEWS` the oldest expire early, visibly.

Each slash-command reply keeps a live view (its pages, its interaction) so Prev/Next/Share work for
ten minutes. A burst of thousands of commands must not keep thousands of them — memory and the
garbage collector's pauses grow with them — so the oldest replies beyond the bound get their
buttons disabled at once, exactly as when they time out; the newest keep working.
"""

from __future__ import annotations

import pytest

import bot.render.views as views
from bench.loopwatch import LoopWatch
from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.services.imports import apply_import, load_demo_pack, plan_import
from bot.sim import DiscordSimulator, SimGuild
from bot.store.database import Database
from tests.reliability.support import report


async def test_oldest_replies_expire_early_beyond_the_bound(
    sim: DiscordSimulator,
    guild: SimGuild,
    db: Database,
    clock: ManualClock,
    hustings: HustingsBot,
    loop_health: LoopWatch,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(views, "MAX_LIVE_VIEWS", 3)
    member = guild.add_member("alice")
    plan = await plan_import(db, guild.id, load_demo_pack(clock.now()))
    await apply_import(db, guild.id, plan, actor_id=None, actor_name="test", now=clock.now())
    replies = [
        await (await sim.invoke(member, "/candidates", {"election": "ncwu-nec"})).response(timeout=10) for _ in range(5)
    ]
    await sim.wait_for_idle(timeout=10)
    disabled = [all(b.get("disabled") for b in r.buttons) for r in replies]
    live = len(views._LIVE.get(hustings, {}))
    report("bounded live views", replies=len(replies), expired_early=sum(disabled), live=live)
    assert disabled == [True, True, False, False, False]
    assert live == 3
    newest = replies[-1]
    share = newest.button("Share")
    assert (await (await sim.click(member, newest, share["custom_id"])).response(timeout=10)).text
    assert sim.violations == []
