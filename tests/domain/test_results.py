"""Result summaries: ranking, ties, margins, shares, slates, turnout — anchored on Labour's NEC, January 2018."""

from __future__ import annotations

import pytest

from bot.domain.models import ElectionResult, ResultRound, VotingSystem
from bot.domain.results import Winners, check_votes, restates_the_count, summarise_result
from bot.domain.validation import ValidationError

CLGA = "Centre Left Grassroots Alliance"
CENTRE = "Progress/Labour First"

NEC_2018 = {
    "Yasmine Dar": 68_388,
    "Jon Lansman": 65_163,
    "Rachel Garnham": 62_982,
    "Eddie Izzard": 39_508,
    "Johanna Baxter": 27_234,
    "Gurinder Singh Josan": 25_224,
    "Nick Donovan": 11_944,
    "Nicola Morrison": 7_551,
    "Sarah Taylor": 7_011,
}
SLATE_OF = {
    "Yasmine Dar": CLGA,
    "Jon Lansman": CLGA,
    "Rachel Garnham": CLGA,
    "Eddie Izzard": CENTRE,
    "Johanna Baxter": CENTRE,
    "Gurinder Singh Josan": CENTRE,
}


def result(votes: dict[str, float], **kwargs) -> ElectionResult:
    return ElectionResult(rounds=[ResultRound(votes=dict(votes))], **kwargs)


@pytest.fixture
def nec():
    return summarise_result(result(NEC_2018), seats=3, slate_of=SLATE_OF)


def test_nec_ranking_and_elected(nec) -> None:
    assert [r.name for r in nec.ranking] == list(NEC_2018)
    assert [r.position for r in nec.ranking] == list(range(1, 10))
    assert nec.elected == ("Yasmine Dar", "Jon Lansman", "Rachel Garnham")
    assert nec.tie_at_last_seat == () and nec.seats_undecided == 0


def test_nec_gaps_and_margin(nec) -> None:
    assert nec.gap("Yasmine Dar", "Jon Lansman") == 3_225
    assert nec.ranking[1].behind_previous == 3_225
    assert nec.ranking[0].behind_previous is None
    m = nec.margin
    assert (m.last_elected, m.runner_up) == ("Rachel Garnham", "Eddie Izzard")
    assert m.votes == 23_474
    assert round(m.percent_of_last, 1) == 37.3  # LabourList: "more than 23,000 votes, some 37.2 per cent"
    with pytest.raises(KeyError):
        nec.gap("Yasmine Dar", "Nobody")


def test_nec_shares_and_slates(nec) -> None:
    assert nec.total_votes == 315_005
    assert nec.ranking[0].share == pytest.approx(68_388 / 315_005)
    assert sum(r.share for r in nec.ranking) == pytest.approx(1.0)
    assert nec.ranking[0].ballot_share is None  # valid ballots not given
    left, centre, independents = nec.slates
    assert (left.slate, left.votes, left.seats) == (CLGA, 196_533, 3)
    assert left.share == pytest.approx(0.6239, abs=1e-4)
    assert left.candidates == ("Yasmine Dar", "Jon Lansman", "Rachel Garnham")
    assert (centre.slate, centre.votes, centre.seats) == (CENTRE, 91_966, 0)
    assert centre.share == pytest.approx(0.2920, abs=1e-4)
    assert (independents.slate, independents.votes, independents.seats) == (None, 26_506, 0)
    assert independents.candidates == ("Nick Donovan", "Nicola Morrison", "Sarah Taylor")
    assert nec.turnout is None


def test_bloc_ballot_share_and_turnout() -> None:
    # Each bloc ballot carries up to 3 votes, so ballot shares may add up to 300%.
    s = summarise_result(
        result({"A": 90, "B": 80, "C": 70, "D": 30}, valid_ballots=100, invalid_ballots=4),
        seats=3,
        electorate=400,
    )
    assert s.ranking[0].ballot_share == pytest.approx(0.9)
    assert sum(r.ballot_share for r in s.ranking) == pytest.approx(2.7)
    assert s.ranking[0].share == pytest.approx(90 / 270)
    assert s.ballots_cast == 104
    assert s.turnout == pytest.approx(0.26)


def test_turnout_without_invalid_and_zero_electorate() -> None:
    assert summarise_result(result({"A": 1}, valid_ballots=50), 1, electorate=200).turnout == 0.25
    assert summarise_result(result({"A": 1}, valid_ballots=50), 1, electorate=0).turnout is None


def test_tie_at_last_seat_is_not_broken() -> None:
    s = summarise_result(result({"Ann": 10, "Bob": 8, "Cat": 8, "Dan": 5}), seats=2)
    assert s.elected == ("Ann",)
    assert s.tie_at_last_seat == ("Bob", "Cat")
    assert s.seats_undecided == 1
    assert [r.position for r in s.ranking] == [1, 2, 2, 4]
    assert not s.candidate("Bob").elected and s.candidate("Bob").tied
    assert s.margin is None


def test_three_way_tie_for_two_seats() -> None:
    s = summarise_result(result({"Ann": 9, "Bob": 7, "Cat": 7, "Dan": 7}), seats=3)
    assert s.elected == ("Ann",)
    assert s.tie_at_last_seat == ("Bob", "Cat", "Dan")
    assert s.seats_undecided == 2


def test_tie_above_last_seat_is_fine() -> None:
    s = summarise_result(result({"Ann": 10, "Bob": 10, "Cat": 8, "Dan": 5}), seats=3)
    assert s.elected == ("Ann", "Bob", "Cat")
    assert s.tie_at_last_seat == ()
    assert s.margin.votes == 3 and s.margin.percent_of_last == pytest.approx(37.5)


def test_all_zero_votes_is_a_tie_with_no_shares() -> None:
    s = summarise_result(result({"Ann": 0, "Bob": 0, "Cat": 0}), seats=1)
    assert s.elected == ()
    assert s.tie_at_last_seat == ("Ann", "Bob", "Cat")
    assert all(r.share is None for r in s.ranking)
    assert s.slates[0].share is None


def test_fewer_candidates_than_seats_all_elected() -> None:
    s = summarise_result(result({"Ann": 5, "Bob": 3}), seats=3)
    assert s.elected == ("Ann", "Bob")
    assert s.margin is None and s.seats_undecided == 0


def test_marks_are_a_declared_set() -> None:
    # e.g. a gender-balance rule elects the lower-placed candidate: declared, and the margin says so
    # with a positive figure (never a negative margin).
    rnd = ResultRound(votes={"Ann": 10, "Bob": 8, "Cat": 7}, elected=["Ann", "Cat"])
    s = summarise_result(ElectionResult(rounds=[rnd]), seats=2)
    assert s.elected == ("Ann", "Cat") and s.winners is Winners.DECLARED and s.declared_differs
    assert s.margin.last_elected == "Cat" and s.margin.runner_up == "Bob" and s.margin.votes == 1
    assert s.margin.declared_behind


def test_marks_that_restate_the_count_are_computed() -> None:
    rnd = ResultRound(votes={"Ann": 10, "Bob": 8, "Cat": 7}, elected=["Ann", "Bob"])
    s = summarise_result(ElectionResult(rounds=[rnd]), seats=2)
    assert s.winners is Winners.COMPUTED and not s.declared_differs and s.elected == ("Ann", "Bob")
    assert restates_the_count(rnd, 2) and not restates_the_count(ResultRound(votes=rnd.votes, elected=["Ann"]), 2)
    # a tie at the cut left open restates the count; settling it (by lot) is a declaration
    tie = {"Ann": 10, "Bob": 8, "Cat": 8}
    assert restates_the_count(ResultRound(votes=tie, elected=["Ann"]), 2)
    assert not restates_the_count(ResultRound(votes=tie, elected=["Ann", "Cat"]), 2)
    lot = summarise_result(ElectionResult(rounds=[ResultRound(votes=tie, elected=["Ann", "Cat"])]), seats=2)
    assert lot.winners is Winners.DECLARED and lot.elected == ("Ann", "Cat") and lot.tie_at_last_seat == ()


def test_whole_votes_outside_stv() -> None:
    check_votes(VotingSystem.STV, 1.842)
    check_votes(VotingSystem.BLOC, 1842.0)
    with pytest.raises(ValidationError, match="did you mean 1842"):
        check_votes(VotingSystem.BLOC, 1.842)
    with pytest.raises(ValidationError, match="whole number") as caught:
        check_votes(VotingSystem.FPTP, 2.5)
    assert "did you mean" not in caught.value.message


def test_name_breaks_display_order_not_ties() -> None:
    s = summarise_result(result({"bob": 4, "Adam": 4, "Cy": 9}), seats=1)
    assert [r.name for r in s.ranking] == ["Cy", "Adam", "bob"]
    assert s.elected == ("Cy",)


def test_empty_result() -> None:
    s = summarise_result(ElectionResult(valid_ballots=10), seats=3, electorate=20)
    assert s.ranking == () and s.elected == () and s.slates == ()
    assert s.margin is None and s.total_votes == 0
    assert s.turnout == 0.5
    assert summarise_result(ElectionResult(rounds=[ResultRound(votes={})]), seats=1).ranking == ()


def test_seats_must_be_positive() -> None:
    with pytest.raises(ValueError):
        summarise_result(result({"A": 1}), seats=0)


def test_stv_uses_marks_across_stages() -> None:
    rounds = [
        ResultRound(votes={"Ann": 40, "Bob": 25, "Cat": 20, "Dan": 15}, elected=["Ann"]),
        ResultRound(votes={"Ann": 34, "Bob": 28, "Cat": 22, "Dan": 16}, excluded=["Dan"]),
        ResultRound(votes={"Ann": 34, "Bob": 36, "Cat": 28}, elected=["Bob"]),
    ]
    s = summarise_result(ElectionResult(rounds=rounds, valid_ballots=100), seats=2, slate_of={"Bob": "Left"})
    assert s.elected == ("Ann", "Bob")
    assert [r.name for r in s.ranking] == ["Ann", "Bob", "Cat", "Dan"]
    assert s.candidate("Dan").votes == 16  # total when excluded
    assert s.candidate("Bob").votes == 36
    assert s.candidate("Ann").share == pytest.approx(0.40)  # first preferences
    assert s.margin.runner_up == "Cat"
    assert s.slates[0].slate is None and s.slates[0].votes == 75 and s.slates[0].seats == 1
    assert s.slates[1].slate == "Left" and s.slates[1].seats == 1


def test_explicit_system_overrides_inference() -> None:
    rounds = [ResultRound(votes={"A": 5, "B": 3}), ResultRound(votes={"A": 4, "B": 6})]
    assert summarise_result(ElectionResult(rounds=rounds), 1, system=VotingSystem.FPTP).elected == ("B",)
