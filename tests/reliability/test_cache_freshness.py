"""Caches never hide a write: the next command (and autocomplete) sees what was just written.

Autocomplete answers from the read model without asking the database for its data version when
nothing was written through this process since a check under a second ago (`COMPLETION_MAX_AGE`);
a write made here must still show at once, and one made by another process within that second.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest

from bench.loopwatch import LoopWatch
from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.services.imports import apply_import, load_demo_pack, plan_import
from bot.services.read.snapshot import COMPLETION_MAX_AGE
from bot.sim import DiscordSimulator, SimGuild
from bot.sim import permissions as perms
from bot.store.database import Database
from tests.reliability.support import report


@pytest.mark.sqlite_only(reason="another process's write through a second SQLite connection (sqlite3)")
async def test_writes_show_in_the_next_autocomplete(
    sim: DiscordSimulator,
    guild: SimGuild,
    db: Database,
    clock: ManualClock,
    hustings: HustingsBot,
    loop_health: LoopWatch,
) -> None:
    mod = guild.add_member("mod", permissions=perms.MANAGE_GUILD)
    member = guild.add_member("alice")
    plan = await plan_import(db, guild.id, load_demo_pack(clock.now()))
    await apply_import(db, guild.id, plan, actor_id=None, actor_name="test", now=clock.now())
    assert await sim.autocomplete(member, "/candidate", "name", "Zygmunt") == []

    reply = await (
        await sim.invoke(mod, "/admin candidate add", {"election": "ncwu-nec", "name": "Zygmunt Freshly"})
    ).response()
    assert "Zygmunt" in reply.text
    seen_here = [c["value"] for c in await sim.autocomplete(member, "/candidate", "name", "Zygmunt")]

    conn = sqlite3.connect(db.path)  # another process's write (the CLI, a second tool)
    conn.execute("UPDATE data_versions SET version = version + 1 WHERE guild_id = ?", (guild.id,))
    conn.execute("UPDATE candidates SET name = 'Zygmunt Elsewhere' WHERE name = 'Zygmunt Freshly'")
    conn.commit()
    conn.close()
    started = time.monotonic()
    seen_there: list[str] = []
    while time.monotonic() - started < COMPLETION_MAX_AGE + 2:
        seen_there = [c["value"] for c in await sim.autocomplete(member, "/candidate", "name", "Zygmunt")]
        if seen_there == ["Zygmunt Elsewhere"]:
            break
        await asyncio.sleep(0.05)
    lag = time.monotonic() - started
    report(
        "cache freshness",
        own_write_seen_at_once=seen_here == ["Zygmunt Freshly"],
        other_process_write_seen_after_s=round(lag, 2),
    )
    assert seen_here == ["Zygmunt Freshly"]
    assert seen_there == ["Zygmunt Elsewhere"] and lag <= COMPLETION_MAX_AGE + 0.5
