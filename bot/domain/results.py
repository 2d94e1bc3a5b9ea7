"""Reading a result: ranking, who won, shares, the winning margin, slate totals and turnout.

Two different "shares" exist and are easy to confuse:

- `share` — a candidate's part of all votes cast for candidates in the round. Shares add to 100%.
- `ballot_share` — votes ÷ valid ballots: the proportion of voters who backed the candidate. In a
  bloc vote each ballot carries up to `seats` votes, so these add to up to `seats` × 100%
  (Yasmine Dar's 68,388 of ~125,000 ballots is ~55%, while her `share` of all votes is ~22%).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.domain.models import ElectionResult, ResultRound, VotingSystem


@dataclass(frozen=True, slots=True)
class RankedCandidate:
    """One line of the result table."""

    position: int  # competition ranking: candidates on equal votes share a position (1, 2, 2, 4)
    name: str
    votes: float
    share: float | None  # of votes cast for candidates; None when no votes were cast
    ballot_share: float | None  # of valid ballots; None when valid ballots unknown
    slate: str | None
    elected: bool
    tied: bool  # part of an unresolved tie for the last seat
    behind_previous: float | None  # votes behind the candidate ranked just above; None for the first


@dataclass(frozen=True, slots=True)
class Margin:
    """Gap between the last elected candidate and the best-placed candidate not elected."""

    last_elected: str
    runner_up: str
    votes: float
    percent_of_last: float | None  # votes ÷ last elected's votes × 100; None if they had no votes


@dataclass(frozen=True, slots=True)
class SlateTotal:
    """A slate's combined result; `slate` None gathers candidates standing without a slate."""

    slate: str | None
    candidates: tuple[str, ...]
    votes: float
    share: float | None  # of all votes cast for candidates
    seats: int


@dataclass(frozen=True, slots=True)
class ResultSummary:
    """Everything a results post needs, derived from the stored rounds."""

    seats: int
    ranking: tuple[RankedCandidate, ...]
    elected: tuple[str, ...]  # in ranking order; excludes candidates in an unresolved tie
    tie_at_last_seat: tuple[str, ...]  # candidates tied for the remaining seat(s); never broken here
    seats_undecided: int  # seats the tie leaves open
    total_votes: float
    valid_ballots: int | None
    invalid_ballots: int | None
    turnout: float | None  # (valid + invalid) ÷ electorate, 0..1
    margin: Margin | None
    slates: tuple[SlateTotal, ...]
    _by_name: dict[str, RankedCandidate] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # First line per name wins, as a scan of `ranking` would; views look candidates up per row.
        object.__setattr__(self, "_by_name", {})
        for r in self.ranking:
            self._by_name.setdefault(r.name, r)

    @property
    def ballots_cast(self) -> int | None:
        """Valid plus spoilt ballots, when the valid count is known."""
        if self.valid_ballots is None:
            return None
        return self.valid_ballots + (self.invalid_ballots or 0)

    def candidate(self, name: str) -> RankedCandidate | None:
        """The ranking line for `name`, if they are in the result."""
        return self._by_name.get(name)

    def gap(self, ahead: str, behind: str) -> float:
        """Votes by which `ahead` leads `behind` (negative if they trail). KeyError if either is missing."""
        a, b = self.candidate(ahead), self.candidate(behind)
        if a is None or b is None:
            raise KeyError(ahead if a is None else behind)
        return a.votes - b.votes


def summarise_result(
    result: ElectionResult,
    seats: int,
    slate_of: Mapping[str, str | None] | None = None,
    electorate: int | None = None,
    system: VotingSystem | None = None,
) -> ResultSummary:
    """Summarise a stored result.

    Bloc/FPTP use the final round. STV (given, or inferred when there are several rounds) uses the
    elected marks of all stages; its ranking puts the elected first (in order of election), then
    continuing candidates by final votes, then the excluded, last-excluded first; each candidate's
    `votes` is their total at their last stage (for the excluded: the stage they were excluded at),
    and shares and slate totals use first-stage votes — the only stage where every vote counts once.

    Elected marks in the source are authoritative. Without marks the top `seats` by votes are
    elected, except that candidates tied on votes across the last seat are reported in
    `tie_at_last_seat` and left out of `elected` — ties are decided by rules (lots, re-count),
    not by this function.
    """
    if seats < 1:
        raise ValueError("seats must be at least 1")
    slate_of = slate_of or {}
    rounds = [r for r in result.rounds if r.votes]
    if system is None:
        system = VotingSystem.STV if len(rounds) > 1 else VotingSystem.BLOC
    stv = system is VotingSystem.STV

    if not rounds:
        return ResultSummary(
            seats=seats,
            ranking=(),
            elected=(),
            tie_at_last_seat=(),
            seats_undecided=0,
            total_votes=0.0,
            valid_ballots=result.valid_ballots,
            invalid_ballots=result.invalid_ballots,
            turnout=_turnout(result, electorate),
            margin=None,
            slates=(),
        )

    if stv:
        votes, order_key, marks = _stv_standing(rounds)
        share_base = rounds[0].votes
    else:
        final = rounds[-1]
        votes = dict(final.votes)
        marks = [n for n in final.elected if n in votes]
        order_key = {n: (-v,) for n, v in votes.items()}
        share_base = final.votes

    names = sorted(votes, key=lambda n: (order_key[n], n.casefold(), n))
    tied: list[str]
    if marks:
        elected_set, tied, undecided = set(marks), [], 0
    else:
        elected_set, tied, undecided = _top_by_votes(names, votes, seats)

    total = float(sum(share_base.values()))
    ranking = _rank(names, votes, order_key, share_base, total, result.valid_ballots, slate_of, elected_set, set(tied))
    elected = tuple(r.name for r in ranking if r.elected)
    return ResultSummary(
        seats=seats,
        ranking=ranking,
        elected=elected,
        tie_at_last_seat=tuple(r.name for r in ranking if r.tied),
        seats_undecided=undecided,
        total_votes=total,
        valid_ballots=result.valid_ballots,
        invalid_ballots=result.invalid_ballots,
        turnout=_turnout(result, electorate),
        margin=None if tied else _margin(ranking),
        slates=_slate_totals(names, share_base, total, slate_of, elected_set),
    )


# Sort key per candidate, smallest first: (-votes,) for plurality counts; for STV
# (group, stage, -votes) with group 0 elected, 1 continuing, 2 excluded.
OrderKey = tuple[float, ...]


def _top_by_votes(names: list[str], votes: Mapping[str, float], seats: int) -> tuple[set[str], list[str], int]:
    """Elected set, tied names and undecided seat count when the source gives no marks."""
    if len(names) <= seats:
        return set(names), [], 0
    cutoff = votes[names[seats - 1]]
    if not math.isclose(votes[names[seats]], cutoff, abs_tol=1e-9):
        return set(names[:seats]), [], 0
    tied = [n for n in names if math.isclose(votes[n], cutoff, abs_tol=1e-9)]
    elected = {n for n in names if votes[n] > cutoff and n not in tied}
    return elected, tied, seats - len(elected)


def _stv_standing(rounds: list[ResultRound]) -> tuple[dict[str, float], dict[str, OrderKey], list[str]]:
    """Per-candidate votes, ordering key and elected marks (in order) across STV stages."""
    elected_at: dict[str, int] = {}
    excluded_at: dict[str, int] = {}
    last_votes: dict[str, float] = {}
    for stage, rnd in enumerate(rounds):
        for name, v in rnd.votes.items():
            if name not in excluded_at:  # later zero rows of the excluded would hide their total
                last_votes[name] = v
        for name in rnd.elected:
            elected_at.setdefault(name, stage)
        for name in rnd.excluded:
            if name not in excluded_at:
                excluded_at[name] = stage
                last_votes[name] = rnd.votes.get(name, last_votes.get(name, 0.0))
    for name in (*elected_at, *excluded_at):
        last_votes.setdefault(name, 0.0)

    key: dict[str, OrderKey] = {}
    for name, v in last_votes.items():
        if name in elected_at:
            key[name] = (0, elected_at[name], -v)
        elif name in excluded_at:
            key[name] = (2, -excluded_at[name], -v)
        else:
            key[name] = (1, 0, -v)
    marks = sorted(elected_at, key=lambda n: (elected_at[n], -last_votes[n], n))
    return last_votes, key, marks


def _rank(
    names: list[str],
    votes: Mapping[str, float],
    order_key: Mapping[str, OrderKey],
    share_votes: Mapping[str, float],
    total: float,
    valid_ballots: int | None,
    slate_of: Mapping[str, str | None],
    elected: set[str],
    tied: set[str],
) -> tuple[RankedCandidate, ...]:
    rows = []
    position = 0
    for i, name in enumerate(names):
        if i == 0 or order_key[name] != order_key[names[i - 1]]:
            position = i + 1
        v = votes[name]
        counted = share_votes.get(name, 0.0)  # first-stage votes for STV, else the same as v
        rows.append(
            RankedCandidate(
                position=position,
                name=name,
                votes=v,
                share=counted / total if total else None,
                ballot_share=counted / valid_ballots if valid_ballots else None,
                slate=slate_of.get(name),
                elected=name in elected,
                tied=name in tied,
                behind_previous=None if i == 0 else votes[names[i - 1]] - v,
            )
        )
    return tuple(rows)


def _margin(ranking: tuple[RankedCandidate, ...]) -> Margin | None:
    elected = [r for r in ranking if r.elected]
    losers = [r for r in ranking if not r.elected]
    if not elected or not losers:
        return None
    last, runner = elected[-1], losers[0]
    gap = last.votes - runner.votes
    return Margin(last.name, runner.name, gap, gap / last.votes * 100 if last.votes else None)


def _slate_totals(
    names: list[str],
    votes: Mapping[str, float],
    total: float,
    slate_of: Mapping[str, str | None],
    elected: set[str],
) -> tuple[SlateTotal, ...]:
    groups: dict[str | None, list[str]] = {}
    for name in names:  # ranking order, so each slate lists its best-placed candidate first
        groups.setdefault(slate_of.get(name), []).append(name)
    totals = []
    for slate, members in groups.items():
        sum_votes = float(sum(votes.get(n, 0.0) for n in members))
        totals.append(
            SlateTotal(
                slate=slate,
                candidates=tuple(members),
                votes=sum_votes,
                share=sum_votes / total if total else None,
                seats=sum(1 for n in members if n in elected),
            )
        )
    # Biggest first; the no-slate group goes after named slates with equal votes.
    totals.sort(key=lambda t: (-t.votes, t.slate is None, (t.slate or "").casefold()))
    return tuple(totals)


def _turnout(result: ElectionResult, electorate: int | None) -> float | None:
    if result.valid_ballots is None or not electorate:
        return None
    return (result.valid_ballots + (result.invalid_ballots or 0)) / electorate
