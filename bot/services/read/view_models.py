"""View models for members' read commands: plain data the renderers turn into embeds and charts.

They carry everything a view shows and nothing Discord-specific, so the same view model serves a
slash-command reply, a Share post and a scheduled announcement. Result figures only ever appear
when the election's results are published (`ElectionHeader.results_published`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from bot.domain.coverage import SlateCoverage
from bot.domain.models import Body, Phase, Slate, Threshold, VotingSystem
from bot.domain.phase import Milestone
from bot.domain.progress import NominationsOverTime
from bot.domain.results import RankedCandidate, ResultSummary, SlateTotal
from bot.domain.stv import Stage


@dataclass(frozen=True, slots=True)
class Provenance:
    """When the guild's data last changed and through which source (a view's footer)."""

    version: int
    changed_at: datetime | None
    source: str | None
    note: str = ""  # how current source-fed data is ("Checked against its source 4 min ago")


@dataclass(frozen=True, slots=True)
class ElectionHeader:
    """What every election view says about its election, evaluated at the request's instant."""

    slug: str
    name: str
    committee: str
    seats: int
    system: VotingSystem
    phase: Phase
    threshold: Threshold | None
    required: int | None  # nominations needed for the ballot; None when unknown
    eligible_bodies: int  # bodies that may nominate
    body_kind: str  # the usual kind of nominating body ("CLP", "branch")
    milestones: tuple[Milestone, ...]  # known timeline instants, in timeline order
    next_milestone: Milestone | None
    nominations_close: datetime | None
    results_published: bool
    now: datetime
    eligible_rule: str = ""  # the election's own eligible-bodies rule in words ("" for the default)


@dataclass(frozen=True, slots=True)
class SlateRef:
    """A slate as a label and a colour."""

    name: str
    short: str = ""
    colour: str | None = None

    @property
    def label(self) -> str:
        """The short name when there is one."""
        return self.short or self.name


@dataclass(frozen=True, slots=True)
class CandidateRow:
    """A candidate in lists: status as members may see it, nominations, and the result once published."""

    name: str
    slate: SlateRef | None
    status: str
    nominations: int
    qualified: bool | None
    result: RankedCandidate | None = None  # only when results are published
    nominations_closed: bool = False  # past the nominations phase: "needs N more" no longer applies


@dataclass(frozen=True, slots=True)
class ElectionListView:
    """`/election list`."""

    elections: tuple[ElectionHeader, ...]
    current_slug: str | None
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class ElectionInfoView:
    """`/election info`."""

    header: ElectionHeader
    candidates: int
    standing: int  # not withdrawn
    on_ballot: int
    slates: tuple[SlateRef, ...]
    bodies_reported: int
    electorate: int | None
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class RegionGroup:
    """Nominating bodies of one region, with the date each nominated."""

    region: str
    bodies: tuple[tuple[str, date | None], ...]


@dataclass(frozen=True, slots=True)
class CandidateProfileView:
    """`/candidate`."""

    header: ElectionHeader
    row: CandidateRow
    bio: str
    photo_url: str | None
    links: tuple[tuple[str, str], ...]
    regions: tuple[RegionGroup, ...]
    provenance: Provenance


class ListOrder(StrEnum):
    """How `/candidates` is ordered."""

    SURNAME = "surname"
    RESULT = "result"


@dataclass(frozen=True, slots=True)
class CandidateListView:
    """`/candidates`."""

    header: ElectionHeader
    rows: tuple[CandidateRow, ...]
    order: ListOrder
    filters: tuple[str, ...]  # human descriptions of the filters applied
    total_in_election: int
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class SlateSummary:
    """One slate with its candidates, nomination coverage and (once published) result."""

    slate: Slate
    rows: tuple[CandidateRow, ...]
    coverage: SlateCoverage
    result: SlateTotal | None

    @property
    def ref(self) -> SlateRef:
        """The slate as a label and colour."""
        return SlateRef(self.slate.name, self.slate.short, self.slate.colour)

    @property
    def qualified(self) -> tuple[str, ...]:
        """Candidates who have reached the nomination threshold."""
        return tuple(r.name for r in self.rows if r.qualified)


@dataclass(frozen=True, slots=True)
class SlateInfoView:
    """`/slate info`."""

    header: ElectionHeader
    summary: SlateSummary
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class SlateCompareView:
    """`/slate compare`."""

    header: ElectionHeader
    slates: tuple[SlateSummary, ...]
    bodies_reported: int
    total_votes: float | None  # all votes cast, when results are published
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class ProgressView:
    """`/nominations progress`: everyone against the threshold, most nominated first."""

    header: ElectionHeader
    rows: tuple[CandidateRow, ...]
    bodies_reported: int
    days_left: int | None  # whole days until nominations close (0: under a day); None when unknown or past
    provenance: Provenance
    over_time: NominationsOverTime | None = None  # running totals by nomination date, when dates are known

    @property
    def qualified(self) -> tuple[str, ...]:
        """Candidates at or over the threshold, most nominated first."""
        return tuple(r.name for r in self.rows if r.qualified)


@dataclass(frozen=True, slots=True)
class BodyNominationsView:
    """`/nominations branch`."""

    header: ElectionHeader
    body: Body
    nominated: tuple[tuple[CandidateRow, date | None], ...]
    next_meeting: datetime | None  # only when still ahead
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class CandidateNominationsView:
    """`/nominations for`."""

    header: ElectionHeader
    row: CandidateRow
    regions: tuple[RegionGroup, ...]
    provenance: Provenance


class ResultsMode(StrEnum):
    """The `/results view` option."""

    SUMMARY = "summary"
    ROUNDS = "rounds"
    SLATES = "slates"


@dataclass(frozen=True, slots=True)
class ResultsView:
    """`/results`: `summary` is None when results are unpublished or empty (nothing is shown then)."""

    header: ElectionHeader
    mode: ResultsMode
    summary: ResultSummary | None
    stages: tuple[Stage, ...] = ()
    quota: int | None = None
    electorate: int | None = None
    slates: dict[str, SlateRef] = field(default_factory=dict)
    provenance: Provenance | None = None

    def slate_of(self, slate: str | None) -> SlateRef | None:
        """The slate reference by name (None for independents)."""
        return self.slates.get(slate) if slate else None
