"""Repeated read commands cost no table reads while nothing changed, yet see every write at once —
this process's and another process's (a second connection to the same file); after a publish the
views members ask for first are drawn before anyone asks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import asynccontextmanager

import pytest

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.sim import DiscordSimulator, SimGuild, SimMember
from bot.sim import permissions as perms
from bot.store import meta
from bot.store.database import Database
from tests.helpers import ask, import_pack

#: Reads no table: SQLite answers it from the connection's own view of the file.
FREE = ("PRAGMA data_version",)


@asynccontextmanager
async def counting(db: Database) -> Iterator[list[str]]:
    """The statements run on the reader connection meanwhile (except those reading no table)."""
    seen: list[str] = []

    def trace(sql: str) -> None:
        if not sql.strip().startswith(FREE):
            seen.append(sql)

    await db.reader.raw.set_trace_callback(trace)
    try:
        yield seen
    finally:
        await db.reader.raw.set_trace_callback(None)


COMMANDS = [
    ("/candidate", {"name": "Aileen Marsh"}),
    ("/candidates", {}),
    ("/nominations progress", {}),
    ("/election info", {}),
    ("/slate info", {"name": "BLA"}),
]


@pytest.mark.sqlite_only("counts statements with SQLite's trace callback (tests/store/test_notify.py: PostgreSQL)")
async def test_a_repeated_command_reads_no_table(sim: DiscordSimulator, member: SimMember, demo, db: Database) -> None:
    for command, options in COMMANDS:
        await ask(sim, member, command, options)  # warms the caches
    for command, options in COMMANDS:
        async with counting(db) as queries:
            reply = await ask(sim, member, command, options)
        assert reply.embeds, command
        assert queries == [], f"{command} ran {queries}"


async def test_another_process_write_is_seen_by_the_next_command(
    sim: DiscordSimulator, member: SimMember, demo: HustingsBot, db: Database, guild: SimGuild, clock: ManualClock
) -> None:
    before = await ask(sim, member, "/candidate", {"name": "Aileen Marsh"})
    assert "Aileen Marsh" in before.embeds[0]["title"]
    changes = demo.services.changes  # PostgreSQL: the process's listener (SQLite: None, the file tells)
    if changes is not None:
        await changes.wait_for(lambda f: f.live.is_set())
    heard = changes.received if changes is not None else 0
    other = await Database.open(db.path)  # a second process's connections (the CLI, a tool)
    async with other, other.transaction() as tx:
        await tx.execute("UPDATE candidates SET bio = 'Written elsewhere.' WHERE name = 'Aileen Marsh'")
        await meta.bump_version(tx, guild.id, clock.now(), "elsewhere")
    if changes is not None:  # delivered on commit, a moment later: the next command after it sees the write
        await changes.wait_for(lambda f: f.received > heard)
    after = await ask(sim, member, "/candidate", {"name": "Aileen Marsh"})
    assert "Written elsewhere." in after.embeds[0]["description"]


PACK = {
    "version": 1,
    "elections": [
        {
            "slug": "nec",
            "name": "NEC 2026",
            "seats": 2,
            "voting_system": "bloc",
            "candidates": [{"name": "Yasmine Dar"}, {"name": "Eddie Izzard"}, {"name": "Peter Willsman"}],
        }
    ],
}


async def test_after_a_publish_the_hot_views_are_drawn_before_anyone_asks(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, hustings: HustingsBot, db: Database, clock: ManualClock
) -> None:
    mod = guild.add_member("mod", permissions=perms.MANAGE_GUILD)
    await import_pack(db, guild.id, PACK, clock, "seed.json")
    for name, votes in (("Yasmine Dar", 68388), ("Eddie Izzard", 56020), ("Peter Willsman", 40342)):
        await ask(sim, mod, "/admin results set", {"election": "nec", "candidate": name, "votes": votes})
    services = hustings.services
    reply = await ask(sim, mod, "/admin results publish", {"election": "nec"})
    assert "Published results" in reply.text
    await services.admin.core.drain()  # the change's listeners, the pre-rendering among them, have run

    drawn, charts = services.rendered.computed, services.charts.renders
    results = await ask(sim, member, "/results", {})
    progress = await ask(sim, member, "/nominations progress", {})
    listed = await ask(sim, member, "/candidates", {})
    assert "68,388" in results.text and results.filenames == ["results.png"]
    assert progress.embeds and "Yasmine Dar" in listed.text
    assert services.rendered.computed == drawn and services.charts.renders == charts  # all found ready


async def test_only_postgresql_listens(hustings: HustingsBot, db: Database) -> None:
    changes = hustings.services.changes
    if db.engine == "sqlite":
        assert changes is None  # one process owns the file; PRAGMA data_version sees other programs' commits
    else:
        assert changes is not None and hustings.services.snapshots.changes is changes
        await changes.wait_for(lambda f: f.live.is_set())
