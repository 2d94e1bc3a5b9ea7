"""Reading a result: ranking, who won, shares, the winning margin, slate totals and turnout.

Two different "shares" exist and are easy to confuse:

- `share` — a candidate's part of all votes cast for candidates in the round. Shares add to 100%.
- `ballot_share` — votes ÷ valid ballots: the proportion of voters who backed the candidate. In a
  bloc vote each ballot carries up to `seats` votes, so these add to up to `seats` × 100%
  (Yasmine Dar's 68,388 of ~125,000 ballots is ~55%, while her `share` of all votes is ~22%).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.models import ElectionResult, ResultRound, VotingSystem
from bot.domain.validation import ValidationError


class Winners(StrEnum):
    """Where a result's elected set comes from.

    COMPUTED: the count decides — bloc/FPTP elect the top `seats` of the final round (a tie at the
    cut is reported, never broken) and recompute on every change; STV takes the stages' marks.
    DECLARED: an official declaration that may differ from the ranking (gender-balance or other
    quota rules); stored as the elected marks of a bloc/FPTP result's final round.
    """

    COMPUTED = "computed"
    DECLARED = "declared"


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
    behind_previous: float | None  # votes behind the line above, at the same stage; None otherwise
    stage: int | None = None  # STV: the stage `votes` and `share` are from (1-based); None for one round
    excluded: bool = False  # STV: excluded at `stage`


@dataclass(frozen=True, slots=True)
class Margin:
    """Gap between the last elected candidate and the best-placed candidate not elected.

    `votes` is never negative: when a declared winner had fewer votes than the runner-up,
    `declared_behind` is set and `votes` is how many fewer.
    """

    last_elected: str
    runner_up: str
    votes: float
    percent_of_last: float | None  # votes ÷ last elected's votes × 100; None if behind or they had none
    declared_behind: bool = False
    stage: int | None = None  # STV: the stage both figures are from


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
    winners: Winners = Winners.COMPUTED
    declared_differs: bool = False  # declared and unlike the count (marks that restate it count as computed)
    first_preferences: Mapping[str, float] = field(default_factory=dict)  # STV: stage 1 votes; else empty
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

    Bloc/FPTP use the final round. Without elected marks the result is *computed*: the top `seats`
    by votes are elected, except that candidates tied on votes across the last seat are reported in
    `tie_at_last_seat` and left out of `elected` — ties are decided by rules (lots, re-count), not
    by this function. Elected marks are a *declared* set: shown as declared, with
    `declared_differs` set when they are not what the count gives.

    STV (given, or inferred when there are several rounds) uses the elected marks of all stages;
    its ranking puts the elected first (in order of election), then continuing candidates by final
    votes, then the excluded, last-excluded first. Every line's figures come from one stage, which
    it names (`stage`): the stage the candidate was elected or excluded at, else the final stage.
    Slate totals use first-stage votes — the only stage where every vote counts once.
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

    winners, differs = Winners.COMPUTED, False
    if stv:
        standing = _stv_standing(rounds)
        votes, order_key, stage_of = standing.votes, standing.key, standing.stage
        share_base = rounds[0].votes
        names = sorted(votes, key=lambda n: (order_key[n], n.casefold(), n))
        tied: list[str] = []
        elected_set, undecided = set(standing.marks), 0
        if not standing.marks:
            elected_set, tied, undecided = _top_by_votes(names, votes, seats)
        stage_totals = [float(sum(r.votes.values())) for r in rounds]
    else:
        final = rounds[-1]
        votes = dict(final.votes)
        marks = [n for n in final.elected if n in votes]
        order_key = {n: (-v,) for n, v in votes.items()}
        stage_of = {}
        share_base = final.votes
        names = sorted(votes, key=lambda n: (order_key[n], n.casefold(), n))
        elected_set, tied, undecided = _top_by_votes(names, votes, seats)
        if marks and set(marks) != elected_set:  # marks that restate the count declare nothing
            winners, differs = Winners.DECLARED, True
            elected_set, tied, undecided = set(marks), [], 0
        stage_totals = []

    total = float(sum(share_base.values()))
    ranking = _rank(
        names, votes, order_key, stage_of, stage_totals, total, result.valid_ballots, slate_of, elected_set, set(tied)
    )
    elected = tuple(r.name for r in ranking if r.elected)
    margin = None
    if not tied:
        margin = _stv_margin(rounds, ranking) if stv else _margin(ranking)
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
        margin=margin,
        slates=_slate_totals(names, share_base, total, slate_of, elected_set),
        winners=winners,
        declared_differs=differs,
        first_preferences=dict(rounds[0].votes) if stv else {},
    )


def computed_winners(final: Mapping[str, float], seats: int) -> tuple[frozenset[str], frozenset[str]]:
    """The count's elected set for one round (bloc/FPTP) and the names tied across the last seat."""
    names = sorted(final, key=lambda n: (-final[n], n.casefold(), n))
    elected, tied, _ = _top_by_votes(names, final, seats)
    return frozenset(elected), frozenset(tied)


def restates_the_count(rnd: ResultRound, seats: int) -> bool:
    """True when a round's elected marks are exactly what the count decides (a tie at the cut left open).

    Such marks declare nothing: they are the computed set written down, so they can be dropped and
    the winners recomputed from then on. Marks that settle a tie (by lot, say) are a declaration.
    """
    elected, _ = computed_winners(rnd.votes, seats)
    return set(rnd.elected) == elected


_GROUPED = re.compile(r"\d{1,3}(?:[.,]\d{3})+")


def whole_votes_hint(text: str) -> int | None:
    """`1.842` → 1842: a figure that reads as thousands written with a decimal point, else None."""
    text = text.strip()
    if _GROUPED.fullmatch(text):
        return int(re.sub(r"[.,]", "", text))
    return None


def check_votes(system: VotingSystem, votes: float, written: str | None = None) -> None:
    """Votes must be whole numbers except in STV, whose transfers may be fractional.

    Raises ValidationError with a sentence for the moderator (and a did-you-mean for `1.842`).
    """
    if system is VotingSystem.STV or float(votes).is_integer():
        return
    text = written if written is not None else f"{votes:.12g}"
    hint = whole_votes_hint(text)
    did_you_mean = f"; did you mean {hint}?" if hint is not None else "."
    raise ValidationError(
        "votes",
        f"{text} isn't a whole number of votes; a {system.value} count has whole votes (only STV transfers "
        f"have fractions){did_you_mean}",
    )


def incomplete_parts(summary: ResultSummary, on_ballot: Sequence[str], electorate: int | None) -> list[str]:
    """Sentences naming what looks unfinished in a result about to be published (empty when none).

    Candidates on the ballot without votes; fewer elected than seats when no tie explains it; a
    turnout over 100%.
    """
    parts: list[str] = []
    missing = [n for n in on_ballot if summary.candidate(n) is None]
    if len(missing) == 1:
        parts.append(f"{missing[0]} is on the ballot but has no votes.")
    elif missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        parts.append(f"{len(missing)} candidates on the ballot have no votes: {shown}.")
    if len(summary.elected) < summary.seats and not summary.tie_at_last_seat:
        filled = len(summary.elected)
        seats = "seat" if summary.seats == 1 else "seats"
        parts.append(f"Only {filled} of {summary.seats} {seats} {'is' if filled == 1 else 'are'} filled.")
    if summary.turnout is not None and summary.turnout > 1 and electorate:
        parts.append(
            f"Turnout is {summary.turnout:.0%}: {summary.ballots_cast:,} ballots for an electorate of {electorate:,}."
        )
    return parts


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


@dataclass(frozen=True, slots=True)
class _Standing:
    votes: dict[str, float]  # each candidate's figure, at `stage`
    stage: dict[str, int]  # 1-based
    key: dict[str, OrderKey]
    marks: list[str]  # elected, in order of election
    excluded: frozenset[str]


def _stv_standing(rounds: list[ResultRound]) -> _Standing:
    """Per-candidate figure and its stage, ordering key and elected marks (in order) across STV stages.

    The figure is the candidate's votes at the stage they were elected or excluded at, else at the
    final stage — never a mix of stages.
    """
    elected_at: dict[str, int] = {}
    excluded_at: dict[str, int] = {}
    figure: dict[str, float] = {}
    stage: dict[str, int] = {}
    for number, rnd in enumerate(rounds):
        for name, v in rnd.votes.items():
            if name not in excluded_at and name not in elected_at:
                figure[name], stage[name] = v, number
        for name in rnd.elected:
            if name not in elected_at and name not in excluded_at:
                elected_at[name] = number
                figure[name], stage[name] = rnd.votes.get(name, figure.get(name, 0.0)), number
        for name in rnd.excluded:
            if name not in excluded_at and name not in elected_at:
                excluded_at[name] = number
                figure[name], stage[name] = rnd.votes.get(name, figure.get(name, 0.0)), number
    for name in (*elected_at, *excluded_at):
        figure.setdefault(name, 0.0)
        stage.setdefault(name, elected_at.get(name, excluded_at.get(name, 0)))

    key: dict[str, OrderKey] = {}
    for name, v in figure.items():
        if name in elected_at:
            key[name] = (0, elected_at[name], -v)
        elif name in excluded_at:
            key[name] = (2, -excluded_at[name], -v)
        else:
            key[name] = (1, 0, -v)
    marks = sorted(elected_at, key=lambda n: (elected_at[n], -figure[n], n))
    return _Standing(figure, {n: s + 1 for n, s in stage.items()}, key, marks, frozenset(excluded_at))


def _rank(
    names: list[str],
    votes: Mapping[str, float],
    order_key: Mapping[str, OrderKey],
    stage_of: Mapping[str, int],
    stage_totals: Sequence[float],
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
        stage = stage_of.get(name)
        base = stage_totals[stage - 1] if stage else total  # shares of the same stage as the votes
        behind = None
        if i > 0 and stage_of.get(names[i - 1]) == stage:  # "behind" only compares figures of one stage
            gap = votes[names[i - 1]] - v
            behind = gap if gap >= 0 else None
        rows.append(
            RankedCandidate(
                position=position,
                name=name,
                votes=v,
                share=v / base if base else None,
                ballot_share=v / valid_ballots if valid_ballots else None,
                slate=slate_of.get(name),
                elected=name in elected,
                tied=name in tied,
                behind_previous=behind,
                stage=stage,
                excluded=bool(stage) and order_key[name][0] == 2,
            )
        )
    return tuple(rows)


def _margin(ranking: tuple[RankedCandidate, ...]) -> Margin | None:
    """Last elected (fewest votes among the elected) against the best-placed candidate not elected."""
    elected = [r for r in ranking if r.elected]
    losers = [r for r in ranking if not r.elected and not r.tied]
    if not elected or not losers:
        return None
    last = min(reversed(elected), key=lambda r: r.votes)  # the lowest; among equals the later-ranked
    runner = max(losers, key=lambda r: r.votes)  # max keeps the first (best-placed) among equals
    gap = last.votes - runner.votes
    if gap < 0:  # only a declared set can elect someone with fewer votes
        return Margin(last.name, runner.name, -gap, None, declared_behind=True)
    return Margin(last.name, runner.name, gap, gap / last.votes * 100 if last.votes else None)


def _stv_margin(rounds: list[ResultRound], ranking: tuple[RankedCandidate, ...]) -> Margin | None:
    """At the stage the last seat was filled: the last elected against the best continuing candidate."""
    elected = [r for r in ranking if r.elected]
    if not elected or elected[-1].stage is None:
        return None
    last = elected[-1]
    stage = last.stage
    assert stage is not None
    at = rounds[stage - 1].votes
    gone = {r.name for r in ranking if r.excluded and r.stage is not None and r.stage < stage}
    others = [r.name for r in ranking if not r.elected and r.name not in gone and r.name in at]
    if not others:
        return None
    runner = max(others, key=lambda n: at[n])
    gap = at.get(last.name, last.votes) - at[runner]
    mine = at.get(last.name, last.votes)
    if gap < 0:
        return Margin(last.name, runner, -gap, None, declared_behind=True, stage=stage)
    return Margin(last.name, runner, gap, gap / mine * 100 if mine else None, stage=stage)


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
