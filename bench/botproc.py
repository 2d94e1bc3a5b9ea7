"""The bot as its own process for the benchmarks: `python -m bench.botproc --database … --api … …`.

Runs the real `HustingsBot` (plus the bench no-op cog) against a simulator started by the parent,
so the bot has its own interpreter, event loop and memory — what `hustings run` would be, with the
start instant pinned (`OffsetClock`) so scheduled items fall due as the benchmark planned.

Protocol with the parent: prints `READY <seconds since interpreter start>` once the gateway is ready
and the tree is synced; SIGUSR1 writes a stats snapshot (JSON) to `--stats`; SIGTERM closes the bot
cleanly and writes the final stats. With `BENCH_TRACEMALLOC=PREFIX` in the environment, allocations
are traced and each snapshot also writes `PREFIX.N` (a `tracemalloc.Snapshot`; compare two with
`Snapshot.load(...).compare_to(...)`, see `bench/memory.py`).
"""

from __future__ import annotations

import time

STARTED = time.monotonic()  # before the heavy imports: start-up time covers them

import argparse  # noqa: E402
import asyncio  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402


def _args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.botproc")
    p.add_argument("--database", required=True)
    p.add_argument("--api", required=True)
    p.add_argument("--gateway", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--guild", type=int, required=True)
    p.add_argument("--now", required=True, help="ISO instant the bot's clock starts at")
    p.add_argument("--extension", action="append", default=[], help="extra extension to load (repeatable)")
    p.add_argument("--no-chart-cache", action="store_true", help="draw every chart afresh (uncached figures)")
    p.add_argument("--stats", help="where to write stats JSON (SIGUSR1 and exit)")
    p.add_argument("--loop-watch", action="store_true", help="count callbacks blocking the loop > 100 ms")
    p.add_argument("--bare", action="store_true", help="a bare discord.py client instead of Hustings (baseline)")
    p.add_argument("--profile", help="write a cProfile of the whole run here (see `python -m pstats`)")
    p.add_argument("--dm-rate", type=float, default=None, help="override the delivery engine's DM pacing")
    return p.parse_args(argv)


class GcTimes:
    """Every garbage collection's duration, by generation (a gc.callbacks hook)."""

    def __init__(self) -> None:
        self.by_gen: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self.collected = 0  # unreachable objects found: cyclic garbage (refcounting frees the rest)
        self._started = 0.0
        self.paused = False  # our own gc.collect() in stats() is not the bot's doing
        #: diagnostics (BENCH_GC_CENSUS): what the first full collections had to walk, by generation and type
        self.census: list[dict[str, Any]] | None = [] if os.environ.get("BENCH_GC_CENSUS") else None

    def _take_census(self) -> None:
        from collections import Counter

        assert self.census is not None
        entry: dict[str, Any] = {"sizes": [len(gc.get_objects(g)) for g in (0, 1, 2)], "frozen": gc.get_freeze_count()}
        kinds: Counter[str] = Counter()
        for g in (0, 1, 2):
            kinds.update(type(o).__qualname__ for o in gc.get_objects(g))
        entry["by_type"] = kinds.most_common(30)
        self.census.append(entry)

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            if self.census is not None and info["generation"] == 2 and len(self.census) < 6:
                self._take_census()
            self._started = time.perf_counter()
        elif not self.paused:
            self.by_gen[info["generation"]].append(time.perf_counter() - self._started)
            if self.census and info["generation"] == 2 and "ms" not in self.census[-1]:
                self.census[-1]["ms"] = self.by_gen[2][-1] * 1000
                self.census[-1]["collected"] = info.get("collected", 0)
            self.collected += info.get("collected", 0)

    def summary(self) -> dict[str, Any]:
        """Per generation: collections, total and longest (ms)."""
        out: dict[str, Any] = {
            str(gen): {"count": len(t), "total_ms": sum(t) * 1000, "max_ms": max(t, default=0.0) * 1000}
            for gen, t in self.by_gen.items()
        }
        out["collected"] = self.collected
        if self.census is not None:
            out["census"] = self.census
        return out


GC_TIMES = GcTimes()


def rss_kib(pid: int | str = "self") -> int:
    """Resident set size in KiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _disable_chart_cache() -> None:
    """Make every chart request draw (the "uncached" benchmark rows)."""
    from bot.render.charts import ChartCache

    async def get(self: ChartCache, key: Any, draw: Any) -> Any:
        chart = await asyncio.to_thread(draw)
        self.images.computed += 1
        return chart

    ChartCache.get = get  # type: ignore[method-assign]


async def _main(args: argparse.Namespace) -> int:
    import discord
    from discord.ext import commands

    from bench.loopwatch import LoopWatch

    loop = asyncio.get_running_loop()
    if os.environ.get("BENCH_BUSY"):  # experiments: interactions in hand before read commands defer
        import bot.app

        bot.app.BUSY = int(os.environ["BENCH_BUSY"])
    if os.environ.get("BENCH_GC_THRESHOLD"):  # experiments: "gen0,gen1,gen2"
        gc.set_threshold(*(int(x) for x in os.environ["BENCH_GC_THRESHOLD"].split(",")))
    gc.callbacks.append(GC_TIMES)
    if os.environ.get("BENCH_GC_SAVEALL"):  # diagnostics: keep cyclic garbage to count it by type
        gc.set_debug(gc.DEBUG_SAVEALL)
    watch = LoopWatch(0.1, sample=True).install(loop) if args.loop_watch else None
    stop = asyncio.Event()
    ready_at: list[float] = []  # seconds from interpreter start to READY
    ready_mono: list[float] = []
    extra: dict[str, Any] = {}

    def stats() -> dict[str, Any]:
        extra["gc"] = GC_TIMES.summary()
        pacer = getattr(client, "gc_pacer", None)  # bot.gc_pacing: full passes made at quiet moments
        if pacer is not None:
            extra["gc_pacer"] = {
                "quiet": pacer.quiet_passes,
                "forced": pacer.forced_passes,
                "longest": pacer.longest,
                "trims": pacer.trims,
            }
        if gc.garbage:
            from collections import Counter

            kinds = Counter(type(o).__qualname__ for o in gc.garbage)
            extra["garbage_by_type"] = kinds.most_common(25)
        GC_TIMES.paused = True
        gc.collect()
        GC_TIMES.paused = False
        instrumented = sys.modules.get("bench.instrument")
        if instrumented is not None:
            extra["timings"] = {k: list(v) for k, v in instrumented.TIMINGS.items()}
        from bot.discordpy_private import views_held

        extra["views"] = views_held(client)
        extra["objects"] = len(gc.get_objects())
        try:  # how much of the resident memory is free heap glibc has not handed back
            import ctypes

            before = rss_kib()
            ctypes.CDLL("libc.so.6").malloc_trim(0)
            extra["rss_kib_untrimmed"], extra["rss_kib_trimmed"] = before, rss_kib()
        except (OSError, AttributeError):
            pass
        return {
            "rss_kib": rss_kib(),
            "ready_seconds": ready_at[0] if ready_at else None,
            "slow_callbacks": [
                {
                    "seconds": s.seconds,
                    "cpu": s.cpu,
                    "gc": s.gc,
                    "what": s.what,
                    "stack": s.stack,
                    "after_ready": bool(ready_mono) and s.at >= ready_mono[0],
                }
                for s in watch.slow
            ]
            if watch
            else None,
            **extra,
        }

    tracing = os.environ.get("BENCH_TRACEMALLOC")  # diagnostics: a tracemalloc snapshot per stats snapshot
    if tracing:
        import tracemalloc

        tracemalloc.start(int(os.environ.get("BENCH_TRACEMALLOC_FRAMES", "8")))

    def dump() -> None:
        if not args.stats:
            return
        if watch is not None:
            watch.ignore_current()  # our own gc.collect() is not the bot's doing
        if tracing:  # before the stats, which the parent waits for
            import tracemalloc

            extra["tracemalloc_snapshots"] = extra.get("tracemalloc_snapshots", 0) + 1
            tracemalloc.take_snapshot().dump(f"{tracing}.{extra['tracemalloc_snapshots']}")
        Path(args.stats).write_text(json.dumps(stats()))

    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, dump)
    profiling: list[Any] = []

    def toggle_profile() -> None:  # SIGUSR2: start, then stop and write `--profile` (one window)
        import cProfile

        if not profiling:
            profiling.append(cProfile.Profile())
            profiling[0].enable()
        else:
            prof = profiling.pop()
            prof.disable()
            prof.dump_stats(args.profile or "bot.prof")

    loop.add_signal_handler(signal.SIGUSR2, toggle_profile)

    def freeze() -> None:  # SIGHUP (experiments): move everything alive now out of the collector's passes
        gc.collect()
        gc.freeze()

    loop.add_signal_handler(signal.SIGHUP, freeze)

    from bot.discordpy_private import point_discordpy_at
    from bot.sim.discordpy_private import set_guild_ready_timeout

    point_discordpy_at(args.api, args.gateway)

    if args.bare:
        client: discord.Client = discord.Client(intents=discord.Intents.none())
        db = None
    else:
        from bot.app import EXTENSIONS, HustingsBot
        from bot.clock import OffsetClock
        from bot.config import Settings
        from bot.store.database import Database
        from bot.store.migrations import migrate

        if args.no_chart_cache:
            _disable_chart_cache()
        settings = Settings(
            _env_file=None,
            HUSTINGS_DATABASE=args.database,
            HUSTINGS_DISCORD_API=args.api,
            HUSTINGS_DISCORD_GATEWAY=args.gateway,
            HUSTINGS_DEV_GUILD=str(args.guild),
        )
        db = await Database.open(args.database)
        await migrate(db)
        start = datetime.fromisoformat(args.now)
        client = HustingsBot(
            settings=settings, db=db, clock=OffsetClock(start), extensions=(*EXTENSIONS, *args.extension)
        )
        if args.dm_rate:
            engine = client.services.delivery
            engine.dm_rate = args.dm_rate
            from bot.services.delivery.pacing import Pacer

            engine._pacer = Pacer(args.dm_rate, burst=engine.dm_concurrency)
        if args.no_chart_cache:
            from bot.cache import Cache

            class Uncached(Cache[Any, Any]):
                """Keeps and shares nothing: every reply is drawn afresh, its chart too."""

                async def get(self, key: Any, compute: Any) -> Any:
                    return await compute()

            client.services.rendered = Uncached(0)
    set_guild_ready_timeout(client, 0.05)

    async def on_ready() -> None:
        if not ready_at:
            ready_mono.append(time.monotonic())
            ready_at.append(ready_mono[0] - STARTED)
            print(f"READY {ready_at[0]:.4f}", flush=True)

    if isinstance(client, commands.Bot):
        client.add_listener(on_ready, "on_ready")
    else:
        client.event(on_ready)

    runner = asyncio.create_task(client.start(args.token))
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
    code = 0
    if runner in done and runner.exception() is not None:
        print(f"bot failed: {runner.exception()!r}", file=sys.stderr, flush=True)
        code = 1
    extra["rss_kib_before_close"] = rss_kib()
    await client.close()
    runner.cancel()
    try:
        await runner
    except (asyncio.CancelledError, Exception):
        pass
    if db is not None:
        await db.close()
    dump()
    if watch is not None:
        watch.uninstall()
    return code


def main(argv: list[str] | None = None) -> int:
    """Run the bot until SIGTERM."""
    args = _args(argv)
    logging.basicConfig(
        level=os.environ.get("BENCH_BOT_LOG", "WARNING"),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.profile or os.environ.get("BENCH_PROFILE_WINDOW"):
        return asyncio.run(_main(args))
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        return asyncio.run(_main(args))
    finally:
        profiler.disable()
        profiler.dump_stats(args.profile)


if __name__ == "__main__":
    sys.exit(main())
