"""The members' read model: one cached snapshot per guild and data version, and the view models built on it.

Every read command goes through `ReadModel`. A guild's data is loaded with one set of queries the
first time it is needed after a change (`bot.store.meta.bump_version` moves the version on every
write, so a change is seen by the very next command) and is then served from memory, together with
name indexes for autocomplete and the parts derived from it (nomination counts, result summary).

Resolution rules: an omitted election is the guild's current one (taking nominations or balloting,
else the most recent); typed names are matched case- and accent-insensitively, and an unknown name
raises `NotFound` with the closest names as suggestions. Results are never exposed before they are
published: unpublished results are not summarised and candidate rows carry no votes.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from bot.clock import Clock
from bot.domain.coverage import SlateCoverage, slate_coverage, slate_members
from bot.domain.eligibility import eligible_names
from bot.domain.limits import AUTOCOMPLETE_CHOICES_MAX
from bot.domain.matching import NameIndex, normalise, resolve_name, suggest_names
from bot.domain.models import (
    Body,
    Candidate,
    CandidateStatus,
    Election,
    ElectionResult,
    Nomination,
    Phase,
    Slate,
    Timeline,
    VotingSystem,
)
from bot.domain.phase import MILESTONE_LABELS, Milestone, current_election, election_phase, next_milestone
from bot.domain.progress import nominations_over_time
from bot.domain.results import ResultSummary, summarise_result
from bot.domain.standing import (
    DID_NOT_QUALIFY,
    NOMINATIONS_OVER,
    NOT_ON_BALLOT,
    ON_BALLOT_STANDINGS,
    TIED,
    candidate_standing,
)
from bot.domain.stv import droop_quota, stage_table
from bot.domain.thresholds import nomination_counts, required_nominations
from bot.domain.validation import escape_markdown
from bot.errors import NotFound
from bot.services.read_views import (
    BodyNominationsView,
    CandidateListView,
    CandidateNominationsView,
    CandidateProfileView,
    CandidateRow,
    ElectionHeader,
    ElectionInfoView,
    ElectionListView,
    ListOrder,
    ProgressView,
    Provenance,
    RegionGroup,
    ResultsMode,
    ResultsView,
    SlateCompareView,
    SlateInfoView,
    SlateRef,
    SlateSummary,
)
from bot.store import bodies as bodies_repo
from bot.store import candidates as candidates_repo
from bot.store import elections as elections_repo
from bot.store import meta
from bot.store import nominations as nominations_repo
from bot.store import results as results_repo
from bot.store.database import Database
from bot.store.meta import DataVersion

#: Values of the `/candidates slate` option meaning "candidates without a slate".
INDEPENDENT_WORDS = frozenset({"independent", "independents", "none", "no slate"})
NO_REGION = "Other"
#: Autocomplete may answer from a snapshot checked this recently (seconds) when nothing was written here since.
COMPLETION_MAX_AGE = 1.0


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


# ----------------------------------------------------------------------------------------- read model


class ReadModel:
    """Members' read use-cases over a per-guild snapshot cached by data version."""

    def __init__(self, db: Database, clock: Clock, *, max_guilds: int = 256) -> None:
        self.db = db
        self.clock = clock
        self.max_guilds = max_guilds
        self._snapshots: dict[int, GuildSnapshot] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._checked: dict[int, tuple[int, float]] = {}  # guild -> (db.commits, monotonic) at the last version check
        self._checking: set[int] = set()  # guilds whose version is being re-checked right now
        self.loads = 0  # snapshots built (tests and benchmarks check caching with it)
        #: Set by the sources service: how current an election's source-fed data is, in words.
        self.freshness: Callable[[int, str], Awaitable[str]] | None = None

    async def _provenance(self, snap: GuildSnapshot, data: ElectionData) -> Provenance:
        """The snapshot's footer facts plus, when a source feeds the election, how fresh it is."""
        prov = snap.provenance
        if self.freshness is None:
            return prov
        note = await self.freshness(data.election.guild_id, data.election.slug)
        return replace(prov, note=note) if note else prov

    # ---------------------------------------------------------------------------------- snapshots

    async def snapshot(self, guild_id: int, *, max_age: float = 0.0) -> GuildSnapshot:
        """The guild's data at its current version: one version query, plus a full load after a change.

        With `max_age` (autocomplete, on every keystroke) the version query is skipped when this process
        has committed nothing since a check less than `max_age` seconds ago: writes made here are still
        seen at once, and writes from another process (the CLI) within `max_age`.
        """
        commits = getattr(self.db, "commits", None)
        if max_age > 0 and commits is not None:
            checked = self._checked.get(guild_id)
            cached = self._snapshots.get(guild_id)
            if (
                cached is not None
                and checked is not None
                and checked[0] == commits
                and (
                    time.monotonic() - checked[1] <= max_age or guild_id in self._checking  # one re-check at a time
                )
            ):
                return cached
        self._checking.add(guild_id)
        try:
            snap = await self._snapshot(guild_id)
        finally:
            self._checking.discard(guild_id)
        if commits is not None:
            self._checked[guild_id] = (commits, time.monotonic())
        return snap

    async def _snapshot(self, guild_id: int) -> GuildSnapshot:
        version = await meta.get_version(self.db.reader, guild_id)
        cached = self._snapshots.get(guild_id)
        if cached is not None and cached.version.version == version.version:
            return cached
        lock = self._locks.setdefault(guild_id, asyncio.Lock())
        async with lock:
            cached = self._snapshots.get(guild_id)
            if cached is not None and cached.version.version >= version.version:
                return cached
            snap = await load_snapshot(self.db, guild_id, version)
            self.loads += 1
            if guild_id not in self._snapshots and len(self._snapshots) >= self.max_guilds:
                self._snapshots.pop(next(iter(self._snapshots)))
            self._snapshots[guild_id] = snap
            return snap

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
    def _match(text: str, labels: dict[str, str], index: NameIndex) -> str | None:
        """Exact (folded) match, else a single search hit; returns the label's target."""
        return resolve_name(text, labels, index)

    @staticmethod
    def _suggest(
        text: str,
        index: NameIndex,
        labels: dict[str, str] | None = None,
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

    # ------------------------------------------------------------------------------- autocomplete

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

    # ------------------------------------------------------------------------------------ helpers

    def header(self, data: ElectionData, now: datetime) -> ElectionHeader:
        """The election facts every view shows, at `now`."""
        e = data.election
        milestones = tuple(
            Milestone(MILESTONE_LABELS[name], at)
            for name in Timeline.FIELDS
            if (at := getattr(e.timeline, name)) is not None
        )
        return ElectionHeader(
            slug=e.slug,
            name=e.name,
            committee=e.committee,
            seats=e.seats,
            system=e.voting_system,
            phase=data.phase(now),
            threshold=e.threshold,
            required=data.required,
            eligible_bodies=len(data.eligible),
            body_kind=data.body_kind,
            eligible_rule=e.eligible.describe() if e.eligible is not None else "",
            milestones=milestones,
            next_milestone=next_milestone(e.timeline, now),
            nominations_close=e.timeline.nominations_close,
            results_published=data.published,
            now=now,
        )

    def row(self, data: ElectionData, candidate: Candidate) -> CandidateRow:
        """A candidate as members may see them (no result before publication)."""
        count = data.counts.get(candidate.name, 0)
        summary = data.summary()
        ranked = summary.candidate(candidate.name) if summary else None
        qualified = None if data.required is None else count >= data.required
        phase = data.phase(self.clock.now())
        text = candidate_standing(
            candidate.status, phase=phase, qualified=qualified, ranked=ranked, result_shown=summary is not None
        )
        closed = phase in NOMINATIONS_OVER
        return CandidateRow(candidate.name, data.slate_ref(candidate.slate), text, count, qualified, ranked, closed)

    def _regions(self, snap: GuildSnapshot, noms: Iterable[Nomination]) -> tuple[RegionGroup, ...]:
        groups: dict[str, list[Nomination]] = {}
        for n in noms:
            body = snap.body_by_name.get(n.body)
            groups.setdefault((body.region if body else "") or NO_REGION, []).append(n)
        ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0] == NO_REGION, _folded(kv[0])))
        return tuple(
            RegionGroup(region, tuple((n.body, n.date) for n in sorted(items, key=lambda n: _folded(n.body))))
            for region, items in ordered
        )

    def _summary_of_slate(self, data: ElectionData, slate: Slate, coverage: SlateCoverage) -> SlateSummary:
        members = [c for c in data.candidates if c.slate == slate.name]
        rows = tuple(self.row(data, c) for c in sorted(members, key=lambda c: surname_key(c.name)))
        result = None
        summary = data.summary()
        if summary is not None:
            result = next((t for t in summary.slates if t.slate == slate.name), None)
            rows = tuple(sorted(rows, key=lambda r: (r.result is None, r.result.position if r.result else 0)))
        return SlateSummary(slate, rows, coverage, result)

    def _coverage(self, data: ElectionData, slates: Sequence[Slate]) -> list[SlateCoverage]:
        members = slate_members(data.candidates)
        # Shares are of the reporting eligible bodies, so only their nominations count (default rule: all).
        eligible = {b.name for b in data.eligible}
        nominations = [n for n in data.nominations if n.body in eligible]
        return slate_coverage({s.name: members.get(s.name, []) for s in slates}, nominations, data.reported)

    # --------------------------------------------------------------------------------- use-cases

    async def election_list(self, guild_id: int) -> ElectionListView:
        """`/election list`: the guild's elections, newest first, with the current one marked."""
        snap = await self.snapshot(guild_id)
        now = self.clock.now()
        headers = tuple(self.header(e, now) for e in reversed(snap.elections))
        current = self._current(snap, now).election.slug if snap.elections else None
        return ElectionListView(headers, current, snap.provenance)

    async def election_info(self, guild_id: int, election: str | None) -> ElectionInfoView:
        """`/election info`."""
        snap = await self.snapshot(guild_id)
        now = self.clock.now()
        data = self.resolve_election(snap, election, now)
        standing = [c for c in data.candidates if c.status is not CandidateStatus.WITHDRAWN]
        on_ballot = sum(1 for c in data.candidates if self.row(data, c).status in ON_BALLOT_STANDINGS)
        return ElectionInfoView(
            header=self.header(data, now),
            candidates=len(data.candidates),
            standing=len(standing),
            on_ballot=on_ballot,
            slates=tuple(SlateRef(s.name, s.short, s.colour) for s in data.slates),
            bodies_reported=data.reported,
            electorate=data.election.electorate,
            provenance=await self._provenance(snap, data),
        )

    async def candidate_profile(self, guild_id: int, name: str, election: str | None) -> CandidateProfileView:
        """`/candidate`."""
        snap = await self.snapshot(guild_id)
        now = self.clock.now()
        data, candidate = self._candidate(snap, election, name, now)
        return CandidateProfileView(
            header=self.header(data, now),
            row=self.row(data, candidate),
            bio=candidate.bio,
            photo_url=candidate.photo_url,
            links=tuple(candidate.links.items()),
            regions=self._regions(snap, data.by_candidate.get(candidate.name, [])),
            provenance=await self._provenance(snap, data),
        )

    async def candidate_list(
        self, guild_id: int, election: str | None, slate: str | None = None, status: str | None = None
    ) -> CandidateListView:
        """`/candidates`: by surname before results are published, by result after."""
        snap = await self.snapshot(guild_id)
        now = self.clock.now()
        data = self.resolve_election(snap, election, now)
        candidates = list(data.candidates)
        filters: list[str] = []
        if slate and slate.strip():
            if normalise(slate) in INDEPENDENT_WORDS and data.slate_for_label(slate) is None:
                candidates = [c for c in candidates if not c.slate]
                filters.append("independents")
            else:
                chosen = self._slate(data, slate)
                candidates = [c for c in candidates if c.slate == chosen.name]
                filters.append(f"slate {chosen.name}")
        rows = [self.row(data, c) for c in candidates]
        if status and status.strip():
            wanted = self._status(status)
            rows = [r for r in rows if r.status == wanted]
            filters.append(wanted)
        summary = data.summary()
        if summary is not None:
            order = ListOrder.RESULT
            rows.sort(key=lambda r: (r.result is None, r.result.position if r.result else 0, surname_key(r.name)))
        else:
            order = ListOrder.SURNAME
            rows.sort(key=lambda r: surname_key(r.name))
        prov = await self._provenance(snap, data)
        return CandidateListView(self.header(data, now), tuple(rows), order, tuple(filters), len(data.candidates), prov)

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

    async def slate_info(self, guild_id: int, name: str, election: str | None) -> SlateInfoView:
        """`/slate info`."""
        snap = await self.snapshot(guild_id)
        now = self.clock.now()
        data = self.resolve_election(snap, election, now)
        slate = self._slate(data, name)
        coverage = self._coverage(data, [slate])[0]
        prov = await self._provenance(snap, data)
        return SlateInfoView(self.header(data, now), self._summary_of_slate(data, slate, coverage), prov)

    async def slate_compare(self, guild_id: int, names: Sequence[str], election: str | None) -> SlateCompareView:
        """`/slate compare`: two or three slates side by side."""
        snap = await self.snapshot(guild_id)
        now = self.clock.now()
        data = self.resolve_election(snap, election, now)
        chosen: list[Slate] = []
        for name in names:
            slate = self._slate(data, name)
            if slate not in chosen:
                chosen.append(slate)
        if len(chosen) < 2:
            raise NotFound("Pick two different slates to compare.")
        coverages = self._coverage(data, chosen)
        summaries = tuple(self._summary_of_slate(data, s, cov) for s, cov in zip(chosen, coverages, strict=True))
        summary = data.summary()
        return SlateCompareView(
            self.header(data, now),
            summaries,
            data.reported,
            summary.total_votes if summary else None,
            await self._provenance(snap, data),
        )

    async def nominations_progress(self, guild_id: int, election: str | None) -> ProgressView:
        """`/nominations progress`: every standing candidate, most nominated first."""
        snap = await self.snapshot(guild_id)
        now = self.clock.now()
        data = self.resolve_election(snap, election, now)
        rows = [self.row(data, c) for c in data.candidates if c.status is not CandidateStatus.WITHDRAWN]
        rows.sort(key=lambda r: (-r.nominations, surname_key(r.name)))
        close = data.election.timeline.nominations_close
        days_left = (close - now) // timedelta(days=1) if close and close > now else None
        prov = await self._provenance(snap, data)
        dates = {r.name: _first_dates(data.by_candidate.get(r.name, [])) for r in rows}
        over_time = nominations_over_time(dates)
        return ProgressView(self.header(data, now), tuple(rows), data.reported, days_left, prov, over_time)

    async def body_nominations(self, guild_id: int, name: str, election: str | None) -> BodyNominationsView:
        """`/nominations branch`: whom a body nominated, when, and its next meeting."""
        snap = await self.snapshot(guild_id)
        now = self.clock.now()
        data = self.resolve_election(snap, election, now)
        body = self._body(snap, name)
        nominated = []
        for n in sorted(data.by_body.get(body.name, []), key=lambda n: surname_key(n.candidate)):
            candidate = data.candidate_by_name.get(n.candidate)
            if candidate is not None:
                nominated.append((self.row(data, candidate), n.date))
        meeting = body.meeting if body.meeting and body.meeting > now else None
        prov = await self._provenance(snap, data)
        return BodyNominationsView(self.header(data, now), body, tuple(nominated), meeting, prov)

    async def candidate_nominations(self, guild_id: int, name: str, election: str | None) -> CandidateNominationsView:
        """`/nominations for`: the bodies that nominated a candidate, by region."""
        snap = await self.snapshot(guild_id)
        now = self.clock.now()
        data, candidate = self._candidate(snap, election, name, now)
        return CandidateNominationsView(
            self.header(data, now),
            self.row(data, candidate),
            self._regions(snap, data.by_candidate.get(candidate.name, [])),
            await self._provenance(snap, data),
        )

    async def results(
        self, guild_id: int, election: str | None, mode: ResultsMode | str = ResultsMode.SUMMARY
    ) -> ResultsView:
        """`/results`: summary, rounds or slates; nothing but a notice while unpublished."""
        snap = await self.snapshot(guild_id)
        now = self.clock.now()
        data = self.resolve_election(snap, election, now)
        mode = ResultsMode(mode)
        summary = data.summary()
        slates = {s.name: SlateRef(s.name, s.short, s.colour) for s in data.slates}
        header = self.header(data, now)
        if summary is None:
            return ResultsView(header, mode, None, slates=slates, provenance=await self._provenance(snap, data))
        stages: tuple = ()
        quota = None
        if mode is ResultsMode.ROUNDS:
            rounds = [r for r in data.result.rounds if r.votes]
            stages = tuple(stage_table(rounds, data.result.valid_ballots))
            if data.election.voting_system is VotingSystem.STV and rounds:
                base = data.result.valid_ballots
                if base is None:
                    base = int(sum(rounds[0].votes.values()))
                quota = droop_quota(base, data.election.seats)
        prov = await self._provenance(snap, data)
        return ResultsView(header, mode, summary, stages, quota, data.election.electorate, slates, prov)


def _first_dates(nominations: Iterable[Nomination]) -> list[date | None]:
    """Each nominating body once (as the counts do), on its earliest recorded date."""
    first: dict[str, date | None] = {}
    for n in nominations:
        known = first.get(n.body)
        if n.body not in first or (n.date is not None and (known is None or n.date < known)):
            first[n.body] = n.date
    return list(first.values())


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
