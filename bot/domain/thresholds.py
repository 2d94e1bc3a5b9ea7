"""Nomination thresholds: how many bodies a candidate needs, and how far along they are."""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from decimal import Decimal
from fractions import Fraction

from bot.domain.models import Nomination, Threshold


def required_nominations(threshold: Threshold | None, eligible_bodies: int | None) -> int | None:
    """Nominations needed to reach the ballot, or None when it can't be known.

    Count form: the value itself. Percent form: ceil(pct/100 × eligible) — "5% of 640 CLPs" is 32,
    "5% of 641" is 33, since a part-nomination doesn't exist. None when there is no threshold or a
    percentage has no eligible-body count to apply to.
    """
    if threshold is None:
        return None
    if not threshold.percent:
        return math.ceil(threshold.value)
    if eligible_bodies is None:
        return None
    # Exact arithmetic: float 5/100*640 is 32.00000000000001, which would ceil to 33.
    exact = Fraction(Decimal(str(threshold.value))) * eligible_bodies / 100
    return math.ceil(exact)


def has_qualified(count: int, threshold: Threshold | None, eligible_bodies: int | None) -> bool | None:
    """True/False whether `count` nominations meet the threshold; None when the target is unknown."""
    required = required_nominations(threshold, eligible_bodies)
    if required is None:
        return None
    return count >= required


def progress_fraction(count: int, required: int | None) -> float | None:
    """Share of the target reached, capped to 0..1; None when the target is unknown.

    A target of 0 counts as met (1.0).
    """
    if required is None:
        return None
    if required <= 0:
        return 1.0
    return min(1.0, max(0.0, count / required))


def nomination_counts(nominations: Iterable[Nomination]) -> dict[str, int]:
    """Distinct nominating bodies per candidate (a body nominating twice counts once)."""
    bodies: dict[str, set[str]] = {}
    for n in nominations:
        bodies.setdefault(n.candidate, set()).add(n.body)
    return {candidate: len(names) for candidate, names in bodies.items()}


def bodies_reported(
    nominations: Iterable[Nomination], eligible_bodies: Collection[str] | None = None
) -> frozenset[str]:
    """Names of bodies that have made at least one nomination.

    When `eligible_bodies` (body names) is given, bodies outside it are ignored, so a stray entry
    can't push "reported" above the eligible total.
    """
    reported = {n.body for n in nominations}
    if eligible_bodies is not None:
        reported &= set(eligible_bodies)
    return frozenset(reported)
