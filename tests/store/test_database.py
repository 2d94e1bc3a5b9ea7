"""The connection owner: atomic write transactions, audit append-only, online backup."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from bot.domain.models import Election, VotingSystem
from bot.store import audit, elections
from bot.store.database import Database

#: A constraint or trigger refused the statement, on either engine.
INTEGRITY_ERRORS = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)


def _election(slug: str = "exec-2027") -> Election:
    return Election(guild_id=1, slug=slug, name="Executive 2027", seats=3, voting_system=VotingSystem.BLOC)


async def test_failed_transaction_writes_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await elections.upsert(tx, _election())
            raise RuntimeError("boom")
    assert await elections.list_for_guild(db.reader, 1) == []


async def test_upsert_by_natural_key_updates_in_place(db: Database) -> None:
    async with db.transaction() as tx:
        first = await elections.upsert(tx, _election())
        changed = _election()
        changed.name = "Executive (renamed)"
        second = await elections.upsert(tx, changed)
    assert first == second
    [stored] = await elections.list_for_guild(db.reader, 1)
    assert stored.name == "Executive (renamed)"


async def test_guilds_do_not_see_each_other(db: Database) -> None:
    async with db.transaction() as tx:
        await elections.upsert(tx, _election())
    assert await elections.get_by_slug(db.reader, 2, "exec-2027") is None


async def test_audit_log_is_append_only(db: Database) -> None:
    now = datetime(2026, 11, 24, tzinfo=UTC)
    async with db.transaction() as tx:
        await audit.append(
            tx, guild_id=1, actor_id=5, actor_name="mod", action="election.create", at=now, after={"slug": "x"}
        )
    with pytest.raises(INTEGRITY_ERRORS, match="append-only"):
        async with db.transaction() as tx:
            await tx.execute("UPDATE audit_log SET actor_name = 'someone else'")
    with pytest.raises(INTEGRITY_ERRORS, match="append-only"):
        async with db.transaction() as tx:
            await tx.execute("DELETE FROM audit_log")
    [entry] = await audit.recent(db.reader, 1)
    assert entry.after == {"slug": "x"} and entry.actor_name == "mod"
    with pytest.raises(INTEGRITY_ERRORS, match="append-only"):  # only a refusal's count may change
        async with db.transaction() as tx:
            await tx.execute("UPDATE audit_log SET repeats = 2, action = 'x'")
    # only retention pruning deletes, and only rows older than its cut-off
    async with db.transaction() as tx:
        assert await audit.prune(tx, 1, now) == 0
        assert await audit.prune(tx, 1, now + timedelta(seconds=1)) == 1


@pytest.mark.sqlite_only(reason="SQLite's online backup API (PostgreSQL is backed up with pg_dump)")
async def test_backup_is_a_consistent_copy(db: Database, tmp_path) -> None:
    async with db.transaction() as tx:
        await elections.upsert(tx, _election())
    dest = tmp_path / "copy" / "backup.db"
    await db.backup(dest)
    copy = await Database.open(dest)
    try:
        assert [e.slug for e in await elections.list_for_guild(copy.reader, 1)] == ["exec-2027"]
    finally:
        await copy.close()


async def test_cancelled_writer_never_leaves_a_transaction_open(db: Database) -> None:
    import asyncio

    started = asyncio.Event()

    async def slow_write() -> None:
        async with db.transaction() as tx:
            await elections.upsert(tx, _election("cancelled"))
            started.set()
            await asyncio.Event().wait()  # hold the transaction open until cancelled

    task = asyncio.create_task(slow_write())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # many cancellations racing BEGIN itself
    for _ in range(20):
        racer = asyncio.create_task(slow_write())
        await asyncio.sleep(0)
        racer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await racer
    async with db.transaction() as tx:
        await elections.upsert(tx, _election("after"))
    assert [e.slug for e in await elections.list_for_guild(db.reader, 1)] == ["after"]
