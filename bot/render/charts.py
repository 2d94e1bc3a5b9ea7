"""Charts as PNG bytes (matplotlib, Agg), drawn in a worker thread and cached per data version.

Charts are drawn on a neutral dark-grey card with a mid-grey border, so they read the same in
Discord's dark (#313338) and light (#FFFFFF) themes and on a phone: every text colour has at least
WCAG AA contrast (4.5:1) against the card, and the border at least 3:1 against both themes' backgrounds
(`tests/render/test_charts.py` checks the figures). Drawing uses the object API (`Figure` + Agg
canvas), never `pyplot`, so charts can be drawn safely from worker threads.
"""

from __future__ import annotations

import asyncio
import io
import textwrap
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import matplotlib
import matplotlib.dates
import matplotlib.ticker

matplotlib.use("Agg")
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from bot.cache import Cache
from bot.render.common import ChartImage

# Names, titles and slates are stored text: "$…$" in them is dollars, never a formula (mathtext
# would draw it as maths, or fail on it and take the whole reply down).
matplotlib.rcParams["text.parse_math"] = False

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
TITLE_WIDTH = 60
DPI = 110


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


def _fmt(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def bar_text(bar: Bar, mark_label: str = "✓") -> str:
    """What is written after a bar: its figure, the mark, the tie and the note."""
    parts = [_fmt(bar.value)]
    if bar.marked:
        parts.append(mark_label)
    if bar.tied:
        parts.append("⚖ tied")
    if bar.note:
        parts.append(bar.note)
    return "  ".join(parts)


def _card(fig: Figure) -> None:
    """The border that keeps the card's edge visible on both themes."""
    fig.patches.append(
        Rectangle((0, 0), 1, 1, transform=fig.transFigure, figure=fig, fill=False, edgecolor=BORDER, linewidth=4)
    )


def _title(fig: Figure, text: str, height: float) -> float:
    """The title from the card's left edge (not the plot's), so a long one wraps instead of running off.

    Returns the top of the room left for the plot (a figure fraction). A plain figure text with its
    room reserved here, rather than `suptitle`, spares `tight_layout` a second pass.
    """
    lines = text.count("\n") + 1
    fig.text(0.02, 1 - 0.12 / height, text, ha="left", va="top", color=TEXT, fontsize=13, fontweight="bold")
    return 1 - (0.2 + 0.24 * lines) / height


def _finish(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", facecolor=CARD)
    return out.getvalue()


def _legend(fig: Figure, legend: Sequence[tuple[str, str]]) -> None:
    handles = [Patch(facecolor=colour, edgecolor=TEXT, linewidth=0.8, label=wrap(name, 28)) for name, colour in legend]
    fig.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.01, 0.005),
        ncol=min(3, len(handles)),
        frameon=False,
        labelcolor=TEXT,
        fontsize=9.5,
        handlelength=1.4,
        columnspacing=1.4,
        title="Slates",
        title_fontsize=9.5,
        alignment="left",
    ).get_title().set_color(MUTED)


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    xlabel: str,
    line: float | None = None,
    line_label: str = "",
    mark_label: str = "✓",
    legend: Sequence[tuple[str, str]] = (),
) -> bytes:
    """A horizontal bar chart (in the order given, at most 25 bars) as PNG bytes.

    Long labels and titles wrap over several lines (never cut); `line` draws a dashed marker;
    `legend` lists (slate name, colour) pairs under the chart.
    """
    shown = list(bars)[:MAX_BARS]
    labels = [wrap(b.label, LABEL_WIDTH) for b in reversed(shown)]
    lines_per_bar = max([label.count("\n") + 1 for label in labels] or [1])
    title_text = wrap(title, TITLE_WIDTH)
    legend_rows = -(-len(legend) // 3) if legend else 0
    legend_lines = max([wrap(name, 28).count("\n") + 1 for name, _ in legend] or [0])
    height = (
        1.3
        + 0.22 * title_text.count("\n")
        + (0.22 + 0.17 * lines_per_bar) * max(1, len(shown))
        + (0.3 + 0.2 * legend_rows * legend_lines if legend else 0)
    )
    fig = Figure(figsize=(8, height), dpi=DPI, facecolor=CARD)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_facecolor(CARD)
    values = [b.value for b in reversed(shown)]
    colours = [b.colour or DEFAULT_BAR for b in reversed(shown)]
    positions = list(range(len(shown)))
    drawn = ax.barh(positions, values, color=colours, edgecolor=TEXT, linewidth=0.8, height=0.7)
    top = max([*values, line or 0, 1])
    texts = [bar_text(b, mark_label) for b in reversed(shown)]
    for pos, bar, text, patch in zip(positions, reversed(shown), texts, drawn, strict=True):
        if bar.tied:
            patch.set_hatch("///")
        ax.text(
            bar.value + top * 0.01,
            pos,
            text,
            va="center",
            ha="left",
            color=ACCENT if bar.tied else TEXT,
            fontsize=10,
            fontweight="bold" if bar.marked or bar.tied else "normal",
        )
    if line is not None:
        ax.axvline(line, color=ACCENT, linestyle="--", linewidth=1.8)
        ax.text(
            line,
            len(shown) - 0.35,
            f" {line_label}",
            color=ACCENT,
            fontsize=10,
            va="bottom",
            ha="left",
            fontweight="bold",
        )
    ax.set_yticks(positions, labels, color=TEXT, fontsize=10.5)
    # Room to the right for the longest figure-and-note, so nothing runs off the plot.
    longest = max([len(t) for t in texts] or [1])
    ax.set_xlim(0, top * (1.05 + min(0.9, 0.016 * longest)))
    ax.set_ylim(-0.6, len(shown) - 0.4 + (0.6 if line is not None else 0))
    ax.tick_params(axis="x", colors=MUTED, labelsize=9)
    ax.tick_params(axis="y", length=0)
    if all(float(v).is_integer() for v in values):  # counts: whole-number ticks only (no "0 0 1 1 2")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _p: _fmt(v)))
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(MUTED)
    ax.set_xlabel(xlabel, color=MUTED, fontsize=10)
    top_room = _title(fig, title_text, height)
    bottom = 0.0
    if legend:
        _legend(fig, legend)
        bottom = (0.3 + 0.2 * legend_rows * legend_lines) / height
    fig.tight_layout(rect=(0, bottom, 1, top_room))
    _card(fig)
    return _finish(fig)


@dataclass(frozen=True, slots=True)
class Series:
    """One line of a chart over time: a label, a colour and the running total on each day."""

    label: str
    colour: str | None
    values: tuple[int, ...]


def line_chart(
    days: Sequence[date],
    series: Sequence[Series],
    *,
    title: str,
    ylabel: str,
    line: float | None = None,
    line_label: str = "",
) -> bytes:
    """Running totals over time as step lines (one per series, told apart by marker too), as PNG bytes."""
    markers = ("o", "s", "^", "D", "v", "P", "X", "*")
    styles = ("-", "--", "-.", ":")
    title_text = wrap(title, TITLE_WIDTH)
    legend_lines = max([wrap(s.label, 28).count("\n") + 1 for s in series] or [1])
    legend_rows = -(-len(series) // 2)
    height = 4.2 + 0.22 * title_text.count("\n") + 0.24 * legend_rows * legend_lines
    fig = Figure(figsize=(8, height), dpi=DPI, facecolor=CARD)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_facecolor(CARD)
    xs = matplotlib.dates.date2num(list(days))  # real dates: a quiet week looks like one
    for i, s in enumerate(series):
        ax.step(
            xs,
            s.values,
            where="post",
            color=s.colour or DEFAULT_BAR,
            linestyle=styles[(i // len(markers)) % len(styles)],
            marker=markers[i % len(markers)],
            markeredgecolor=TEXT,
            markersize=6,
            linewidth=2,
            label=wrap(s.label, 28),
        )
    if line is not None:
        ax.axhline(line, color=ACCENT, linestyle="--", linewidth=1.8)
        ax.text(
            0.01,
            line,
            line_label,
            transform=ax.get_yaxis_transform(),  # x in axes fractions, y in data
            color=ACCENT,
            fontsize=10,
            va="bottom",
            ha="left",
            fontweight="bold",
        )
    ax.xaxis.set_major_locator(matplotlib.dates.AutoDateLocator(minticks=2, maxticks=7))
    ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%-d %b"))
    top = max([max(s.values) for s in series if s.values] + [line or 0, 1])
    ax.set_ylim(0, top * 1.12)
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.tick_params(axis="y", colors=MUTED, labelsize=9)
    ax.tick_params(axis="x", colors=MUTED)
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(MUTED)
    ax.spines["left"].set_color(MUTED)
    ax.set_ylabel(ylabel, color=MUTED, fontsize=10)
    top_room = _title(fig, title_text, height)
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        ncol=2,
        frameon=False,
        labelcolor=TEXT,
        fontsize=9.5,
    )
    fig.tight_layout(rect=(0, 0, 1, top_room))
    _card(fig)
    return _finish(fig)


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
    if isinstance(spec, TimeSpec):
        data = line_chart(
            spec.days, spec.series, title=spec.title, ylabel=spec.ylabel, line=spec.line, line_label=spec.line_label
        )
        return ChartImage(spec.filename, data, spec.description)
    data = bar_chart(
        spec.bars,
        title=spec.title,
        xlabel=spec.xlabel,
        line=spec.line,
        line_label=spec.line_label,
        mark_label=spec.mark_label,
        legend=spec.legend,
    )
    return ChartImage(spec.filename, data, spec.description)


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
