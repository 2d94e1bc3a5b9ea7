"""Progress towards a threshold: text bars for embeds (▰▰▰▰▱▱▱▱▱▱) and nominations over time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

FULL = "▰"
EMPTY = "▱"


def progress_bar(value: float, target: float | None, width: int = 10, full: str = FULL, empty: str = EMPTY) -> str:
    """A bar `width` cells wide showing value/target, capped at full.

    Target None (unknown) gives an empty bar; target 0 or less counts as reached (full bar). Any
    progress shows at least one cell, and the bar is only full once the target is reached, so
    rounding never makes 1 of 40 look like nothing or 39 of 40 look like done.
    """
    if width < 1:
        raise ValueError("width must be at least 1")
    if target is None:
        return empty * width
    if target <= 0 or value >= target:
        return full * width
    if value <= 0:
        return empty * width
    cells = round(value / target * width)
    cells = min(max(cells, 1), width - 1) if width > 1 else 0
    return full * cells + empty * (width - cells)


@dataclass(frozen=True, slots=True)
class NominationsOverTime:
    """Each candidate's running total of dated nominations on each day a nomination was made."""

    days: tuple[date, ...]  # ascending, each day with at least one dated nomination
    totals: Mapping[str, tuple[int, ...]]  # candidate -> running total on each of `days`
    undated: int  # nominations without a date (left out of the totals)


def nominations_over_time(nominations: Mapping[str, Sequence[date | None]]) -> NominationsOverTime | None:
    """Running totals per candidate from each candidate's nomination dates; None with under two dated days.

    A single day (or no dates at all) says nothing about change over time, so no series is made.
    """
    dated = {name: sorted(d for d in days if d is not None) for name, days in nominations.items()}
    all_days = sorted({d for days in dated.values() for d in days})
    if len(all_days) < 2:
        return None
    undated = sum(1 for days in nominations.values() for d in days if d is None)
    totals: dict[str, tuple[int, ...]] = {}
    for name, days in dated.items():
        running, i, out = 0, 0, []
        for day in all_days:
            while i < len(days) and days[i] <= day:
                running, i = running + 1, i + 1
            out.append(running)
        totals[name] = tuple(out)
    return NominationsOverTime(tuple(all_days), totals, undated)
