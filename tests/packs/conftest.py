"""Fixtures for pack tests (the migrated `db` comes from tests/conftest.py): a fixed instant, a full-database dump and a
one-call import helper.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from bot.packs import ImportPlan, Pack
from bot.services.imports import apply_import, plan_import
from bot.store.copy import table_names
from bot.store.database import Database

GUILD = 1001
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def now() -> datetime:
    """The fixed instant imports are stamped with."""
    return NOW


async def dump(db: Database) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: two equal dumps mean an identical database."""
    tables = sorted(await table_names(db))  # either engine's catalogue
    out = {}
    for table in tables:
        rows = await db.fetchall(f'SELECT * FROM "{table}"')
        out[table] = sorted((tuple(r) for r in rows), key=repr)
    return out


ImportFn = Callable[..., Awaitable[ImportPlan]]


@pytest.fixture
def do_import(db: Database) -> ImportFn:
    """`await do_import(pack, **plan_kwargs)`: plan and apply as moderator 7 at NOW; returns the applied plan."""

    async def run(pack: Pack, guild_id: int = GUILD, **kwargs) -> ImportPlan:
        plan = await plan_import(db, guild_id, pack, **kwargs)
        return await apply_import(db, guild_id, plan, actor_id=7, actor_name="mod", now=NOW)

    return run
