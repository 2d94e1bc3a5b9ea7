"""A result record as the file gives it → as it is stored: computed vs declared winners, whole votes.

Bloc/FPTP winners are either *computed* (the top `seats` of the final round; no elected marks are
stored, so every later change recomputes them) or *declared* (an official declaration that differs
from the count, e.g. under a quota rule; stored as the final round's elected marks). A file says
which with `winners`; without it, marks that differ from the count are a declaration and marks that
restate it are dropped. STV winners always come from the count stages' marks.

Votes in bloc/FPTP are whole numbers: a fraction (often a spreadsheet's thousands separator read as
a decimal point, `1.842`) is refused where it was written, with a did-you-mean.
"""

from __future__ import annotations

from typing import Any, Final

from bot.domain.models import ResultRound, VotingSystem
from bot.domain.results import Winners, check_votes, computed_winners, restates_the_count
from bot.domain.validation import ValidationError
from bot.packs.issues import PackIssue
from bot.packs.model import Row
from bot.packs.state import Record

WINNERS: Final = tuple(w.value for w in Winners)


def settle_result(record: Record, row: Row[str], election: Record | None, issues: list[PackIssue]) -> Record:
    """`record` (the stored result with the file's fields laid over it) in storage form.

    `election` is the wanted election record (None when the pack refers to one it can't see yet:
    then only the `winners` word is dropped and the server-side import settles the rest).
    """
    record = dict(record)
    winners = record.pop("winners", None)
    if election is None:
        return record
    system = VotingSystem(election["voting_system"])
    seats = int(election["seats"])
    if "rounds" in row.data:
        _check_whole(row, system, issues)
    if system is VotingSystem.STV:
        if winners == Winners.DECLARED:
            issues.append(
                row.loc.issue(
                    "winners",
                    'must be "computed" for an STV count: its winners are the candidates marked elected in its stages',
                )
            )
        return record
    rounds = record.get("rounds") or []
    if not rounds:
        if winners == Winners.DECLARED:
            issues.append(row.loc.issue("winners", 'is "declared" but no votes are given to declare winners from'))
        return record
    final = rounds[-1]
    marked = list(final["elected"])
    counted = ResultRound(votes=dict(final["votes"]), elected=marked)
    if winners is None:
        if "rounds" not in row.data:
            return record  # the file says nothing about winners: keep what is stored
        winners = Winners.DECLARED if marked and not restates_the_count(counted, seats) else Winners.COMPUTED
    if winners == Winners.COMPUTED:
        if marked and not restates_the_count(counted, seats):
            top, tied = computed_winners(counted.votes, seats)
            count_says = ", ".join(sorted(top)) or "nobody"
            if tied:
                count_says += f" (with {', '.join(sorted(tied))} tied for the last seat)"
            issues.append(
                row.loc.issue(
                    "winners",
                    f'is "computed", but the candidates marked elected ({", ".join(sorted(marked))}) are not the '
                    f'top {seats} by votes ({count_says}); write "declared" if an official declaration differs '
                    "from the count",
                )
            )
            return record
        record["rounds"] = [_unmarked(rnd) for rnd in rounds]
        return record
    # declared
    if not marked:
        issues.append(row.loc.issue("winners", 'is "declared" but nobody is marked elected in the final round'))
    elif restates_the_count(counted, seats):  # the same as computing them: stored (and exported) as computed
        record["rounds"] = [_unmarked(rnd) for rnd in rounds]
    return record


def export_winners(record: Record, election: Record) -> tuple[str, list[str]]:
    """The `winners` word for an exported result and the final round's elected names to write.

    A computed bloc/FPTP result has no stored marks; the export writes the count's elected set so
    the file reads fully, and importing it again changes nothing.
    """
    system = VotingSystem(election["voting_system"])
    rounds = record.get("rounds") or []
    if system is VotingSystem.STV or not rounds:
        return Winners.COMPUTED.value, list(rounds[-1]["elected"]) if rounds else []
    final = rounds[-1]
    if final["elected"]:
        return Winners.DECLARED.value, list(final["elected"])
    top, _ = computed_winners(final["votes"], int(election["seats"]))  # a tie at the cut stays unmarked
    return Winners.COMPUTED.value, sorted(top)


def _unmarked(rnd: dict[str, Any]) -> dict[str, Any]:
    return rnd if not rnd["elected"] else {**rnd, "elected": []}


def _check_whole(row: Row[str], system: VotingSystem, issues: list[PackIssue]) -> None:
    for index, rnd in enumerate(row.data["rounds"]):
        for written, votes in rnd["votes"].items():
            try:
                check_votes(system, votes)
            except ValidationError as exc:
                loc, field = (row.refs or {}).get((index, written), (row.loc, "rounds"))
                if field == "candidate":  # a CSV row: the figure is in its votes column
                    field = "votes"
                issues.append(loc.issue(field, exc.message))
