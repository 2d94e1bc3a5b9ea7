"""What every moderator use-case shares: the audited write, guild-scoped look-ups, outcomes, confirmations.

Each change runs in ONE write transaction that also appends ONE audit row (actor, action, entity,
before, after, time) and bumps the guild's data version, so read caches invalidate at once. After
the commit, listeners (the alert-channel mirror) hear about the new audit row.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock
from bot.domain.access import Actor, Level
from bot.domain.admin_rules import echo
from bot.domain.audit import AuditEntry
from bot.domain.matching import NameIndex, resolve_name, suggest_names
from bot.domain.models import Body, Candidate, Election, Slate
from bot.domain.validation import ValidationError
from bot.errors import NotFound, PermissionDenied, UserError
from bot.services.access import AccessService
from bot.services.audit_trail import record_change
from bot.store import audit, bodies, candidates, elections, meta
from bot.store.database import Database
from bot.store.engine import Connection, lock_guild

log = logging.getLogger(__name__)

AuditListener = Callable[[AuditEntry], Awaitable[None]]


@dataclass(slots=True)
class Outcome:
    """What a change did: the audit row's action, entity, before and after, plus the objects for the reply."""

    action: str
    entity: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    audit_id: int = 0
    election: Election | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NeedsConfirmation:
    """The change was not made: it is destructive or unusual, and the moderator must confirm it."""

    question: str
    confirm_label: str = "Confirm"


@dataclass(slots=True)
class Change:
    """Filled in by a use-case inside `AdminCore.change`: the transaction and what the audit row records."""

    tx: Connection
    entity: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    audit_id: int = 0


class AdminCore:
    """Shared machinery for the admin services."""

    def __init__(self, db: Database, clock: Clock, access: AccessService, default_zone: str = "Europe/London") -> None:
        self.db = db
        self.default_zone = default_zone
        self.clock = clock
        self.access = access
        self._listeners: list[AuditListener] = []
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------------------ permission

    async def require(self, actor: Actor, action: str, entity: str = "", needed: Level = Level.MODERATOR) -> Level:
        """Check the actor may do `action`; a refusal is audited (by AccessService) and mirrored."""
        try:
            return await self.access.require(actor, needed, action, entity)
        except PermissionDenied:
            rows = await audit.recent(self.db.reader, actor.guild_id, limit=1, actor_id=actor.user_id)
            if rows and rows[0].denied and rows[0].action == action and rows[0].repeats == 1:  # mirror once
                self._notify(rows[0])
            raise

    async def deny(self, actor: Actor, action: str, entity: str = "") -> None:
        """Audit a refused attempt that is not about levels (e.g. pressing another moderator's button)."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await lock_guild(tx, actor.guild_id)  # refuse() reads the last refusal, then bumps or appends
            audit_id, repeats = await audit.refuse(
                tx,
                guild_id=actor.guild_id,
                actor_id=actor.user_id,
                actor_name=actor.name,
                action=action,
                entity=entity,
                at=now,
            )
        if repeats > 1:  # already mirrored; the row's count grows
            return
        self._notify(
            AuditEntry(audit_id, actor.guild_id, actor.user_id, actor.name, action, entity, None, None, True, now)
        )

    async def notify_latest(self, actor: Actor, action: str) -> None:
        """Mirror the actor's latest `action` audit row written elsewhere (e.g. by the import service)."""
        rows = await audit.recent(self.db.reader, actor.guild_id, limit=1, actor_id=actor.user_id, action_prefix=action)
        if rows:
            self._notify(rows[0])

    async def allowed(self, actor: Actor, needed: Level = Level.MODERATOR) -> bool:
        """A silent check (no audit row) for autocomplete: whether the actor has the level."""
        return await self.access.level(actor) >= needed

    # ----------------------------------------------------------------------------- audit mirror

    def add_listener(self, listener: AuditListener) -> None:
        """Call `listener(entry)` (in the background, best effort) for each new audit row."""
        self._listeners.append(listener)

    def remove_listener(self, listener: AuditListener) -> None:
        """Stop calling a listener."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _notify(self, entry: AuditEntry) -> None:
        for listener in list(self._listeners):
            task = asyncio.get_running_loop().create_task(self._safe(listener, entry))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _safe(listener: AuditListener, entry: AuditEntry) -> None:
        try:
            await listener(entry)
        except Exception:  # best effort: a failed mirror never undoes or blocks the change
            log.warning("audit listener failed for audit row %s", entry.id, exc_info=True)

    async def drain(self) -> None:
        """Wait for pending listener calls (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # ---------------------------------------------------------------------------- the write path

    @asynccontextmanager
    async def change(self, actor: Actor, action: str, entity: str = "") -> AsyncIterator[Change]:
        """One atomic change: the body writes through `change.tx` and fills before/after; then the audit
        row is appended and the guild's data version bumped in the same transaction."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await lock_guild(tx, actor.guild_id)  # the body reads, checks and writes: no edit lands in between
            ch = Change(tx=tx, entity=entity)
            yield ch
            audit_id = await record_change(tx, actor, action, ch.entity, before=ch.before, after=ch.after, at=now)
            await meta.bump_version(tx, actor.guild_id, now, source=f"admin ({actor.name})")
            await self.access.prune_if_due(tx, actor.guild_id, now)
        ch.audit_id = audit_id
        self._notify(
            AuditEntry(
                audit_id, actor.guild_id, actor.user_id, actor.name, action, ch.entity, ch.before, ch.after, False, now
            )
        )

    # ------------------------------------------------------------------------------- look-ups
    # Every look-up is scoped to the actor's guild: ids and names from another guild are "not found".

    async def election(self, conn: Connection, guild_id: int, slug: str | None) -> Election:
        """The election with this slug, or the guild's only election when `slug` is None."""
        if slug:
            found = await elections.get_by_slug(conn, guild_id, slug.strip().lower())
            if found is None:  # a full name typed instead of picking the slug
                every = await elections.list_for_guild(conn, guild_id)
                labels = {**{e.name: e for e in every}, **{e.slug: e for e in every}}
                found = _pick(labels, slug)
                if found is None:
                    raise NotFound(f"There is no election `{_code(slug)}` in this server{_did_you_mean(slug, labels)}")
            return found
        all_elections = await elections.list_for_guild(conn, guild_id)
        if not all_elections:
            raise NotFound("There is no election in this server yet: create one with `/admin election create`.")
        if len(all_elections) > 1:
            raise UserError("This server has several elections: choose one with the `election` option.")
        return all_elections[0]

    async def candidate(
        self, conn: Connection, guild_id: int, name: str, slug: str | None
    ) -> tuple[Election, Candidate]:
        """A candidate by name, in the given election or (when unique) in any of the guild's elections.

        Names are read as member commands read them (accents, case and spacing ignored, a unique
        word-start match taken); a miss suggests the closest names."""

        async def labels(election_id: int) -> dict[str, Candidate]:
            return {c.name: c for c in await candidates.list_for_election(conn, election_id)}

        return await self._in_elections(conn, guild_id, slug, name, labels, "candidate")

    async def slate(self, conn: Connection, guild_id: int, name: str, slug: str | None) -> tuple[Election, Slate]:
        """A slate by name or short name, in the given election or (when unique) any of the guild's."""

        async def labels(election_id: int) -> dict[str, Slate]:
            slates = await elections.list_slates(conn, election_id)
            return {**{s.short: s for s in slates if s.short}, **{s.name: s for s in slates}}

        return await self._in_elections(conn, guild_id, slug, name, labels, "slate")

    async def _in_elections(
        self,
        conn: Connection,
        guild_id: int,
        slug: str | None,
        name: str,
        labels: Callable[[int], Awaitable[dict[str, Any]]],
        what: str,
    ) -> tuple[Election, Any]:
        """The one (election, item) that `name` means in the given election, or in the guild's elections."""
        pool = [await self.election(conn, guild_id, slug)] if slug else await elections.list_for_guild(conn, guild_id)
        found = []
        seen: dict[str, Any] = {}
        for election in pool:
            assert election.id is not None
            items = await labels(election.id)
            seen.update(items)
            item = _pick(items, name)
            if item is not None:
                found.append((election, item))
        if not found:
            raise NotFound(f"There is no {what} called {_quote(name)} here{_did_you_mean(name, seen)}")
        if len(found) > 1:
            raise UserError(
                f"There is a {what} called {_quote(name)} in several elections: choose one with the `election` option."
            )
        return found[0]

    async def body(self, conn: Connection, guild_id: int, name: str) -> Body:
        """A nominating body (branch) of the guild by name, read as member commands read it."""
        found = await bodies.get_by_name(conn, guild_id, name.strip())
        if found is not None:
            return found
        every = {b.name: b for b in await bodies.list_for_guild(conn, guild_id)}
        found = _pick(every, name)
        if found is None:
            raise NotFound(f"There is no branch called {_quote(name)} here{_did_you_mean(name, every)}")
        return found


def _pick(labels: dict[str, Any], name: str) -> Any:
    """The item `name` means among `labels` (name or short name → item), by the member commands' matcher."""
    return resolve_name(name.strip(), labels, NameIndex(labels)) if labels else None


def _did_you_mean(name: str, labels: dict[str, Any]) -> str:
    """'; did you mean “A” or “B”?' with the closest names (each item once, by its name), else '.'."""
    if not labels:
        return "."
    names = {label: item.name for label, item in labels.items()}
    shown = [_quote(n) for n in suggest_names(name, NameIndex(names), names)]
    if not shown:
        return "."
    listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]
    return f"; did you mean {listed}?"


def _quote(text: str) -> str:
    """User text echoed inside an error sentence: clipped and escaped (no markdown, no mentions)."""
    return f"“{echo(text, 100)}”"


def _code(text: str) -> str:
    return text.replace("`", "'")[:64]


def checked(check: Callable[..., Any], *args: Any) -> Any:
    """Run a domain check, turning its ValidationError into a sentence the moderator sees (the typed value
    echoed in it escaped, so it cannot break the layout)."""
    try:
        return check(*args)
    except ValidationError as exc:
        message = exc.message
        typed = args[0].strip() if args and isinstance(args[0], str) else ""
        if typed and typed in message:
            message = message.replace(typed, echo(typed, 100))
        raise UserError(message) from None
