"""Phases, milestones and choosing the current election."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.models import Election, Phase, Timeline, VotingSystem
from bot.domain.phase import ballot_is_open, current_election, election_phase, next_milestone


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


TL = Timeline(
    nominations_open=at(2),
    nominations_close=at(9),
    ballot_open=at(16),
    ballot_close=at(23),
    results=at(25),
)


@pytest.mark.parametrize(
    ("now", "published", "phase"),
    [
        (at(1), False, Phase.UPCOMING),
        (at(2), False, Phase.NOMINATIONS),  # boundary: opening instant belongs to the new phase
        (at(8), False, Phase.NOMINATIONS),
        (at(9), False, Phase.BALLOT),  # nominations closed, ballot not yet open: pre-ballot
        (at(12), False, Phase.BALLOT),
        (at(16), False, Phase.BALLOT),
        (at(23), False, Phase.COUNTING),
        (at(28), False, Phase.COUNTING),  # past expected results date but not published
        (at(28), True, Phase.RESULTS),
        (at(1), True, Phase.RESULTS),  # published wins whatever the timeline
    ],
)
def test_phase_through_timeline(now: datetime, published: bool, phase: Phase) -> None:
    assert election_phase(TL, now, results_published=published) is phase


def test_nothing_known_is_upcoming() -> None:
    assert election_phase(Timeline(), at(1)) is Phase.UPCOMING


def test_partial_timeline_uses_latest_passed_milestone() -> None:
    only_ballot = Timeline(ballot_open=at(5), ballot_close=at(10))
    assert election_phase(only_ballot, at(1)) is Phase.UPCOMING
    assert election_phase(only_ballot, at(6)) is Phase.BALLOT
    assert election_phase(only_ballot, at(11)) is Phase.COUNTING
    only_close = Timeline(nominations_close=at(5))
    assert election_phase(only_close, at(1)) is Phase.UPCOMING
    assert election_phase(only_close, at(6)) is Phase.BALLOT


def test_naive_now_rejected() -> None:
    with pytest.raises(ValueError):
        election_phase(TL, datetime(2026, 11, 1))


def test_ballot_is_open() -> None:
    assert not ballot_is_open(TL, at(12))
    assert ballot_is_open(TL, at(16))
    assert ballot_is_open(TL, at(22))
    assert not ballot_is_open(TL, at(23))
    assert not ballot_is_open(Timeline(), at(12))


def test_next_milestone() -> None:
    assert next_milestone(TL, at(1)) == ("Nominations open", at(2))
    assert next_milestone(TL, at(2)) == ("Nominations close", at(9))  # strictly after now
    label, instant = next_milestone(TL, at(24))
    assert (label, instant) == ("Results", at(25))
    assert next_milestone(TL, at(26)) is None
    assert next_milestone(Timeline(), at(1)) is None


def test_next_milestone_same_instant_prefers_timeline_order() -> None:
    tl = Timeline(ballot_open=at(9), nominations_close=at(9))
    assert next_milestone(tl, at(1)).label == "Nominations close"


def election(ident: int, tl: Timeline) -> Election:
    return Election(1, f"e{ident}", f"E{ident}", 3, VotingSystem.BLOC, timeline=tl, id=ident)


def test_current_election_prefers_active_with_earliest_deadline() -> None:
    old = election(1, Timeline(ballot_close=at(1)))
    noms = election(2, Timeline(nominations_open=at(1), nominations_close=at(20)))
    ballot = election(3, Timeline(ballot_open=at(1), ballot_close=at(10)))
    pairs = [(old, Phase.RESULTS), (noms, Phase.NOMINATIONS), (ballot, Phase.BALLOT)]
    assert current_election(pairs) is ballot
    assert current_election(pairs[:2]) is noms


def test_current_election_unknown_deadline_sorts_last() -> None:
    a = election(5, Timeline())
    b = election(6, Timeline(nominations_close=at(20)))
    assert current_election([(a, Phase.NOMINATIONS), (b, Phase.NOMINATIONS)]) is b
    c = election(4, Timeline())
    assert current_election([(a, Phase.NOMINATIONS), (c, Phase.NOMINATIONS)]) is c  # lower id


def test_current_election_falls_back_to_most_recent() -> None:
    older = election(1, Timeline(results=at(1)))
    newer = election(2, Timeline(ballot_close=at(1) + timedelta(days=30)))
    undated = election(3, Timeline())
    assert current_election([(older, Phase.RESULTS), (newer, Phase.COUNTING), (undated, Phase.UPCOMING)]) is newer
    assert current_election([(election(7, Timeline()), Phase.UPCOMING), (undated, Phase.UPCOMING)]).id == 7
    assert current_election([]) is None
