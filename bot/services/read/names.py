"""Name resolution: which election, candidate, slate or body a member's typed text means.

An omitted election is the guild's current one (taking nominations or balloting, else the most
recent); typed names are matched case- and accent-insensitively, and an unknown name raises
`NotFound` with the closest names as suggestions.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from bot.clock import Clock
from bot.domain.limits import AUTOCOMPLETE_CHOICES_MAX
from bot.domain.matching import NameIndex, normalise, resolve_name, suggest_names
from bot.domain.models import (
    Body,
    Candidate,
    CandidateStatus,
    Slate,
)
from bot.domain.phase import current_election
from bot.domain.standing import (
    DID_NOT_QUALIFY,
    NOT_ON_BALLOT,
    TIED,
)
from bot.domain.validation import escape_markdown
from bot.errors import NotFound
from bot.services.read.snapshot import COMPLETION_MAX_AGE, ElectionData, GuildSnapshot

#: Values of the `/candidates slate` option meaning "candidates without a slate".
INDEPENDENT_WORDS = frozenset({"independent", "independents", "none", "no slate"})


def _quote(text: str) -> str:
    """User text for an error sentence: markdown characters escaped, clipped, in curly quotes."""
    text = text.strip()
    if len(text) > 80:
        text = text[:79] + "…"
    return "“" + escape_markdown(text) + "”"


def _or_list(names: Sequence[str]) -> str:
    """`A`, `A or B`, `A, B or C`."""
    names = ["**" + escape_markdown(n) + "**" for n in names]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]


#: `normalise` for names that repeat on every view (bodies, regions): folded once.
_folded = functools.lru_cache(maxsize=16384)(normalise)


@functools.lru_cache(maxsize=16384)
def surname_key(name: str) -> tuple[str, str]:
    """Sort key "by surname": the last word of the name, then the whole name (accent/case-insensitive)."""
    folded = normalise(name)
    return (folded.rsplit(" ", 1)[-1], folded)


class NameResolution:
    """Resolution of typed names over a snapshot (pure: no I/O, nothing kept)."""

    # --------------------------------------------------------------------------------- resolution

    def _current(self, snap: GuildSnapshot, now: datetime) -> ElectionData:
        if not snap.elections:
            raise NotFound("There are no elections in this server yet — a moderator can add one.")
        chosen = current_election((e.election, e.phase(now)) for e in snap.elections)
        assert chosen is not None
        return snap.by_slug[chosen.slug]

    def resolve_election(self, snap: GuildSnapshot, text: str | None, now: datetime) -> ElectionData:
        """The election named by `text` (slug or name, any case/accents), or the current one when omitted."""
        if text is None or not text.strip():
            return self._current(snap, now)
        if not snap.elections:
            raise NotFound("There are no elections in this server yet — a moderator can add one.")
        slug = self._match(text, snap.election_labels, snap.election_index)
        if slug is not None:
            return snap.by_slug[slug]
        suggestions = self._suggest(
            text, snap.election_index, snap.election_labels, lambda s: snap.by_slug[s].election.name
        )
        raise NotFound(
            f"No election called {_quote(text)} in this server"
            + (f"; did you mean {_or_list(suggestions)}?" if suggestions else ". Pick one from the list as you type.")
        )

    @staticmethod
    def _match(text: str, labels: Mapping[str, str], index: NameIndex) -> str | None:
        """Exact (folded) match, else a single search hit; returns the label's target."""
        return resolve_name(text, labels, index)

    @staticmethod
    def _suggest(
        text: str,
        index: NameIndex,
        labels: Mapping[str, str] | None = None,
        show: Callable[[str], str] | None = None,
    ) -> list[str]:
        """Up to three names like `text` (closest spelling first, else search hits), mapped through `labels`."""
        return suggest_names(text, index, labels, show)

    def _candidate(
        self, snap: GuildSnapshot, election: str | None, name: str, now: datetime
    ) -> tuple[ElectionData, Candidate]:
        """Find a candidate in the named (or current) election; unnamed elections fall back to other elections."""
        data = self.resolve_election(snap, election, now)
        found = self._find_candidate(data, name)
        if found is not None:
            return data, found
        if election is None or not election.strip():
            # A member who doesn't name the election may mean a candidate from another one.
            for other in sorted(snap.elections, key=lambda e: -(e.election.id or 0)):
                if other is not data and (found := self._find_candidate(other, name)) is not None:
                    return other, found
        suggestions = self._suggest(name, data.candidate_index)
        raise NotFound(
            f"No candidate called {_quote(name)} in {data.election.name}"
            + (f"; did you mean {_or_list(suggestions)}?" if suggestions else ".")
        )

    def _find_candidate(self, data: ElectionData, name: str) -> Candidate | None:
        if (exact := data.candidate_by_name.get(name)) is not None:  # what autocomplete sends: no scan needed
            return exact
        labels = {c.name: c.name for c in data.candidates}
        hit = self._match(name, labels, data.candidate_index)
        return data.candidate_by_name.get(hit) if hit else None

    def _slate(self, data: ElectionData, name: str) -> Slate:
        labels = dict(data.slate_labels)
        hit = self._match(name, labels, data.slate_index)
        if hit is not None:
            return data.slate_by_name[hit]
        suggestions = self._suggest(name, data.slate_index, labels)
        if not data.slates:
            raise NotFound(f"{data.election.name} has no slates.")
        raise NotFound(
            f"No slate called {_quote(name)} in {data.election.name}"
            + (f"; did you mean {_or_list(suggestions)}?" if suggestions else ".")
        )

    def _body(self, snap: GuildSnapshot, name: str) -> Body:
        labels = {b: b for b in snap.body_by_name}
        hit = self._match(name, labels, snap.body_index)
        if hit is not None:
            return snap.body_by_name[hit]
        if not snap.bodies:
            raise NotFound("No nominating bodies have been added in this server yet.")
        suggestions = self._suggest(name, snap.body_index)
        raise NotFound(
            f"No branch or nominating body called {_quote(name)} in this server"
            + (f"; did you mean {_or_list(suggestions)}?" if suggestions else ".")
        )

    @staticmethod
    def _status(text: str) -> str:
        folded = normalise(text)
        for status in CandidateStatus:
            if folded in (normalise(status.value), normalise(status.name)):
                return status.value
        if folded in ("tied", "tie"):
            return TIED
        for derived in (DID_NOT_QUALIFY, NOT_ON_BALLOT):
            if folded == normalise(derived):
                return derived
        choices = ", ".join([*(s.value for s in CandidateStatus), DID_NOT_QUALIFY])
        raise NotFound(f"{_quote(text)} isn't a candidate status; use one of: {choices}.")


class Completion(NameResolution, ABC):
    """Autocomplete over the guild's current snapshot (the read model supplies `snapshot` and `clock`)."""

    clock: Clock

    @abstractmethod
    async def snapshot(self, guild_id: int, *, max_age: float = 0.0) -> GuildSnapshot:
        """The guild's snapshot (the read model provides it)."""

    async def complete_elections(self, guild_id: int, query: str) -> list[tuple[str, str]]:
        """Autocomplete (label, value=slug) for election options, best first, at most 25."""
        snap = await self.snapshot(guild_id, max_age=COMPLETION_MAX_AGE)
        now = self.clock.now()
        out: dict[str, str] = {}
        if not query.strip() and snap.elections:
            # Nothing typed yet: the current election first, then the newest.
            current = self._current(snap, now)
            ordered = [current] + [e for e in reversed(snap.elections) if e is not current]
            labels = [e.election.name for e in ordered]
        else:
            labels = snap.election_index.search(query, limit=50)
        for label in labels:
            slug = snap.election_labels[label]
            if slug not in out:
                data = snap.by_slug[slug]
                out[slug] = f"{data.election.name} ({data.phase(now).value})"
            if len(out) >= AUTOCOMPLETE_CHOICES_MAX:
                break
        return [(label, slug) for slug, label in out.items()]

    def _election_for_completion(self, snap: GuildSnapshot, election: str | None, now: datetime) -> ElectionData | None:
        try:
            return self.resolve_election(snap, election, now)
        except NotFound:
            try:
                return self._current(snap, now)
            except NotFound:
                return None

    async def complete_candidates(self, guild_id: int, election: str | None, query: str) -> list[tuple[str, str]]:
        """Autocomplete candidates of the named (or current) election; other elections when nothing matches."""
        snap = await self.snapshot(guild_id, max_age=COMPLETION_MAX_AGE)
        now = self.clock.now()
        data = self._election_for_completion(snap, election, now)
        if data is None:
            return []
        names = data.candidate_index.search(query, limit=AUTOCOMPLETE_CHOICES_MAX)
        out = [(self._candidate_label(data, n), n) for n in names]
        if not out and query.strip() and not (election and election.strip()):
            for other in sorted(snap.elections, key=lambda e: -(e.election.id or 0)):
                if other is data:
                    continue
                for n in other.candidate_index.search(query, limit=AUTOCOMPLETE_CHOICES_MAX - len(out)):
                    out.append((_clip(f"{n} ({other.election.name})", 100), n))
                if len(out) >= AUTOCOMPLETE_CHOICES_MAX:
                    break
        return out[:AUTOCOMPLETE_CHOICES_MAX]

    @staticmethod
    def _candidate_label(data: ElectionData, name: str) -> str:
        candidate = data.candidate_by_name[name]
        slate = data.slate_ref(candidate.slate)
        return _clip(f"{name} — {slate.label}" if slate else name, 100)

    async def complete_slates(
        self, guild_id: int, election: str | None, query: str, *, independents: bool = False
    ) -> list[tuple[str, str]]:
        """Autocomplete slates (by name or short name) of the named (or current) election.

        With `independents`, a final "Independents" choice (value "independent") is offered when the
        election has candidates without a slate and the query fits it.
        """
        snap = await self.snapshot(guild_id, max_age=COMPLETION_MAX_AGE)
        data = self._election_for_completion(snap, election, self.clock.now())
        if data is None:
            return []
        out: dict[str, str] = {}
        for label in data.slate_index.search(query, limit=50):
            slate = data.slate_by_name[data.slate_labels[label]]
            out.setdefault(slate.name, _clip(f"{slate.name} ({slate.short})" if slate.short else slate.name, 100))
        choices = [(label, name) for name, label in list(out.items())[:24]]
        fits = not query.strip() or bool(NameIndex(["Independents", "No slate"]).search(query))
        if independents and fits and any(not c.slate for c in data.candidates):
            choices.append(("Independents (no slate)", "independent"))
        return choices[:25]

    async def complete_bodies(self, guild_id: int, query: str) -> list[tuple[str, str]]:
        """Autocomplete the guild's nominating bodies (with their region)."""
        snap = await self.snapshot(guild_id, max_age=COMPLETION_MAX_AGE)
        out = []
        for name in snap.body_index.search(query, limit=25):
            body = snap.body_by_name[name]
            out.append((_clip(f"{name} — {body.region}" if body.region else name, 100), name))
        return out


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
