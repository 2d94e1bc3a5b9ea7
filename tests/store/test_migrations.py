"""Migrations: ordered, transactional, idempotent, and refusing a newer database."""

from __future__ import annotations

import sqlite3

import pytest

from bot.store.database import Database
from bot.store.migrations import MigrationError, discover, migrate, status


async def test_fresh_database_reaches_latest(db: Database) -> None:
    state = await status(db)
    assert state.pending == []
    assert state.current == state.latest == len(discover(engine=db.engine))
    if db.engine == "sqlite":
        row = await db.fetchone("PRAGMA user_version")
        assert row[0] == state.latest


async def test_migrating_up_to_date_database_is_noop(db: Database) -> None:
    before = await db.fetchall("SELECT * FROM schema_migrations")
    assert await migrate(db) == []
    assert [tuple(r) for r in await db.fetchall("SELECT * FROM schema_migrations")] == [tuple(r) for r in before]


@pytest.mark.sqlite_only(reason="SQLite's pragmas")
async def test_pragmas(db: Database) -> None:
    assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
    assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1
    assert (await db.fetchone("PRAGMA busy_timeout"))[0] > 0


async def test_newer_database_refused(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO schema_migrations VALUES (999, 'future', '2030-01-01T00:00:00+00:00')")
    with pytest.raises(MigrationError, match="newer than this Hustings"):
        await migrate(db)


async def test_failed_migration_rolls_back_with_its_version(tmp_path) -> None:
    folder = tmp_path / "migs"
    folder.mkdir()
    (folder / "0001_ok.sql").write_text("CREATE TABLE a (x INTEGER);\n")
    (folder / "0002_broken.sql").write_text("CREATE TABLE b (x INTEGER);\nINSERT INTO nowhere VALUES (1);\n")
    database = await Database.open(tmp_path / "m.db")
    try:
        with pytest.raises(sqlite3.OperationalError):
            await migrate(database, folder)
        state = await status(database, folder)
        assert state.current == 1
        tables = {r[0] for r in await database.fetchall("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "a" in tables and "b" not in tables
    finally:
        await database.close()


def test_statements_split_keeps_trigger_bodies_whole() -> None:
    first = discover()[0]
    statements = first.statements()
    triggers = [s for s in statements if s.upper().startswith("CREATE TRIGGER")]
    assert triggers and all(s.rstrip().upper().endswith("END;") for s in triggers)


def test_gap_in_numbering_is_reported(tmp_path) -> None:
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0003_c.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="0002 is missing"):
        discover(tmp_path)
