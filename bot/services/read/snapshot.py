"""A guild's election data at one data version: the snapshot, its indexes and derived figures.

Every read command goes through `ReadModel` (`bot.services.read.model`). A guild's data is loaded
with one set of queries the first time it is needed after a change (`bot.store.meta.bump_version`
moves the version on every write, so a change is seen by the very next command) and is then served
from memory, together with name indexes for autocomplete and the parts derived from it (nomination
counts, result summary).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING

from bot.cache import Cache
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
from bot.services.read.view_models import (
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

if TYPE_CHECKING:  # PostgreSQL's listener: asyncpg loads only with a PostgreSQL store
    from bot.store.notify import ChangeFeed

#: Autocomplete may answer from a snapshot checked this recently (seconds) when nothing was written here since.
COMPLETION_MAX_AGE = 1.0


# ------------------------------------------------------------------------------------------- snapshot


@dataclass(frozen=True, slots=True)
class ElectionData:
    """One election's stored data at one data version, with indexes and derived figures computed once.

    Frozen and shared by every reader of the snapshot: nothing may change it (a preview that shows
    unpublished figures asks the view builder, it never edits the data).
    """

    election: Election
    slates: tuple[Slate, ...]
    candidates: tuple[Candidate, ...]
    nominations: tuple[Nomination, ...]
    result: ElectionResult
    slate_by_name: Mapping[str, Slate]
    candidate_by_name: Mapping[str, Candidate]
    counts: Mapping[str, int]
    by_candidate: Mapping[str, tuple[Nomination, ...]]
    by_body: Mapping[str, tuple[Nomination, ...]]
    eligible: tuple[Body, ...]
    reported: int
    body_kind: str
    required: int | None
    candidate_index: NameIndex
    slate_labels: Mapping[str, str]  # name or short name → slate name
    slate_index: NameIndex
    _memo: dict[str, ResultSummary | None] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(
        cls,
        election: Election,
        slates: Sequence[Slate],
        candidates: Sequence[Candidate],
        nominations: Sequence[Nomination],
        result: ElectionResult,
        guild_bodies: Sequence[Body],
        kinds_elsewhere: frozenset[str] = frozenset(),
    ) -> ElectionData:
        """Index one election's rows and derive its figures."""
        by_candidate: dict[str, list[Nomination]] = {}
        by_body: dict[str, list[Nomination]] = {}
        for n in nominations:
            by_candidate.setdefault(n.candidate, []).append(n)
            by_body.setdefault(n.body, []).append(n)
        # Eligible bodies: the election's own rule, or by default those of the kinds that nominate in it
        # (a guild may hold both CLPs and union branches; before the first nomination: the kinds no
        # other election uses). "Reported" and percentage thresholds count only these.
        by_name = {b.name: b for b in guild_bodies}
        names = eligible_names(
            {b.name: (b.kind, b.region) for b in guild_bodies}, election.eligible, by_body, kinds_elsewhere
        )
        eligible_bodies = tuple(by_name[n] for n in names)
        eligible = set(names)
        kinds = Counter(b.kind for b in guild_bodies if b.name in by_body and b.name in eligible)
        kinds = kinds or Counter(b.kind for b in eligible_bodies)
        slate_labels: dict[str, str] = {}
        for s in slates:
            slate_labels.setdefault(s.name, s.name)
            if s.short:
                slate_labels.setdefault(s.short, s.name)
        return cls(
            election=election,
            slates=tuple(slates),
            candidates=tuple(candidates),
            nominations=tuple(nominations),
            result=result,
            slate_by_name=MappingProxyType({s.name: s for s in slates}),
            candidate_by_name=MappingProxyType({c.name: c for c in candidates}),
            counts=MappingProxyType(nomination_counts(nominations)),
            by_candidate=MappingProxyType({k: tuple(v) for k, v in by_candidate.items()}),
            by_body=MappingProxyType({k: tuple(v) for k, v in by_body.items()}),
            eligible=eligible_bodies,
            reported=sum(1 for body in by_body if body in eligible),
            body_kind=kinds.most_common(1)[0][0] if kinds else "body",
            required=required_nominations(election.threshold, len(eligible_bodies) or None),
            candidate_index=NameIndex(c.name for c in candidates),
            slate_labels=MappingProxyType(slate_labels),
            slate_index=NameIndex(slate_labels),
        )

    @property
    def published(self) -> bool:
        """Whether members may see the result."""
        return self.result.published

    def slate_for_label(self, label: str) -> Slate | None:
        """A slate by its name or short name, exactly."""
        name = self.slate_labels.get(label)
        return self.slate_by_name.get(name) if name else None

    def summary(self, *, show_unpublished: bool = False) -> ResultSummary | None:
        """The result summary when results are entered and published (or `show_unpublished`, for a
        moderator's preview); None otherwise, so members never see unpublished figures."""
        if self.result.empty or not (self.published or show_unpublished):
            return None
        if "summary" not in self._memo:  # computed once, on first use (the only state added after build)
            self._memo["summary"] = summarise_result(
                self.result,
                self.election.seats,
                {c.name: c.slate for c in self.candidates},
                self.election.electorate,
                self.election.voting_system,
            )
        return self._memo["summary"]

    def slate_ref(self, slate_name: str | None) -> SlateRef | None:
        """A candidate's slate as a label and colour."""
        if not slate_name:
            return None
        slate = self.slate_by_name.get(slate_name)
        if slate is None:
            return SlateRef(slate_name)
        return SlateRef(slate.name, slate.short, slate.colour)

    def phase(self, now: datetime, *, show_unpublished: bool = False) -> Phase:
        """The election's phase at `now` (as if published, for a preview)."""
        return election_phase(self.election.timeline, now, self.published or show_unpublished)


@dataclass(frozen=True, slots=True)
class GuildSnapshot:
    """All of a guild's election data at one data version (frozen: shared by every reader)."""

    guild_id: int
    version: DataVersion
    elections: tuple[ElectionData, ...]
    bodies: tuple[Body, ...]
    body_by_name: Mapping[str, Body] = field(init=False)
    body_index: NameIndex = field(init=False)
    election_index: NameIndex = field(init=False)
    election_labels: Mapping[str, str] = field(init=False)  # name or slug → slug
    by_slug: Mapping[str, ElectionData] = field(init=False)

    def __post_init__(self) -> None:
        body_by_name = {b.name: b for b in self.bodies}
        labels: dict[str, str] = {}
        for e in self.elections:
            labels.setdefault(e.election.name, e.election.slug)
        for e in self.elections:
            labels.setdefault(e.election.slug, e.election.slug)
        derived = {
            "body_by_name": MappingProxyType(body_by_name),
            "body_index": NameIndex(body_by_name),
            "by_slug": MappingProxyType({e.election.slug: e for e in self.elections}),
            "election_labels": MappingProxyType(labels),
            "election_index": NameIndex(labels),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)  # frozen: derived fields are set once, here

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
            data.append(ElectionData.build(election, slates, candidates, noms, result, bodies, elsewhere))
        return GuildSnapshot(guild_id, version, tuple(data), tuple(bodies))

    # Indexing thousands of names takes a while: keep it off the event loop (nothing here is shared yet).
    return await asyncio.to_thread(build)


class SnapshotCache:
    """The guilds' snapshots, each loaded once per data version; versions are re-read only when the file changed.

    A command costs one `PRAGMA data_version` (no table read) while nothing was written anywhere,
    by this process or another (the CLI): the known version is reused and the snapshot comes from
    the cache. When the file changed, the guild's version is read again; a new version loads a new
    snapshot, once however many commands ask at the same moment.

    On PostgreSQL, with `changes` (the process's listener), the stamp is the guild's own: a command
    re-reads the version only after a notification for that guild (or a commit by this process); without
    a listener, or while it is reconnecting, every command re-reads it.
    """

    def __init__(
        self,
        db: Database,
        snapshots: Cache[tuple[int, int], GuildSnapshot] | None = None,
        versions: Cache[int, tuple[int, DataVersion, int, float]] | None = None,
        *,
        changes: ChangeFeed | None = None,
    ) -> None:
        self.db = db
        self.changes = changes
        self.snapshots: Cache[tuple[int, int], GuildSnapshot] = snapshots if snapshots is not None else Cache(256)
        #: guild → (file stamp, its data version, db.commits, monotonic) at the last check
        self.versions: Cache[int, tuple[int, DataVersion, int, float]] = (
            versions if versions is not None else Cache(4096)
        )
        #: The file's change counter at the last check (what the request being served saw).
        self.seen_stamp = 0

    @property
    def loads(self) -> int:
        """Snapshots loaded so far (tests and benchmarks check caching with it)."""
        return self.snapshots.computed

    async def stamp(self, guild_id: int | None = None) -> int:
        """The file's change counter as the reader connection sees it now (the guild's, from the listener)."""
        if self.changes is not None and guild_id is not None:
            self.seen_stamp = self.changes.stamp(guild_id)
        else:
            self.seen_stamp = await meta.file_version(self.db.reader)
        return self.seen_stamp

    async def version(self, guild_id: int) -> DataVersion:
        """The guild's current data version: from memory unless the file changed since it was read."""
        stamp = await self.stamp(guild_id)
        known = self.versions.peek(guild_id)
        if known is not None and known[0] == stamp:
            version = known[1]
        else:
            version = await meta.get_version(self.db.reader, guild_id)
        self.versions.put(guild_id, (stamp, version, self.db.commits, time.monotonic()))
        return version

    async def get(self, guild_id: int, *, max_age: float = 0.0) -> GuildSnapshot:
        """The guild's snapshot at its current data version.

        With `max_age` (autocomplete, on every keystroke) even the stamp is skipped when this process
        committed nothing since a check less than `max_age` seconds ago: writes made here are still
        seen at once, and writes from another process within `max_age`.
        """
        if max_age > 0:
            known = self.versions.peek(guild_id)
            if (
                known is not None
                and known[2] == self.db.commits
                and time.monotonic() - known[3] <= max_age
                and (cached := self.snapshots.peek((guild_id, known[1].version))) is not None
            ):
                return cached
        version = await self.version(guild_id)
        return await self.snapshots.get((guild_id, version.version), lambda: load_snapshot(self.db, guild_id, version))
