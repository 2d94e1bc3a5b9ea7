"""A guild's election data at one data version: the snapshot, its indexes and derived figures.

Every read command goes through `ReadModel` (`bot.services.readmodel.model`). A guild's data is loaded
with one set of queries the first time it is needed after a change (`bot.store.meta.bump_version`
moves the version on every write, so a change is seen by the very next command) and is then served
from memory, together with name indexes for autocomplete and the parts derived from it (nomination
counts, result summary).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.eligibility import eligible_names
from bot.domain.matching import NameIndex
from bot.domain.models import (
    Body,
    Candidate,
    Election,
    ElectionResult,
    Nomination,
    Phase,
    Slate,
)
from bot.domain.phase import election_phase
from bot.domain.results import ResultSummary, summarise_result
from bot.domain.thresholds import nomination_counts, required_nominations
from bot.services.read_views import (
    Provenance,
    SlateRef,
)
from bot.store import bodies as bodies_repo
from bot.store import candidates as candidates_repo
from bot.store import elections as elections_repo
from bot.store import meta
from bot.store import nominations as nominations_repo
from bot.store import results as results_repo
from bot.store.database import Database
from bot.store.meta import DataVersion

#: Autocomplete may answer from a snapshot checked this recently (seconds) when nothing was written here since.
COMPLETION_MAX_AGE = 1.0


# ------------------------------------------------------------------------------------------- snapshot


class ElectionData:
    """One election's stored data at one data version, with indexes and derived figures computed once."""

    def __init__(
        self,
        election: Election,
        slates: list[Slate],
        candidates: list[Candidate],
        nominations: list[Nomination],
        result: ElectionResult,
        guild_bodies: Sequence[Body],
        kinds_elsewhere: frozenset[str] = frozenset(),
    ) -> None:
        self.election = election
        self.slates = slates
        self.candidates = candidates
        self.nominations = nominations
        self.result = result
        self.slate_by_name = {s.name: s for s in slates}
        self.candidate_by_name = {c.name: c for c in candidates}
        self.counts = nomination_counts(nominations)
        self.by_candidate: dict[str, list[Nomination]] = {}
        self.by_body: dict[str, list[Nomination]] = {}
        for n in nominations:
            self.by_candidate.setdefault(n.candidate, []).append(n)
            self.by_body.setdefault(n.body, []).append(n)
        # Eligible bodies: the election's own rule, or by default those of the kinds that nominate in it
        # (a guild may hold both CLPs and union branches; before the first nomination: the kinds no
        # other election uses). "Reported" and percentage thresholds count only these.
        by_name = {b.name: b for b in guild_bodies}
        names = eligible_names(
            {b.name: (b.kind, b.region) for b in guild_bodies}, election.eligible, self.by_body, kinds_elsewhere
        )
        self.eligible = [by_name[n] for n in names]
        eligible = set(names)
        self.reported = sum(1 for body in self.by_body if body in eligible)
        kinds = Counter(b.kind for b in guild_bodies if b.name in self.by_body and b.name in eligible)
        kinds = kinds or Counter(b.kind for b in self.eligible)
        self.body_kind = kinds.most_common(1)[0][0] if kinds else "body"
        self.required = required_nominations(election.threshold, len(self.eligible) or None)
        self.candidate_index = NameIndex(c.name for c in candidates)
        self.slate_labels: dict[str, str] = {}  # name or short name → slate name
        for s in slates:
            self.slate_labels.setdefault(s.name, s.name)
            if s.short:
                self.slate_labels.setdefault(s.short, s.name)
        self.slate_index = NameIndex(self.slate_labels)
        self._summary: ResultSummary | None = None
        self._summarised = False

    @property
    def published(self) -> bool:
        """Whether members may see the result."""
        return self.result.published

    def slate_for_label(self, label: str) -> Slate | None:
        """A slate by its name or short name, exactly."""
        name = self.slate_labels.get(label)
        return self.slate_by_name.get(name) if name else None

    def summary(self) -> ResultSummary | None:
        """The result summary when results are published and entered; None otherwise (never leaks)."""
        if not self.published or self.result.empty:
            return None
        if not self._summarised:
            self._summary = summarise_result(
                self.result,
                self.election.seats,
                {c.name: c.slate for c in self.candidates},
                self.election.electorate,
                self.election.voting_system,
            )
            self._summarised = True
        return self._summary

    def slate_ref(self, slate_name: str | None) -> SlateRef | None:
        """A candidate's slate as a label and colour."""
        if not slate_name:
            return None
        slate = self.slate_by_name.get(slate_name)
        if slate is None:
            return SlateRef(slate_name)
        return SlateRef(slate.name, slate.short, slate.colour)

    def phase(self, now: datetime) -> Phase:
        """The election's phase at `now`."""
        return election_phase(self.election.timeline, now, self.published)


@dataclass(slots=True)
class GuildSnapshot:
    """All of a guild's election data at one data version."""

    guild_id: int
    version: DataVersion
    elections: list[ElectionData]
    bodies: list[Body]
    body_by_name: dict[str, Body] = field(init=False)
    body_index: NameIndex = field(init=False)
    election_index: NameIndex = field(init=False)
    election_labels: dict[str, str] = field(init=False)  # name or slug → slug
    by_slug: dict[str, ElectionData] = field(init=False)

    def __post_init__(self) -> None:
        self.body_by_name = {b.name: b for b in self.bodies}
        self.body_index = NameIndex(self.body_by_name)
        self.by_slug = {e.election.slug: e for e in self.elections}
        self.election_labels = {}
        for e in self.elections:
            self.election_labels.setdefault(e.election.name, e.election.slug)
        for e in self.elections:
            self.election_labels.setdefault(e.election.slug, e.election.slug)
        self.election_index = NameIndex(self.election_labels)

    @property
    def provenance(self) -> Provenance:
        """The footer facts for views built from this snapshot."""
        return Provenance(self.version.version, self.version.changed_at, self.version.source)


async def load_snapshot(db: Database, guild_id: int, version: DataVersion | None = None) -> GuildSnapshot:
    """Read a guild's elections, slates, candidates, nominations, results and bodies (one set of queries)."""
    conn = db.reader
    if version is None:
        version = await meta.get_version(conn, guild_id)
    bodies = await bodies_repo.list_for_guild(conn, guild_id)
    kind_of = {b.name: b.kind for b in bodies}
    raw = []
    for election in await elections_repo.list_for_guild(conn, guild_id):
        assert election.id is not None
        raw.append(
            (
                election,
                await elections_repo.list_slates(conn, election.id),
                await candidates_repo.list_for_election(conn, election.id),
                await nominations_repo.list_for_election(conn, election.id),
                await results_repo.get(conn, election.id),
            )
        )

    def build() -> GuildSnapshot:
        kinds = [frozenset(kind_of[n.body] for n in noms if n.body in kind_of) for _, _, _, noms, _ in raw]
        data = []
        for index, (election, slates, candidates, noms, result) in enumerate(raw):
            elsewhere = frozenset().union(*(k for i, k in enumerate(kinds) if i != index))
            data.append(ElectionData(election, slates, candidates, noms, result, bodies, elsewhere))
        return GuildSnapshot(guild_id, version, data, bodies)

    # Indexing thousands of names takes a while: keep it off the event loop (nothing here is shared yet).
    return await asyncio.to_thread(build)
