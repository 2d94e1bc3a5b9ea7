"""STV quota, stage table and stage consistency checks on a five-stage, three-seat count."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from bot.domain.models import ElectionResult, ResultRound
from bot.domain.results import summarise_result
from bot.domain.stv import droop_quota, stage_candidates, stage_table, validate_stages

VALID = 1000  # quota for 3 seats: 251


def count() -> list[ResultRound]:
    return [
        ResultRound({"A": 320, "B": 230, "C": 170, "D": 120, "E": 90, "F": 70}, elected=["A"]),
        # A's surplus of 69 transferred
        ResultRound({"A": 251, "B": 260, "C": 190, "D": 135, "E": 94, "F": 70}, elected=["B"]),
        # B's surplus of 9 transferred; F lowest, excluded
        ResultRound({"A": 251, "B": 251, "C": 194, "D": 139, "E": 95, "F": 70}, excluded=["F"]),
        # F's 70: 62 transfer, 8 exhausted; E now lowest, excluded
        ResultRound({"A": 251, "B": 251, "C": 224, "D": 159, "E": 107}, excluded=["E"]),
        # E's 107: 90 transfer, 17 exhausted; C passes the quota
        ResultRound({"A": 251, "B": 251, "C": 264, "D": 209}, elected=["C"]),
    ]


@pytest.mark.parametrize(
    ("valid", "seats", "quota"),
    [(1000, 3, 251), (1000, 1, 501), (100, 2, 34), (99, 2, 34), (0, 3, 1), (125_000, 3, 31_251)],
)
def test_droop_quota(valid: int, seats: int, quota: int) -> None:
    assert droop_quota(valid, seats) == quota


def test_droop_quota_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        droop_quota(100, 0)
    with pytest.raises(ValueError):
        droop_quota(-1, 1)


def test_stage_table() -> None:
    table = stage_table(count(), valid_ballots=VALID)
    assert [s.number for s in table] == [1, 2, 3, 4, 5]
    assert stage_candidates(count()) == ["A", "B", "C", "D", "E", "F"]
    first, second, _, fourth, fifth = table
    assert first.transfers is None and first.non_transferable == 0 and first.non_transferable_change is None
    assert second.transfers == {"A": -69, "B": 30, "C": 20, "D": 15, "E": 4, "F": 0}
    assert second.elected == ("B",)
    assert fourth.votes["F"] == 0 and fourth.transfers["F"] == -70
    assert fourth.non_transferable == 8 and fourth.non_transferable_change == 8
    assert fifth.total == 975 and fifth.non_transferable == 25 and fifth.non_transferable_change == 17
    assert fifth.elected == ("C",)


def test_stage_table_without_valid_uses_first_stage_total_and_empty() -> None:
    assert stage_table(count())[-1].non_transferable == 25
    assert stage_table([]) == []


def test_consistent_count_has_no_problems() -> None:
    assert validate_stages(count(), seats=3, valid_ballots=VALID) == []
    assert validate_stages(count(), seats=3) == []


def test_summary_of_stv_count() -> None:
    s = summarise_result(ElectionResult(rounds=count(), valid_ballots=VALID), seats=3)
    assert s.elected == ("A", "B", "C")
    assert [r.name for r in s.ranking] == ["A", "B", "C", "D", "E", "F"]
    assert s.candidate("F").votes == 70 and s.candidate("E").votes == 107


def broken(stage: int, **changes) -> list[ResultRound]:
    rounds = copy.deepcopy(count())
    rnd = rounds[stage - 1]
    for key, value in changes.items():
        if key in ("elected", "excluded"):
            rnd = rounds[stage - 1] = dataclasses.replace(rnd, **{key: value})  # rounds are frozen
        else:
            rnd.votes[key] = value
    return rounds


def only(problems: list[str], fragment: str) -> None:
    assert any(fragment in p for p in problems), problems


def test_excluded_candidate_with_later_votes() -> None:
    problems = validate_stages(broken(5, F=12, C=252), seats=3, valid_ballots=VALID)
    only(problems, "Stage 5: F still has 12 votes after being excluded at stage 3.")


def test_continuing_candidate_losing_votes() -> None:
    only(validate_stages(broken(4, D=130), 3), "Stage 4: D lost votes (139 → 130) while still in the count.")


def test_elected_candidate_gaining_votes() -> None:
    only(validate_stages(broken(3, A=260), 3), "Stage 3: A gained votes (251 → 260) after being elected at stage 1.")


def test_total_rising_and_first_stage_mismatch() -> None:
    problems = validate_stages(broken(1, A=330), 3, valid_ballots=VALID)
    only(problems, "Stage 1: first preferences add up to 1,010, not the 1,000 valid ballots.")
    problems = validate_stages(broken(4, C=300), 3)
    only(problems, "Stage 4: total votes rose from 1,000 to 1,068")


def test_missing_continuing_candidate() -> None:
    rounds = count()
    del rounds[3].votes["D"]
    only(validate_stages(rounds, 3), "Stage 4: D has no votes entered though still in the count.")


def test_marks_problems() -> None:
    only(validate_stages(broken(3, elected=["A"], excluded=["F"]), 3), "A is marked elected again")
    only(validate_stages(broken(4, elected=["F"], excluded=["E"]), 3), "F is marked elected but was excluded")
    only(validate_stages(broken(3, excluded=["F", "A"]), 3), "A is marked excluded but was elected at stage 1")
    only(validate_stages(broken(4, excluded=["E", "F"]), 3), "F is marked excluded again")
    only(validate_stages(broken(2, elected=["B", "D"]), 3), "4 candidates are marked elected for 3 seat(s).")
    only(validate_stages(broken(5, elected=[]), 3), "Only 2 of 3 seat(s) are filled")


def test_excluding_someone_who_is_not_lowest() -> None:
    problems = validate_stages(broken(3, excluded=["E"]), 3)
    only(problems, "Stage 3: E is excluded with 95 votes while F stays in with fewer (70).")


def test_bulk_exclusion_of_the_lowest_is_fine() -> None:
    rounds = count()[:3]
    rounds[2] = dataclasses.replace(rounds[2], excluded=["F", "E"])
    rounds.append(ResultRound({"A": 251, "B": 251, "C": 254, "D": 209}, elected=["C"]))
    assert validate_stages(rounds, 3) == []


def test_negative_and_fractional_votes() -> None:
    only(validate_stages(broken(1, F=-1), 3), "Stage 1: F has negative votes (-1).")
    rounds = [
        ResultRound({"A": 60, "B": 25, "C": 15}, elected=["A"]),
        ResultRound({"A": 34.0, "B": 40.33, "C": 25.66}, elected=["B"]),
    ]
    assert validate_stages(rounds, 2, valid_ballots=100) == []  # 0.01 lost to rounding is tolerated
    assert (
        "rose from 100 to 120.16" in validate_stages([rounds[0], ResultRound({"A": 34, "B": 60.5, "C": 25.66})], 1)[0]
    )


def test_no_stages() -> None:
    assert validate_stages([], 3) == ["No stages have been entered."]
