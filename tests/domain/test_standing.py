"""A candidate's standing from stored status, phase and result (issue #12 item 5), and publish checks (item 4)."""

from __future__ import annotations

import pytest

from bot.domain.models import CandidateStatus, ElectionResult, Phase, ResultRound
from bot.domain.results import incomplete_parts, summarise_result
from bot.domain.standing import DID_NOT_QUALIFY, NOT_ON_BALLOT, candidate_standing, expected_on_ballot

SEEKING = CandidateStatus.SEEKING


@pytest.mark.parametrize(
    ("stored", "phase", "qualified", "shown", "expected"),
    [
        (SEEKING, Phase.NOMINATIONS, False, False, "seeking nominations"),
        (SEEKING, Phase.BALLOT, False, False, DID_NOT_QUALIFY),
        (SEEKING, Phase.COUNTING, True, False, "on ballot"),
        (SEEKING, Phase.RESULTS, False, True, DID_NOT_QUALIFY),
        (SEEKING, Phase.RESULTS, None, True, NOT_ON_BALLOT),
        (SEEKING, Phase.BALLOT, None, False, "on ballot"),
        (CandidateStatus.WITHDRAWN, Phase.RESULTS, False, True, "withdrawn"),
        (CandidateStatus.ON_BALLOT, Phase.BALLOT, False, False, "on ballot"),  # a moderator's word stands
        (CandidateStatus.ELECTED, Phase.COUNTING, True, False, "on ballot"),  # no spoilers before publication
    ],
)
def test_standing(stored, phase, qualified, shown, expected) -> None:
    assert candidate_standing(stored, phase=phase, qualified=qualified, ranked=None, result_shown=shown) == expected


def test_expected_on_ballot() -> None:
    assert expected_on_ballot(SEEKING, None) and expected_on_ballot(SEEKING, True)
    assert not expected_on_ballot(SEEKING, False) and not expected_on_ballot(CandidateStatus.WITHDRAWN, True)
    assert expected_on_ballot(CandidateStatus.ON_BALLOT, False)


def test_incomplete_parts() -> None:
    full = summarise_result(ElectionResult(rounds=[ResultRound(votes={"A": 5, "B": 3})], valid_ballots=8), 1, None, 10)
    assert incomplete_parts(full, ["A", "B"], 10) == []
    thin = summarise_result(ElectionResult(rounds=[ResultRound(votes={"A": 5})], valid_ballots=12), 3, None, 10)
    assert incomplete_parts(thin, ["A", "B", "C"], 10) == [
        "2 candidates on the ballot have no votes: B, C.",
        "Only 1 of 3 seats is filled.",
        "Turnout is 120%: 12 ballots for an electorate of 10.",
    ]
    tie = summarise_result(ElectionResult(rounds=[ResultRound(votes={"A": 5, "B": 5})]), 1)
    assert incomplete_parts(tie, ["A", "B"], None) == []  # a tie explains the empty seat
