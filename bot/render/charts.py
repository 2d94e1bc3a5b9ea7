"""Charts as PNG bytes, drawn in a worker thread and cached per data version.

This module holds what a chart is (`ChartSpec`, `TimeSpec`, `Bar`, `Series`: cheap to build on the
event loop), its colours and the cache; the drawing itself is `bot.render.chartdraw` (Pillow), imported
on the first chart drawn rather than at start-up.

Charts are drawn on a neutral dark-grey card with a mid-grey border, so they read the same in
Discord's dark (#313338) and light (#FFFFFF) themes and on a phone: every text colour has at least
WCAG AA contrast (4.5:1) against the card, and the border at least 3:1 against both themes' backgrounds
(`tests/render/test_charts.py` checks the figures).
"""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.cache import Cache
from bot.render.common import ChartImage

if TYPE_CHECKING:  # drawn by chartdraw, loaded on the first chart: see `__getattr__` below
    from bot.render.chartdraw import bar_chart as bar_chart
    from bot.render.chartdraw import line_chart as line_chart

DISCORD_DARK = "#313338"  # the message background of Discord's dark theme
DISCORD_LIGHT = "#ffffff"  # ... and of its light theme
CARD = "#454a53"  # dark neutral grey: white and pale text reach 4.5:1 or more on it
BORDER = "#8a919b"  # the card's edge: 3:1 or more against both themes' backgrounds
GRID = "#646a74"
TEXT = "#ffffff"
MUTED = "#d7dbe0"
DEFAULT_BAR = "#c9ced6"  # candidates without a slate
ACCENT = "#ffd166"  # the threshold line and ties
MAX_BARS = 25
LABEL_WIDTH = 24  # characters per line of a bar's label before it wraps


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of `#RRGGBB` (0 black … 1 white)."""
    value = colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio between two `#RRGGBB` colours (1 … 21)."""
    low, high = sorted((relative_luminance(first), relative_luminance(second)))
    return (high + 0.05) / (low + 0.05)


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label, value, colour (`#RRGGBB` or None), whether to mark it, a note after the figure.

    `marked` (qualified/elected) draws the figure bold with the chart's mark; `tied` hatches the bar
    and says "tied" so a tie reads without colour; `note` (e.g. "stage 3") follows the figure.
    """

    label: str
    value: float
    colour: str | None = None
    marked: bool = False
    tied: bool = False
    note: str = ""


def wrap(text: str, width: int) -> str:
    """`text` over as many lines of at most `width` characters as it needs (never cut short)."""
    return "\n".join(textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=True)) or text


def fmt_number(value: float) -> str:
    """A figure as drawn on a chart: whole numbers with thousands separators, else one decimal."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def bar_text(bar: Bar, mark_label: str = "✓") -> str:
    """What is written after a bar: its figure, the mark, the tie and the note."""
    parts = [fmt_number(bar.value)]
    if bar.marked:
        parts.append(mark_label)
    if bar.tied:
        parts.append("⚖ tied")
    if bar.note:
        parts.append(bar.note)
    return "  ".join(parts)


@dataclass(frozen=True, slots=True)
class Series:
    """One line of a chart over time: a label, a colour and the running total on each day."""

    label: str
    colour: str | None
    values: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """What to draw (cheap to build on the event loop); `draw_chart` turns it into a `ChartImage` in a thread."""

    bars: tuple[Bar, ...]
    title: str
    xlabel: str
    filename: str
    description: str
    line: float | None = None
    line_label: str = ""
    mark_label: str = "✓"
    legend: tuple[tuple[str, str], ...] = ()  # (slate name, colour) under the chart


@dataclass(frozen=True, slots=True)
class TimeSpec:
    """A chart over time (running totals per day); drawn by `draw_chart` like a `ChartSpec`."""

    days: tuple[date, ...]
    series: tuple[Series, ...]
    title: str
    ylabel: str
    filename: str
    description: str
    line: float | None = None
    line_label: str = ""


AnySpec = ChartSpec | TimeSpec


def draw_chart(spec: AnySpec) -> ChartImage:
    """Draw a chart spec to PNG (blocking: call it through `ChartCache.get` or `asyncio.to_thread`)."""
    from bot.render import chartdraw  # Pillow and the fonts load with the first chart, not at start-up

    if isinstance(spec, TimeSpec):
        data = chartdraw.line_chart(
            spec.days, spec.series, title=spec.title, ylabel=spec.ylabel, line=spec.line, line_label=spec.line_label
        )
        return ChartImage(spec.filename, data, spec.description)
    data = chartdraw.bar_chart(
        spec.bars,
        title=spec.title,
        xlabel=spec.xlabel,
        line=spec.line,
        line_label=spec.line_label,
        mark_label=spec.mark_label,
        legend=spec.legend,
    )
    return ChartImage(spec.filename, data, spec.description)


def __getattr__(name: str) -> Any:
    """`bar_chart` and `line_chart` are `bot.render.chartdraw`'s, imported on first use (not at start-up)."""
    if name in ("bar_chart", "line_chart"):
        from bot.render import chartdraw

        return getattr(chartdraw, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def slate_legend(
    pairs: Sequence[tuple[str | None, str | None]], independents: str = "Independent"
) -> tuple[tuple[str, str], ...]:
    """The legend for bars coloured by slate: each (slate name, colour) once, in order; uncoloured as `independents`."""
    seen: dict[str, str] = {}
    plain = False
    for name, colour in pairs:
        if name is None:
            plain = True
            continue
        seen.setdefault(name, colour or DEFAULT_BAR)
    if not seen:
        return ()
    return (*seen.items(), *(((independents, DEFAULT_BAR),) if plain else ()))


class ChartCache:
    """Charts keyed by (guild, election, data version, kind): each is drawn once, in a worker thread.

    A view over a `bot.cache.Cache` (the service container holds the bot's, `Services.charts`):
    concurrent misses share one drawing.
    """

    def __init__(self, images: Cache[Hashable, Any] | None = None, *, max_entries: int = 64) -> None:
        self.images: Cache[Hashable, Any] = images if images is not None else Cache(max_entries)

    @property
    def renders(self) -> int:
        """Charts drawn so far."""
        return self.images.computed

    async def chart(self, key: Hashable, spec: AnySpec | None) -> ChartImage | None:
        """The chart for `spec` under `key` (None when there is nothing to draw)."""
        if spec is None:
            return None
        return await self.get(key, lambda: draw_chart(spec))

    async def get(self, key: Hashable, draw: Callable[[], ChartImage]) -> ChartImage:
        """The cached chart for `key`, drawing it with `draw()` in a thread on a miss (concurrent misses share)."""
        return await self.images.get(key, lambda: asyncio.to_thread(draw))
