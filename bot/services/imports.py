"""Importing and exporting election data: parse → plan (a preview diff) → apply (one transaction).

Callers (the CLI, admin commands, scheduled sources) follow the same three steps:

    pack = parse_pack_json(data, "pack.json")          # or parse_csv("nominations", data, name)
    plan = await plan_import(db, guild_id, pack)       # PackError lists every problem
    print("\\n".join(plan.summary_lines()))
    await apply_import(db, guild_id, plan, actor_id=..., actor_name=..., now=clock.now())

A plan remembers the data version it was made against; applying it after someone else changed the
data raises `StaleImportError` (plan again and re-confirm) instead of overwriting their change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.cache import Cache
from bot.domain.import_rules import ImportMode
from bot.packs import KINDS, ImportPlan, Pack, PackError, PackIssue, State, diff_states, merge
from bot.packs.csv_format import CSV_KINDS, parse_csv, parse_upload
from bot.packs.demo import load_demo_pack
from bot.packs.export import state_to_pack
from bot.packs.json_format import parse_pack_json
from bot.packs.plan import removals
from bot.store import audit, meta, snapshot
from bot.store.database import Database
from bot.store.engine import lock_guild

__all__ = [
    "CSV_KINDS",
    "ImportMode",
    "ImportPlan",
    "Pack",
    "PackError",
    "PackIssue",
    "StaleImportError",
    "apply_import",
    "export_pack",
    "guild_zone",
    "load_demo_pack",
    "parse_csv",
    "parse_pack_json",
    "parse_upload",
    "plan_file",
    "plan_import",
]


class StaleImportError(RuntimeError):
    """The guild's data changed between planning and applying; nothing was written."""

    def __init__(self, planned: int, current: int) -> None:
        self.planned = planned
        self.current = current
        super().__init__(
            f"the data changed since this import was previewed (version {planned} → {current}); "
            "nothing was imported — preview it again and re-confirm"
        )


#: Each guild's last known State by (guild, data version) (every writer bumps the version in the same
#: transaction — the project's cache-key rule). Repeated previews of a large pack then skip
#: re-reading every row. States are never mutated, so sharing is safe. The caller holds the cache.
States = Cache[tuple[int, int], State]


async def _current_state(db: Database, guild_id: int, states: States | None = None) -> State:
    version = (await meta.get_version(db.reader, guild_id)).version
    if states is None:
        return await _read_state(db, guild_id)
    state = await states.get((guild_id, version), lambda: _read_state(db, guild_id))
    if state.version != version:  # read after a later write: the state is right, its key is not
        states.put((guild_id, state.version), state)
    return state


async def _read_state(db: Database, guild_id: int) -> State:
    try:
        return await snapshot.load_state(db.reader, guild_id)
    except snapshot.KeptChanging:  # a burst of writes: read once more with writers held off
        async with db.transaction() as tx:
            # Every writer of this guild takes its lock first (PostgreSQL runs transactions side by side,
            # so a transaction alone would still see their commits between two reads).
            await lock_guild(tx, guild_id)
            return await snapshot.load_state(tx, guild_id)


async def guild_zone(db: Database, guild_id: int, default: str) -> str:
    """The time zone a server's files are read in: its `/admin config timezone`, else `default` (the
    bot's HUSTINGS_TIMEZONE), as for times typed in slash commands."""
    return (await meta.get_settings(db.reader, guild_id)).timezone or default


async def plan_import(
    db: Database,
    guild_id: int,
    pack: Pack,
    *,
    kinds: Iterable[str] | None = None,
    mode: ImportMode = ImportMode.ADD,
    states: States | None = None,
) -> ImportPlan:
    """Compare `pack` with the guild's current data and return what importing it would change.

    `kinds` limits the import to some kinds (default: every kind the file carries). By default an
    import adds and updates; `mode=ImportMode.REPLACE` also removes what the file leaves out, within
    the elections it names (see `bot.domain.import_rules`); `plan.danger()` says when that removal is
    large enough to confirm twice. Raises `PackError` when the pack refers to bodies, elections,
    slates or candidates that neither it nor the server has, or breaks the seats rule.
    """
    wanted = None if kinds is None else frozenset(kinds)
    if wanted is not None and not wanted <= set(KINDS):
        raise ValueError(f"unknown kinds {sorted(wanted - set(KINDS))}; choose from {', '.join(KINDS)}")
    current = await _current_state(db, guild_id, states)
    # Merging and diffing a large pack is CPU work: off the event loop (both only read `current`).
    target, issues = await asyncio.to_thread(merge, current, pack, kinds=wanted, prune=mode is ImportMode.REPLACE)
    if issues:
        raise PackError(issues)
    diffs = await asyncio.to_thread(diff_states, current, target)
    return ImportPlan(
        guild_id=guild_id,
        source=pack.source,
        base_version=current.version,
        kinds=pack.kinds if wanted is None else pack.kinds & wanted,
        elections=pack.slugs,
        diffs=diffs,
        before_counts=current.counts(),
        mode=mode,
        removals=removals(current, diffs),
        target=target,
    )


async def plan_file(
    db: Database,
    guild_id: int,
    parse: Callable[[], Pack],
    *,
    mode: ImportMode = ImportMode.ADD,
    states: States | None = None,
) -> ImportPlan:
    """Parse a file (`parse()`, e.g. `lambda: parse_upload(name, data)`) and plan importing it.

    Raises one `PackError` listing every problem, those of the file itself and its references to the
    server's data together, in file order, so a moderator fixes them all in one go.
    """
    try:
        # A 5 MB file takes a while to parse: in a worker thread, so members keep getting answers.
        pack = await asyncio.to_thread(parse)
    except PackError as exc:
        if exc.pack is None:
            raise
        current = await _current_state(db, guild_id, states)
        _, more = merge(current, exc.pack, prune=mode is ImportMode.REPLACE)
        seen = {(i.file, i.where, i.field) for i in exc.issues}
        extra = [i for i in more if (i.file, i.where, i.field) not in seen]
        raise PackError(sorted([*exc.issues, *extra], key=_position)) from None
    return await plan_import(db, guild_id, pack, mode=mode, states=states)


def _position(issue: PackIssue) -> tuple[str, int, int]:
    # "row 12" in numeric order; JSON paths keep the order they were found in.
    if issue.where.startswith("row ") and issue.where[4:].isdigit():
        return issue.file, 0, int(issue.where[4:])
    return issue.file, 1, 0


async def apply_import(
    db: Database,
    guild_id: int,
    plan: ImportPlan,
    *,
    actor_id: int | None,
    actor_name: str,
    now: datetime,
    source: str | None = None,
    states: States | None = None,
) -> ImportPlan:
    """Carry out a plan in one write transaction: the changes, a data-version bump and one audit row.

    An empty plan writes nothing (the data version stays as it is). Raises `StaleImportError` if
    the guild's data changed since the plan was made; any failure rolls everything back.
    Returns the plan with `applied_version` set.
    """
    if plan.guild_id != guild_id:
        raise ValueError(f"this plan was made for guild {plan.guild_id}, not {guild_id}")
    if plan.is_empty:
        return plan
    async with db.transaction() as tx:
        await lock_guild(tx, guild_id)  # a concurrent import or edit commits first, then the check sees it
        current = (await meta.get_version(tx, guild_id)).version
        if current != plan.base_version:
            raise StaleImportError(plan.base_version, current)
        await snapshot.apply_diff(tx, guild_id, plan.diffs)
        version = await meta.bump_version(tx, guild_id, now, source or f"import:{plan.source}")
        applied = replace(plan, applied_version=version)
        before, after = applied.audit_summary()
        entity = plan.source if not plan.elections else f"{plan.source} ({', '.join(plan.elections)})"
        await audit.append(
            tx,
            guild_id=guild_id,
            actor_id=actor_id,
            actor_name=actor_name,
            action="data.import",
            entity=entity[:200],
            before=before,
            after=after,
            at=now,
        )
    if plan.target is not None:  # committed: the database now holds exactly the planned state
        plan.target.version = version
        if states is not None:
            states.put((guild_id, version), plan.target)
    return applied


async def export_pack(db: Database, guild_id: int, election_slug: str | None = None) -> dict[str, Any]:
    """The guild's data as a JSON election pack (all elections, or one), with all of its bodies.

    Importing the result into the same guild changes nothing. Raises LookupError for an unknown slug.
    """
    state = await _current_state(db, guild_id)
    if election_slug is not None and election_slug not in state.elections:
        raise LookupError(f'no election "{election_slug}" on this server')
    return state_to_pack(state, election_slug)
