"""Text progress bars for embeds, e.g. nominations towards a threshold: ▰▰▰▰▱▱▱▱▱▱."""

from __future__ import annotations

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
