"""Lost updates: concurrent read-check-write transactions of one guild (issue #20, part 1).

SQLite serialises every write transaction, so these pass there for free. PostgreSQL runs them side
by side (READ COMMITTED): without the per-guild advisory lock (`bot.store.engine.lock_guild`) two
imports planned on the same data version both passed the version check and both "applied", the
second silently overwriting the first, and concurrent admin edits read the same value and lost all
but one increment. Run on PostgreSQL by `.ci/run` (HUSTINGS_TEST_DATABASE).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.domain.access import Actor
from bot.packs.json_format import pack_from_dict
from bot.services.access import AccessService
from bot.services.admin.core import AdminCore
from bot.services.imports import StaleImportError, apply_import, plan_import
from bot.store import audit, meta
from bot.store.database import Database
from tests.helpers import import_pack

GUILD = 42
MOD = Actor(GUILD, 1, "mod", manage_guild=True)
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _pack(members: int) -> dict[str, object]:
    return {"version": 1, "bodies": [{"name": "Branch A", "members": members}, {"name": f"Branch {members}"}]}


async def _open_connections(db: Database, n: int) -> None:
    """Have `n` pooled connections open (PostgreSQL), so the transactions below really overlap."""
    if db.engine == "sqlite":
        return  # one writer: transactions can't overlap (and holding n at once would wait forever)
    entered, ready = 0, asyncio.Event()

    async def hold() -> None:
        nonlocal entered
        async with db.transaction():
            entered += 1
            if entered == n:
                ready.set()
            await ready.wait()

    await asyncio.gather(*[hold() for _ in range(n)])


async def test_imports_planned_on_one_version_apply_once(db: Database, clock) -> None:
    await import_pack(db, GUILD, _pack(1), clock, "seed.json")
    plans = [await plan_import(db, GUILD, pack_from_dict(_pack(n), f"{n}.json")) for n in range(2, 6)]
    assert len({p.base_version for p in plans}) == 1
    await _open_connections(db, len(plans))

    async def apply(plan):
        return await apply_import(db, GUILD, plan, actor_id=1, actor_name="mod", now=NOW)

    outcomes = await asyncio.gather(*[apply(p) for p in plans], return_exceptions=True)
    applied = [o for o in outcomes if not isinstance(o, BaseException)]
    stale = [o for o in outcomes if isinstance(o, StaleImportError)]
    assert len(applied) == 1 and len(stale) == len(plans) - 1, outcomes
    version = await meta.get_version(db.reader, GUILD)
    assert version.version == plans[0].base_version + 1  # one import applied, not four


async def test_concurrent_admin_edits_and_imports_lose_no_update(db: Database, clock) -> None:
    core = AdminCore(db, clock, AccessService(db, clock))
    await import_pack(db, GUILD, _pack(1), clock, "seed.json")
    start = (await meta.get_version(db.reader, GUILD)).version
    edits, imports = 12, 6
    await _open_connections(db, 8)

    async def edit() -> None:
        async with core.change(MOD, "config.grace", "grace") as ch:
            settings = await meta.get_settings(ch.tx, GUILD)  # read, then write the value read + 1
            settings.grace_minutes += 1
            await meta.save_settings(ch.tx, settings)

    async def import_until_applied(n: int) -> None:
        while True:  # a stale plan is re-planned, as a moderator re-confirms
            plan = await plan_import(db, GUILD, pack_from_dict(_pack(100 + n), f"{n}.json"))
            try:
                await apply_import(db, GUILD, plan, actor_id=1, actor_name="mod", now=NOW)
                return
            except StaleImportError:
                continue

    await asyncio.gather(*[edit() for _ in range(edits)], *[import_until_applied(n) for n in range(imports)])
    settings = await meta.get_settings(db.reader, GUILD)
    assert settings.grace_minutes == 60 + edits  # every increment counted
    version = await meta.get_version(db.reader, GUILD)
    assert version.version == start + edits + imports  # every change bumped the version once
    rows = await audit.recent(db.reader, GUILD, limit=100)
    assert len([r for r in rows if r.action == "config.grace"]) == edits


async def test_the_guild_lock_is_re_entrant(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.lock(GUILD)  # no error on either engine; SQLite's writes are already serialised
        await tx.lock(GUILD)  # re-entrant within one transaction
