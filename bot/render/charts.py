"""Bar charts as PNG bytes (matplotlib, Agg), drawn in a worker thread and cached per data version.

Charts are drawn on a neutral mid-grey card with white text so they read the same in Discord's
dark and light themes and on a phone. Drawing uses the object API (`Figure` + Agg canvas), never
`pyplot`, so charts can be drawn safely from worker threads.
"""

from __future__ import annotations

import asyncio
import io
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.render.common import ChartImage

CARD = "#5c636e"  # neutral mid-grey: distinct from both Discord themes, white text stays readable
GRID = "#7c838e"
TEXT = "#ffffff"
MUTED = "#d7dbe0"
DEFAULT_BAR = "#c9ced6"
ACCENT = "#ffd166"
MAX_BARS = 25


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label, value, colour (`#RRGGBB` or None) and whether to mark it (qualified/elected)."""

    label: str
    value: float
    colour: str | None = None
    marked: bool = False


def _short(label: str, width: int = 26) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def _fmt(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    xlabel: str,
    line: float | None = None,
    line_label: str = "",
    mark_label: str = "✓",
) -> bytes:
    """A horizontal bar chart (largest first, at most 25 bars) as PNG bytes; `line` draws a dashed marker."""
    shown = list(bars)[:MAX_BARS]
    height = 1.6 + 0.42 * max(1, len(shown))
    fig = Figure(figsize=(8, height), dpi=110, facecolor=CARD)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_facecolor(CARD)
    labels = [_short(b.label) for b in reversed(shown)]
    values = [b.value for b in reversed(shown)]
    colours = [b.colour or DEFAULT_BAR for b in reversed(shown)]
    positions = range(len(shown))
    ax.barh(list(positions), values, color=colours, edgecolor=TEXT, linewidth=0.8, height=0.7)
    top = max([*values, line or 0, 1])
    for pos, bar in zip(positions, reversed(shown), strict=True):
        text = _fmt(bar.value) + (f"  {mark_label}" if bar.marked else "")
        ax.text(
            bar.value + top * 0.01,
            pos,
            text,
            va="center",
            ha="left",
            color=TEXT,
            fontsize=10,
            fontweight="bold" if bar.marked else "normal",
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
    ax.set_yticks(list(positions), labels, color=TEXT, fontsize=10.5)
    ax.set_xlim(0, top * 1.18)
    ax.set_ylim(-0.6, len(shown) - 0.4 + (0.6 if line is not None else 0))
    ax.tick_params(axis="x", colors=MUTED, labelsize=9)
    ax.tick_params(axis="y", length=0)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _p: f"{int(v):,}"))
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(MUTED)
    ax.set_xlabel(xlabel, color=MUTED, fontsize=10)
    ax.set_title(title, color=TEXT, fontsize=13, fontweight="bold", loc="left")
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", facecolor=CARD)
    return out.getvalue()


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


def draw_chart(spec: ChartSpec) -> ChartImage:
    """Draw a chart spec to PNG (blocking: call it through `ChartCache.get` or `asyncio.to_thread`)."""
    data = bar_chart(
        spec.bars,
        title=spec.title,
        xlabel=spec.xlabel,
        line=spec.line,
        line_label=spec.line_label,
        mark_label=spec.mark_label,
    )
    return ChartImage(spec.filename, data, spec.description)


class ChartCache:
    """Charts keyed by (guild, election, data version, kind): each is drawn once, in a worker thread."""

    def __init__(self, max_entries: int = 64) -> None:
        self.max_entries = max_entries
        self._done: OrderedDict[Hashable, ChartImage] = OrderedDict()
        self._pending: dict[Hashable, asyncio.Future[ChartImage]] = {}
        self.renders = 0

    async def chart(self, key: Hashable, spec: ChartSpec | None) -> ChartImage | None:
        """The chart for `spec` under `key` (None when there is nothing to draw)."""
        if spec is None:
            return None
        return await self.get(key, lambda: draw_chart(spec))

    async def get(self, key: Hashable, draw: Callable[[], ChartImage]) -> ChartImage:
        """The cached chart for `key`, drawing it with `draw()` in a thread on a miss (concurrent misses share)."""
        if key in self._done:
            self._done.move_to_end(key)
            return self._done[key]
        if key in self._pending:
            return await asyncio.shield(self._pending[key])
        future: asyncio.Future[ChartImage] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            chart = await asyncio.to_thread(draw)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved so an unawaited failure is not logged twice
            raise
        finally:
            self._pending.pop(key, None)
        self.renders += 1
        future.set_result(chart)
        self._done[key] = chart
        while len(self._done) > self.max_entries:
            self._done.popitem(last=False)
        return chart
