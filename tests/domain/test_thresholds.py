"""Nomination thresholds and progress."""

from __future__ import annotations

import pytest

from bot.domain.models import Nomination, Threshold
from bot.domain.thresholds import (
    bodies_reported,
    has_qualified,
    nomination_counts,
    progress_fraction,
    required_nominations,
)


@pytest.mark.parametrize(
    ("threshold", "eligible", "required"),
    [
        (Threshold(5, percent=True), 640, 32),  # exact: float arithmetic would give 32.000…01 → 33
        (Threshold(5, percent=True), 641, 33),  # 32.05 → 33: no part-nominations
        (Threshold(5, percent=True), 0, 0),
        (Threshold(10, percent=True), 100, 10),
        (Threshold(0.7, percent=True), 1000, 7),
        (Threshold(33.3, percent=True), 3, 1),
        (Threshold(100, percent=True), 7, 7),
        (Threshold(35), None, 35),
        (Threshold(35), 10, 35),  # a count doesn't depend on the eligible total
        (Threshold(5, percent=True), None, None),
        (None, 600, None),
    ],
)
def test_required_nominations(threshold: Threshold | None, eligible: int | None, required: int | None) -> None:
    assert required_nominations(threshold, eligible) == required


def test_has_qualified() -> None:
    t = Threshold(5, percent=True)
    assert has_qualified(32, t, 640) is True
    assert has_qualified(31, t, 640) is False
    assert has_qualified(32, t, 641) is False
    assert has_qualified(32, t, None) is None
    assert has_qualified(3, None, 10) is None


def test_progress_fraction() -> None:
    assert progress_fraction(16, 32) == 0.5
    assert progress_fraction(40, 32) == 1.0
    assert progress_fraction(-1, 32) == 0.0
    assert progress_fraction(0, 0) == 1.0
    assert progress_fraction(3, None) is None


NOMS = [
    Nomination("Islington North", "Jon Lansman"),
    Nomination("Islington North", "Yasmine Dar"),
    Nomination("Hackney South", "Eddie Izzard"),
    Nomination("Hackney South", "Eddie Izzard"),  # duplicate entry counts once
    Nomination("Stray Branch", "Eddie Izzard"),
]


def test_bodies_reported() -> None:
    assert bodies_reported(NOMS) == {"Islington North", "Hackney South", "Stray Branch"}
    assert bodies_reported(NOMS, ["Islington North", "Hackney South", "Leeds East"]) == {
        "Islington North",
        "Hackney South",
    }
    assert bodies_reported([]) == frozenset()


def test_nomination_counts() -> None:
    assert nomination_counts(NOMS) == {"Jon Lansman": 1, "Yasmine Dar": 1, "Eddie Izzard": 2}
