"""Helpers shared by test files: drive the simulator as a member would, and seed a guild's data.

Fixtures live in `conftest.py` files (pytest finds them); plain functions that several test files
call live here, so no test imports from a conftest. See tests/README.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.clock import ManualClock
from bot.domain.models import Body, Candidate, Election, ResultRound, Slate
from bot.packs.json_format import pack_from_dict
from bot.services.imports import apply_import, plan_import
from bot.sim import DiscordSimulator, SimMember, SimMessage
from bot.store import bodies as bodies_repo
from bot.store import candidates as candidates_repo
from bot.store import elections, meta
from bot.store import nominations as nominations_repo
from bot.store import results as results_repo
from bot.store.database import Database


async def import_pack(db: Database, guild_id: int, data: Mapping[str, Any], clock: ManualClock, name: str) -> None:
    """Load a pack (as JSON-ready data) through the import service."""
    pack = pack_from_dict(dict(data), name)
    plan = await plan_import(db, guild_id, pack)
    await apply_import(db, guild_id, plan, actor_id=None, actor_name="test", now=clock.now())


async def ask(
    sim: DiscordSimulator, who: SimMember, command: str, options: Mapping[str, Any] | None = None
) -> SimMessage:
    """Run a slash command and return the visible reply, failing on any Discord-rule violation."""
    handle = await sim.invoke(who, command, dict(options or {}))
    reply = await handle.response(timeout=10)
    assert not reply.loading, "the reply is still the 'thinking…' placeholder"
    assert sim.violations == [], sim.violations
    return reply


async def choices(
    sim: DiscordSimulator, who: SimMember, command: str, focused: str, value: str, **options: Any
) -> list[str]:
    """Autocomplete `value` into option `focused`; the choice names shown to the member."""
    found = await sim.autocomplete(who, command, focused, value, options or None)
    assert sim.violations == [], sim.violations
    return [c["name"] for c in found]


async def seed_election(
    db: Database,
    guild_id: int,
    clock: ManualClock,
    election: Election,
    *,
    slates: list[Slate] = (),  # type: ignore[assignment]
    candidates: list[Candidate] = (),  # type: ignore[assignment]
    bodies: list[Body] = (),  # type: ignore[assignment]
    nominations: list[tuple[str, str, date | None]] = (),  # type: ignore[assignment]
    rounds: list[ResultRound] = (),  # type: ignore[assignment]
    published: bool = False,
    valid: int | None = None,
    invalid: int | None = None,
) -> None:
    """Write an election straight through the store (for sizes beyond a pack's limits) and bump the version."""
    election.guild_id = guild_id
    async with db.transaction() as tx:
        eid = await elections.upsert(tx, election)
        for slate in slates:
            await elections.upsert_slate(tx, eid, slate)
        body_ids = {b.name: await bodies_repo.upsert(tx, guild_id, b) for b in bodies}
        cand_ids = {c.name: await candidates_repo.upsert(tx, eid, c) for c in candidates}
        for body, cand, on in nominations:
            await nominations_repo.add(tx, eid, body_ids[body], cand_ids[cand], on)
        if rounds:
            await results_repo.replace_rounds(tx, eid, list(rounds), cand_ids)
        await elections.set_result_meta(tx, eid, published=published, valid=valid, invalid=invalid)
        await meta.bump_version(tx, guild_id, clock.now(), "test seed")


async def set_published(db: Database, guild_id: int, slug: str, clock: ManualClock, published: bool) -> None:
    """Publish or unpublish an election's results (bumping the data version like every write)."""
    async with db.transaction() as tx:
        e = await elections.get_by_slug(tx, guild_id, slug)
        assert e is not None and e.id is not None
        current = await elections.get_result_meta(tx, e.id)
        await elections.set_result_meta(
            tx, e.id, published=published, valid=current.valid_ballots, invalid=current.invalid_ballots
        )
        await meta.bump_version(tx, guild_id, clock.now(), "test publish")
