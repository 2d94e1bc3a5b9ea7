"""Single transferable vote: the Droop quota, a stage-by-stage table and consistency checks.

Stages are the stored `ResultRound`s in order: each holds every continuing candidate's total at that
stage, with `elected`/`excluded` marks for what happened at it. An excluded candidate's votes are
shown at the stage they are excluded and are gone (absent or 0) from the next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.models import ResultRound

# Stored transfers may be rounded (e.g. to 2 dp), so comparisons allow a little slack per candidate.
TOLERANCE = 0.01


def droop_quota(valid_ballots: int, seats: int) -> int:
    """Votes that guarantee election: floor(valid / (seats + 1)) + 1."""
    if seats < 1:
        raise ValueError("seats must be at least 1")
    if valid_ballots < 0:
        raise ValueError("valid ballots cannot be negative")
    return valid_ballots // (seats + 1) + 1


@dataclass(frozen=True, slots=True)
class Stage:
    """One row-set of the STV table.

    `votes` has every candidate in the count (0 once excluded or absent). `transfers` is the change
    from the previous stage (None at stage 1). `non_transferable` is the running total of votes no
    longer held by any candidate (exhausted ballots, rounding losses): the base (valid ballots, or
    the first-stage total when unknown) minus this stage's total; `non_transferable_change` is this
    stage's addition to it.
    """

    number: int
    votes: dict[str, float]
    transfers: dict[str, float] | None
    elected: tuple[str, ...]
    excluded: tuple[str, ...]
    total: float
    non_transferable: float
    non_transferable_change: float | None


def stage_candidates(rounds: Sequence[ResultRound]) -> list[str]:
    """Every candidate appearing in any stage, by first-stage votes (desc) then name."""
    names: dict[str, None] = {}
    for rnd in rounds:
        names.update(dict.fromkeys(rnd.votes))
        names.update(dict.fromkeys(rnd.elected))
        names.update(dict.fromkeys(rnd.excluded))
    first = rounds[0].votes if rounds else {}
    return sorted(names, key=lambda n: (-first.get(n, 0.0), n.casefold(), n))


def stage_table(rounds: Sequence[ResultRound], valid_ballots: int | None = None) -> list[Stage]:
    """The stage-by-stage table for display; empty when there are no stages."""
    if not rounds:
        return []
    names = stage_candidates(rounds)
    base = float(valid_ballots) if valid_ballots is not None else float(sum(rounds[0].votes.values()))
    table: list[Stage] = []
    previous: Stage | None = None
    for number, rnd in enumerate(rounds, start=1):
        votes = {n: float(rnd.votes.get(n, 0.0)) for n in names}
        total = sum(votes.values())
        nt = base - total
        stage = Stage(
            number=number,
            votes=votes,
            transfers=None if previous is None else {n: votes[n] - previous.votes[n] for n in names},
            elected=tuple(rnd.elected),
            excluded=tuple(rnd.excluded),
            total=total,
            non_transferable=nt,
            non_transferable_change=None if previous is None else nt - previous.non_transferable,
        )
        table.append(stage)
        previous = stage
    return table


def validate_stages(rounds: Sequence[ResultRound], seats: int, valid_ballots: int | None = None) -> list[str]:
    """Human-readable problems with stored STV stages; an empty list means they look consistent.

    Checks: marks refer to known candidates; nobody is elected or excluded twice, or both;
    continuing candidates are present at every stage and never lose votes; elected candidates gain
    nothing after election; excluded candidates hold nothing afterwards and were the lowest
    continuing at exclusion; stage totals never grow and first preferences match valid ballots;
    the number elected matches the seats.
    """
    if not rounds:
        return ["No stages have been entered."]
    problems: list[str] = []
    names = stage_candidates(rounds)
    slack = TOLERANCE * max(1, len(names))
    elected_at: dict[str, int] = {}
    excluded_at: dict[str, int] = {}
    previous: dict[str, float] | None = None
    previous_total: float | None = None

    for number, rnd in enumerate(rounds, start=1):
        where = f"Stage {number}"
        votes = rnd.votes
        for name, held in votes.items():
            if held < 0:
                problems.append(f"{where}: {name} has negative votes ({_fmt(held)}).")

        for name in names:
            v = votes.get(name)
            if name in excluded_at:
                if v is not None and v > TOLERANCE:
                    problems.append(
                        f"{where}: {name} still has {_fmt(v)} votes after being excluded at stage {excluded_at[name]}."
                    )
            elif name in elected_at:
                if previous is not None and v is not None and v > previous.get(name, 0.0) + TOLERANCE:
                    problems.append(
                        f"{where}: {name} gained votes ({_fmt(previous.get(name, 0.0))} → {_fmt(v)}) "
                        f"after being elected at stage {elected_at[name]}."
                    )
            elif v is None:
                problems.append(f"{where}: {name} has no votes entered though still in the count.")
            elif previous is not None and v < previous.get(name, 0.0) - TOLERANCE:
                problems.append(
                    f"{where}: {name} lost votes ({_fmt(previous.get(name, 0.0))} → {_fmt(v)}) "
                    "while still in the count."
                )

        _check_marks(rnd, number, names, votes, elected_at, excluded_at, problems)

        total = float(sum(votes.values()))
        if previous_total is not None and total > previous_total + slack:
            problems.append(
                f"{where}: total votes rose from {_fmt(previous_total)} to {_fmt(total)}; "
                "transfers can only move or lose votes."
            )
        if valid_ballots is not None:
            if number == 1 and abs(total - valid_ballots) > slack:
                problems.append(
                    f"Stage 1: first preferences add up to {_fmt(total)}, not the {valid_ballots:,} valid ballots."
                )
            elif number > 1 and total > valid_ballots + slack:
                problems.append(f"{where}: total votes {_fmt(total)} exceed the {valid_ballots:,} valid ballots.")
        previous, previous_total = dict(votes), total

    if len(elected_at) > seats:
        problems.append(f"{len(elected_at)} candidates are marked elected for {seats} seat(s).")
    elif len(elected_at) < seats:
        problems.append(f"Only {len(elected_at)} of {seats} seat(s) are filled after the last stage.")
    return problems


def _check_marks(
    rnd: ResultRound,
    number: int,
    names: list[str],
    votes: dict[str, float],
    elected_at: dict[str, int],
    excluded_at: dict[str, int],
    problems: list[str],
) -> None:
    """Check this stage's elected/excluded marks and record them."""
    where = f"Stage {number}"
    continuing = [n for n in names if n not in elected_at and n not in excluded_at]
    for name in rnd.elected:
        if name in excluded_at:
            problems.append(f"{where}: {name} is marked elected but was excluded at stage {excluded_at[name]}.")
        elif name in elected_at:
            problems.append(f"{where}: {name} is marked elected again (already elected at stage {elected_at[name]}).")
        elif name in rnd.excluded:
            problems.append(f"{where}: {name} is marked both elected and excluded.")
    for name in rnd.excluded:
        if name in excluded_at:
            problems.append(
                f"{where}: {name} is marked excluded again (already excluded at stage {excluded_at[name]})."
            )
        elif name in elected_at:
            problems.append(f"{where}: {name} is marked excluded but was elected at stage {elected_at[name]}.")

    # The excluded must be the lowest of those still in the count (bulk exclusions: all of them lowest).
    newly_excluded = [n for n in rnd.excluded if n in continuing and n not in rnd.elected]
    staying = [n for n in continuing if n not in rnd.excluded and n not in rnd.elected and n in votes]
    if newly_excluded and staying:
        lowest_staying = min(staying, key=lambda n: votes[n])
        for name in newly_excluded:
            if votes.get(name, 0.0) > votes[lowest_staying] + TOLERANCE:
                problems.append(
                    f"{where}: {name} is excluded with {_fmt(votes.get(name, 0.0))} votes while "
                    f"{lowest_staying} stays in with fewer ({_fmt(votes[lowest_staying])})."
                )

    for name in rnd.elected:
        if name not in excluded_at:
            elected_at.setdefault(name, number)
    for name in rnd.excluded:
        if name not in elected_at:
            excluded_at.setdefault(name, number)


def _fmt(v: float) -> str:
    """Votes for messages: whole numbers with separators, fractions to 2 dp."""
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"
