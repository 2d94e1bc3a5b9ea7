"""Slate nomination coverage ("two-thirds of CLPs")."""

from __future__ import annotations

import pytest

from bot.domain.coverage import slate_coverage, slate_members
from bot.domain.models import Candidate, CandidateStatus, Nomination

CLGA = ["Yasmine Dar", "Jon Lansman", "Rachel Garnham"]
CENTRE = ["Eddie Izzard", "Johanna Baxter", "Gurinder Singh Josan"]


def noms(body: str, *candidates: str) -> list[Nomination]:
    return [Nomination(body, c) for c in candidates]


NOMINATIONS = [
    *noms("A", *CLGA),
    *noms("B", *CLGA),
    *noms("C", "Yasmine Dar", "Jon Lansman", "Eddie Izzard"),
    *noms("D", *CENTRE),
    *noms("E", "Eddie Izzard", "Nick Donovan"),
    *noms("F", *CLGA),
]


def test_coverage_any_and_all() -> None:
    left, centre = slate_coverage({"CLGA": CLGA, "Centre-left": CENTRE}, NOMINATIONS)
    assert left.any_bodies == {"A", "B", "C", "F"}
    assert left.all_bodies == {"A", "B", "F"}
    assert left.reported == 6
    assert left.all_share == pytest.approx(0.5)
    assert left.any_share == pytest.approx(4 / 6)
    assert centre.any_bodies == {"C", "D", "E"}
    assert centre.all_bodies == {"D"}
    assert centre.all_count == 1 and centre.any_count == 3


def test_withdrawn_candidate_left_out_counts_partial_bodies_as_full() -> None:
    # If Garnham withdrew, body C (Dar + Lansman) now nominates the whole remaining slate.
    (left,) = slate_coverage({"CLGA": ["Yasmine Dar", "Jon Lansman"]}, NOMINATIONS)
    assert left.all_bodies == {"A", "B", "C", "F"}


def test_reported_override_and_empty() -> None:
    (left,) = slate_coverage({"CLGA": CLGA}, NOMINATIONS, reported=9)
    assert left.all_share == pytest.approx(3 / 9)
    (none,) = slate_coverage({"CLGA": CLGA}, [])
    assert none.reported == 0 and none.any_share is None and none.all_share is None
    (empty,) = slate_coverage({"Empty": []}, NOMINATIONS)
    assert empty.all_bodies == frozenset() and empty.any_bodies == frozenset()


def test_slate_members_skips_withdrawn_and_independents() -> None:
    candidates = [
        Candidate("Yasmine Dar", slate="CLGA"),
        Candidate("Jon Lansman", slate="CLGA", status=CandidateStatus.WITHDRAWN),
        Candidate("Nick Donovan"),
        Candidate("Eddie Izzard", slate="Centre-left"),
    ]
    assert slate_members(candidates) == {"CLGA": ["Yasmine Dar"], "Centre-left": ["Eddie Izzard"]}
