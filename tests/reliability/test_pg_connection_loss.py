"""#20 "Bad input": PostgreSQL connections lost while the bot runs (the server's backends terminated with
`pg_terminate_backend`, as a restart, a failover or an operator would).

Reads and writes that had not begun carry on through the pool's new connections (tried again with
back-off); a write the loss cut off, or every write while the server refuses connections, is refused
with the sentence saying nothing was saved — never acknowledged and then dropped; the outage is logged
once at error level and the recovery once; the listener reconnects and re-reads everything.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.app import CANNOT_SAVE, HustingsBot
from bot.clock import ManualClock
from bot.services.imports import apply_import, load_demo_pack, plan_import
from bot.sim import DiscordSimulator, SimGuild
from bot.store import meta
from bot.store.database import Database, storage_refuses_writes

ON_POSTGRES = os.environ.get("HUSTINGS_TEST_DATABASE", "").startswith(("postgresql://", "postgres://"))
pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's connections (SQLite has a file, not a server)")

GUILD = 42


def _server(db: Database) -> str:
    """The URL of the server's maintenance database (not the test's own clone)."""
    parts = urlsplit(str(db.path))
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))


async def _terminate_all(db: Database) -> int:
    """End every session on the test's database, as a server restart would."""
    conn = await asyncpg.connect(_server(db))
    try:
        name = urlsplit(str(db.path)).path.lstrip("/")
        return int(
            await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1", name
            )
        )
    finally:
        await conn.close()


@asynccontextmanager
async def _refusing(db: Database) -> AsyncIterator[None]:
    """The server ends every session and refuses new ones (a restart that takes a while) until the block ends."""
    conn = await asyncpg.connect(_server(db))
    name = urlsplit(str(db.path)).path.lstrip("/")
    try:
        await conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        await _terminate_all(db)
        yield
    finally:
        await conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        await conn.close()


async def test_a_write_cut_off_by_a_lost_connection_is_refused_never_acknowledged(db: Database, caplog, clock) -> None:
    caplog.set_level(logging.WARNING)
    with pytest.raises(Exception) as raised:
        async with db.transaction() as tx:
            await meta.bump_version(tx, GUILD, clock.now(), "cut off")
            await _terminate_all(db)
            await meta.set_state(tx, "after the loss", "x")
    assert storage_refuses_writes(raised.value)  # the member is told nothing was saved (CANNOT_SAVE)
    assert (await meta.get_version(db.reader, GUILD)).version == 0  # the read reconnects; nothing was kept
    async with db.transaction() as tx:  # the next write goes through on a new connection
        await meta.bump_version(tx, GUILD, clock.now(), "after")
    assert (await meta.get_version(db.reader, GUILD)).version == 1
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert [r for r in caplog.records if "accepts writes again" in r.getMessage()]


async def test_reads_and_writes_carry_on_after_every_session_was_ended(db: Database, clock) -> None:
    await db.fetchone("SELECT 1")
    async with db.transaction() as tx:
        await meta.bump_version(tx, GUILD, clock.now(), "before")
    for _ in range(3):
        assert await _terminate_all(db) >= 1
        assert (await meta.get_version(db.reader, GUILD)).version >= 1
        async with db.transaction() as tx:
            await meta.bump_version(tx, GUILD, clock.now(), "again")
    assert (await meta.get_version(db.reader, GUILD)).version == 4


async def _ask(sim: DiscordSimulator, who, command: str, options: dict | None = None) -> str:
    handle = await sim.invoke(who, command, dict(options or {}))
    reply = await handle.response(timeout=30)
    assert not reply.loading
    return " ".join([reply.text, *(str(e.get("description", "")) for e in reply.embeds)])


async def test_an_outage_refuses_members_writes_alerts_once_and_recovers(
    sim: DiscordSimulator, guild: SimGuild, db: Database, clock: ManualClock, hustings: HustingsBot, caplog
) -> None:
    plan = await plan_import(db, guild.id, load_demo_pack(clock.now()))
    await apply_import(db, guild.id, plan, actor_id=None, actor_name="test", now=clock.now())
    members = [guild.add_member(f"member{i}") for i in range(2)]
    changes = hustings.services.changes
    assert changes is not None
    await changes.wait_for(lambda f: f.live.is_set())
    caplog.set_level(logging.WARNING)
    async with _refusing(db):
        texts = [await _ask(sim, m, "/remind deadlines") for m in members]
        for _ in range(2):  # the bot's own writes meanwhile (a planner pass, a source run) are refused too
            with pytest.raises(Exception) as refused:
                async with db.transaction() as tx:
                    await meta.set_state(tx, "during the outage", "x")
            assert storage_refuses_writes(refused.value)
    assert texts == [CANNOT_SAVE] * 2  # not "something went wrong", and nothing claimed as saved
    assert await db.fetchall("SELECT id FROM subscriptions WHERE guild_id = ?", (guild.id,)) == []
    # The server is back: the same command works, the listener is back and everything was re-read.
    await changes.wait_for(lambda f: f.connections >= 2 and f.live.is_set())
    assert "can't save" not in await _ask(sim, members[0], "/remind deadlines")
    subs = await db.fetchall("SELECT DISTINCT user_id FROM subscriptions WHERE guild_id = ?", (guild.id,))
    assert [r[0] for r in subs] == [members[0].id]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    # Once per outage each: the writes refused (the store), the listener's lost connection, and the leader's
    # lost lock (it stops its scheduled work at once) with its first failed try to lead again.
    assert len([e for e in errors if "can't be written" in e]) == 1, errors
    assert len([e for e in errors if "lost the connection" in e]) == 1, errors
    assert len([e for e in errors if "lost the lead" in e]) <= 1, errors
    assert len([e for e in errors if "to take the lead" in e]) <= 1, errors
    assert len(errors) <= 4, errors
    recovered = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len([w for w in recovered if "accepts writes again" in w]) == 1
    assert len([w for w in recovered if "listening to PostgreSQL again" in w]) == 1
