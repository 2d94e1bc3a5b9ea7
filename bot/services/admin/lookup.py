"""Autocomplete for the moderator tools: names from the actor's own guild, and nothing for non-moderators.

Discord does not apply a command's permission settings to autocomplete, so the check is made here,
silently (a keystroke is not an attempt worth auditing): a member gets an empty list, never a name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import cache
from zoneinfo import available_timezones

from bot.domain.access import Actor
from bot.domain.admin_rules import AUDIT_KINDS
from bot.domain.limits import AUTOCOMPLETE_CHOICES_MAX
from bot.domain.matching import NameIndex
from bot.domain.models import Candidate, CandidateStatus, Election, Slate
from bot.services.admin.core import AdminCore
from bot.store import bodies, candidates, elections
from bot.store.engine import Connection


class AdminLookup:
    """Choices as (label, value) pairs; values are names or slugs the admin commands resolve again."""

    def __init__(self, core: AdminCore) -> None:
        self.core = core

    async def _scoped(self, actor: Actor, election_slug: str | None) -> list[Election]:
        conn = self.core.db.reader
        every = await elections.list_for_guild(conn, actor.guild_id)
        if election_slug:
            chosen = [e for e in every if e.slug == election_slug.strip().lower()]
            return chosen or every
        return every

    async def elections(self, actor: Actor, typed: str) -> list[tuple[str, str]]:
        """Elections by slug or name."""
        if not await self.core.allowed(actor):
            return []
        every = await elections.list_for_guild(self.core.db.reader, actor.guild_id)
        labels = {f"{e.name} ({e.slug})": e.slug for e in every}
        return [(label, labels[label]) for label in NameIndex(labels).search(typed, AUTOCOMPLETE_CHOICES_MAX)]

    async def candidates(self, actor: Actor, typed: str, election_slug: str | None = None) -> list[tuple[str, str]]:
        """Candidates of the chosen election (or all the guild's), labelled with their election."""
        return await self._per_election(actor, typed, election_slug, candidates.list_for_election)

    async def slates(self, actor: Actor, typed: str, election_slug: str | None = None) -> list[tuple[str, str]]:
        """Slates of the chosen election (or all the guild's)."""
        return await self._per_election(actor, typed, election_slug, elections.list_slates)

    async def _per_election(
        self,
        actor: Actor,
        typed: str,
        election_slug: str | None,
        listing: Callable[[Connection, int], Awaitable[Sequence[Candidate | Slate]]],
    ) -> list[tuple[str, str]]:
        """Names from each election in scope, labelled with the election when there are several."""
        if not await self.core.allowed(actor):
            return []
        pool = await self._scoped(actor, election_slug)
        labels: dict[str, str] = {}
        for election in pool:
            assert election.id is not None
            for item in await listing(self.core.db.reader, election.id):
                labels[item.name if len(pool) == 1 else f"{item.name} ({election.slug})"] = item.name
        return [(label, labels[label]) for label in NameIndex(labels).search(typed, AUTOCOMPLETE_CHOICES_MAX)]

    async def branches(self, actor: Actor, typed: str) -> list[tuple[str, str]]:
        """The guild's nominating bodies."""
        if not await self.core.allowed(actor):
            return []
        names = [b.name for b in await bodies.list_for_guild(self.core.db.reader, actor.guild_id)]
        return [(n, n) for n in NameIndex(names).search(typed, AUTOCOMPLETE_CHOICES_MAX)]

    async def statuses(self, actor: Actor, typed: str) -> list[tuple[str, str]]:
        """Candidate standings."""
        if not await self.core.allowed(actor):
            return []
        return [(s.value, s.value) for s in CandidateStatus if typed.strip().casefold() in s.value]

    async def audit_kinds(self, actor: Actor, typed: str) -> list[tuple[str, str]]:
        """Kinds of audit row."""
        if not await self.core.allowed(actor):
            return []
        return [(k, k) for k in AUDIT_KINDS if typed.strip().casefold() in k]

    async def zones(self, actor: Actor, typed: str) -> list[tuple[str, str]]:
        """IANA time zones matching what was typed (moderators only, like every admin autocomplete)."""
        if not await self.core.allowed(actor):
            return []
        needle = typed.strip().casefold().replace(" ", "_")
        every = _zones()
        starts = [z for z in every if z.casefold().startswith(needle)]
        inside = [z for z in every if needle in z.casefold() and not z.casefold().startswith(needle)]
        return [(z, z) for z in (starts + inside)[:AUTOCOMPLETE_CHOICES_MAX]]


@cache
def _zones() -> tuple[str, ...]:
    """Region/City zones plus UTC, sorted (computed once)."""
    named = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "posix", "right")))
    return (*named, "UTC")
