"""The election world as plain dataclasses: what every layer above passes around."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from bot.domain.eligibility import EligibleBodies


class VotingSystem(StrEnum):
    """How ballots become seats."""

    BLOC = "bloc"  # each member votes for up to `seats` candidates; top `seats` win
    FPTP = "fptp"
    STV = "stv"


class Phase(StrEnum):
    """Where an election stands, derived from its timeline and the clock."""

    UPCOMING = "upcoming"
    NOMINATIONS = "nominations"
    BALLOT = "ballot"
    COUNTING = "counting"
    RESULTS = "results"


class CandidateStatus(StrEnum):
    """A candidate's standing in the race."""

    SEEKING = "seeking nominations"
    ON_BALLOT = "on ballot"
    WITHDRAWN = "withdrawn"
    ELECTED = "elected"
    NOT_ELECTED = "not elected"


@dataclass(frozen=True, slots=True)
class Threshold:
    """Nominations a candidate needs for the ballot: a count, or a percentage of eligible bodies."""

    value: float
    percent: bool = False

    def __str__(self) -> str:
        if self.percent:
            text = f"{self.value:g}"
            return f"{text}%"
        return str(int(self.value))


@dataclass(frozen=True, slots=True)
class Timeline:
    """Key instants of an election, all aware UTC datetimes; any may be unknown."""

    nominations_open: datetime | None = None
    nominations_close: datetime | None = None
    ballot_open: datetime | None = None
    ballot_close: datetime | None = None
    results: datetime | None = None

    FIELDS = ("nominations_open", "nominations_close", "ballot_open", "ballot_close", "results")


@dataclass(slots=True)
class Election:
    """One election in a guild (a guild can hold several)."""

    guild_id: int
    slug: str
    name: str
    seats: int
    voting_system: VotingSystem
    committee: str = ""
    threshold: Threshold | None = None
    electorate: int | None = None
    timeline: Timeline = field(default_factory=Timeline)
    id: int | None = None
    updated_at: datetime | None = None
    eligible: EligibleBodies | None = None  # None: the kinds that nominate (see bot.domain.eligibility)


@dataclass(slots=True)
class Slate:
    """A group of candidates standing together, with the organisations backing it."""

    name: str
    short: str = ""
    colour: str | None = None  # "#RRGGBB"
    backers: list[str] = field(default_factory=list)
    description: str = ""
    url: str | None = None
    id: int | None = None
    election_id: int | None = None

    @property
    def label(self) -> str:
        """The short name when there is one, else the full name."""
        return self.short or self.name


@dataclass(slots=True)
class Candidate:
    """A person standing in an election."""

    name: str
    slate: str | None = None  # slate name (natural key); None means independent
    bio: str = ""
    photo_url: str | None = None
    links: dict[str, str] = field(default_factory=dict)
    status: CandidateStatus = CandidateStatus.SEEKING
    id: int | None = None
    election_id: int | None = None


@dataclass(slots=True)
class Body:
    """A nominating body (branch, CLP, affiliate); bodies belong to the guild, shared by its elections."""

    name: str
    kind: str = "branch"
    region: str = ""
    members: int | None = None
    meeting: datetime | None = None  # next nomination meeting, UTC
    id: int | None = None
    guild_id: int | None = None


@dataclass(frozen=True, slots=True)
class Nomination:
    """One body nominating one candidate in one election."""

    body: str
    candidate: str
    date: date | None = None


@dataclass(frozen=True, slots=True)
class ResultRound:
    """Votes per candidate in one round (bloc/fptp have one; STV has a stage each)."""

    votes: dict[str, float]
    elected: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ElectionResult:
    """An election's result as stored: rounds, ballots and whether members may see it."""

    rounds: list[ResultRound] = field(default_factory=list)
    published: bool = False
    valid_ballots: int | None = None
    invalid_ballots: int | None = None

    @property
    def empty(self) -> bool:
        """True when no votes have been entered."""
        return not any(r.votes for r in self.rounds)
