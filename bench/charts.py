"""Table 7 — a chart drawn from scratch: CPU per chart, PNG size, and thread against worker process.

Draws the bot's chart kinds at results-night sizes (25 bars with slate colours, a legend, ties and a
threshold; a slate chart; nominations over 40 days for 5 candidates) in this process, timing CPU
(`time.process_time`, so a busy machine does not inflate it), then the same draw in a worker thread
and in a worker process to show what each costs the event loop's thread.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta

from bench.report import Table, verdict
from bot.render.charts import AnySpec, Bar, ChartSpec, Series, TimeSpec, draw_chart, slate_legend

SLATES: list[tuple[str | None, str | None]] = [
    ("Grassroots Left", "#C8102E"),
    ("Labour Together", "#1F5FAD"),
    ("Open Labour", "#E8A317"),
    (None, None),
]


@dataclass(frozen=True)
class Sizes:
    """How many draws each figure takes."""

    draws: int = 40


FULL = Sizes()
QUICK = Sizes(draws=15)
TINY = Sizes(draws=2)


def specs() -> dict[str, AnySpec]:
    """The charts results night draws, at their largest."""
    names = [f"Candidate {chr(65 + i % 26)}{i} Lloyd-Williams" for i in range(30)]
    legend = slate_legend(SLATES)
    results = tuple(
        Bar(n, 100_000 - (i if i != 10 else 9) * 1_800, SLATES[i % 4][1], marked=i < 10, tied=i in (9, 10))
        for i, n in enumerate(names[:25])
    )
    progress = tuple(Bar(n, max(0, 60 - i * 3), SLATES[i % 4][1], marked=60 - i * 3 >= 35) for i, n in enumerate(names))
    days = tuple(date(2026, 10, 1) + timedelta(days=i) for i in range(40))
    series = tuple(
        Series(names[k], SLATES[k % 4][1], tuple(min(60, (i * (k + 2)) // 3) for i in range(40))) for k in range(5)
    )
    slates = tuple(
        Bar(s or "Independent", 500_000 - i * 90_000, c, note=f"{4 - i} seats") for i, (s, c) in enumerate(SLATES)
    )
    name = "Very big national ballot"
    return {
        "/results (25 bars, legend, tie)": ChartSpec(
            results, f"Results — {name}", "Votes", "results.png", "alt", mark_label="✓ elected", legend=legend
        ),
        "/nominations progress (25 bars, threshold, legend)": ChartSpec(
            progress[:25],
            f"Nominations — {name}",
            "Nominating CLPs",
            "nominations.png",
            "alt",
            line=35.0,
            line_label="threshold 35",
            legend=legend,
        ),
        "/results view:slates (4 bars)": ChartSpec(slates, f"Results by slate — {name}", "Votes", "slates.png", "alt"),
        "nominations over time (5 lines × 40 days)": TimeSpec(
            days,
            series,
            f"Nominations over time — {name}",
            "Nominating CLPs (running total)",
            "over-time.png",
            "alt",
            line=35.0,
            line_label="threshold 35",
        ),
    }


def _cpu(spec: AnySpec, draws: int) -> tuple[float, int]:
    """p50 CPU seconds per draw (after one warm-up draw) and the PNG's size."""
    size = len(draw_chart(spec).data)
    cpu = []
    for _ in range(draws):
        start = time.process_time()
        draw_chart(spec)
        cpu.append(time.process_time() - start)
    return statistics.median(cpu), size


async def _offloaded(spec: AnySpec, draws: int) -> tuple[list[tuple[str, float, float]], int]:
    """(where, p50 wall ms, p50 CPU ms of this process's threads) for a draw in a thread and in a process,
    and the worker process's resident memory (KiB)."""
    from bench.botproc import rss_kib

    loop = asyncio.get_running_loop()
    out = []
    # A fresh interpreter, as a bot's worker would be: a forked one counted the benchmark's own pages
    # (the simulator and every table's world) as its resident memory — the 639 MiB once reported here.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        await loop.run_in_executor(pool, draw_chart, spec)  # start the worker and load its fonts
        worker_rss = sum(rss_kib(pid) for pid in pool._processes or {})
        for where, executor in (("worker thread", None), ("worker process", pool)):
            wall, cpu = [], []
            for _ in range(draws):
                c, t = time.process_time(), time.perf_counter()
                await loop.run_in_executor(executor, draw_chart, spec)
                wall.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
            out.append((where, statistics.median(wall) * 1000, statistics.median(cpu) * 1000))
    return out, worker_rss


async def run(sizes: Sizes = FULL, *, quick: bool = False, command_line: str = "python -m bench charts") -> Table:
    """Measure and return the table."""
    table = Table(
        "charts",
        "7. A chart drawn from scratch (CPU per chart, PNG size)",
        command_line,
        ["chart", "CPU per chart p50 (≤ 30 ms)", "PNG size"],
        quick=quick,
    )
    all_specs = specs()
    for label, spec in all_specs.items():
        cpu, size = _cpu(spec, sizes.draws)
        table.add(label, f"{cpu * 1000:.1f} ms {verdict(cpu, 0.030)}", f"{size / 1024:.1f} KiB")
    first = next(iter(all_specs.values()))
    offloaded, worker_rss = await _offloaded(first, sizes.draws)
    for where, wall, cpu in offloaded:
        table.add(f"/results chart in a {where}: wall / CPU in the caller's process", f"{wall:.1f} / {cpu:.1f} ms", "")
    table.add("a worker process's resident memory (fonts loaded)", f"{worker_rss / 1024:.0f} MiB", "")
    table.notes += [
        "Drawn with Pillow (`bot/render/chartdraw.py`); CPU is `time.process_time` around each draw in one process, "
        "the median of the draws after a warm-up (fonts loaded).",
        "The bot draws in a worker thread (`ChartCache`), once per data version and chart. A worker process would "
        "take the draw's CPU off the bot's process (last row) but costs its own interpreter's memory for a draw "
        "that happens a few times per data change, so the bot keeps the thread.",
    ]
    return table


if __name__ == "__main__":
    print(asyncio.run(run(QUICK, quick=True)).markdown())
