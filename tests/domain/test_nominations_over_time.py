"""Running totals of nominations by date (#17 part 5)."""

from __future__ import annotations

from datetime import date

from bot.domain.progress import nominations_over_time

D1, D2, D3 = date(2026, 10, 1), date(2026, 10, 3), date(2026, 10, 9)


def test_running_totals_per_candidate_on_each_dated_day() -> None:
    data = nominations_over_time({"Ann": [D3, D1, None], "Ben": [D2], "Cy": []})
    assert data is not None
    assert data.days == (D1, D2, D3)
    assert data.totals == {"Ann": (1, 1, 2), "Ben": (0, 1, 1), "Cy": (0, 0, 0)}
    assert data.undated == 1


def test_no_series_without_two_dated_days() -> None:
    assert nominations_over_time({"Ann": [None, None]}) is None
    assert nominations_over_time({"Ann": [D1, D1], "Ben": [D1]}) is None
    assert nominations_over_time({}) is None
