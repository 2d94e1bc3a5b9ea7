"""When the cyclic garbage collector makes its full passes: at start-up once, then when the bot is quiet.

A full pass walks every object the collector tracks, and under a burst most of them belong to the
interactions in hand (their coroutines, frames, HTTP requests, discord.py's `Interaction`s): with
2,000 members waiting, one pass walked 214,000 objects and held the event loop for 133 ms (BENCHMARKS.md,
"What the profiles showed"). CPython starts a full pass on its own once ten young passes have gone by,
which under a burst is every few hundred milliseconds — exactly while members wait. So:

- at start-up, everything alive (modules, cogs, command trees) is moved out of the collector's passes
  (`gc.freeze`);
- afterwards CPython's own full passes are switched off, and `FullCollectionPacer` makes them itself when
  they are due (the same ten young passes) *and* the bot has few interactions in hand, so a pass walks the
  long-lived heap only (tens of milliseconds);
- a bot that is never quiet still gets one when postponed `HARD_LIMIT` young passes, so cyclic garbage
  can't pile up without bound;
- passes are spaced by `SPACING` times the last one's length, so however large the heap, full passes
  take at most about 5 % of the time. (CPython amortises its own the same way, skipping a full pass
  until a quarter of the old generation is new; that count isn't visible from Python, the duration is.)

The young generations are left exactly as CPython runs them: short-lived garbage is freed as promptly as
before (a larger young threshold was measured: fewer passes, but 13–15 % more resident memory).

After a quiet pass the C library is asked to hand its free heap back to the operating system (glibc's
`malloc_trim`, at most every `TRIM_INTERVAL` seconds): a burst's replies, payloads and chart images are
freed, but glibc keeps the pages, so the process's resident memory drifted 1–5 % above what it holds
after each busy spell (BENCHMARKS.md, "Footprint"). Elsewhere (musl, macOS) there is nothing to call.
"""

from __future__ import annotations

import asyncio
import ctypes  # loaded by discord.py already (voice), so free to import here
import gc
import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

#: Young (generation 1) passes after which a full pass is due: CPython's own default third threshold.
DUE = 10
#: Young passes after which a full pass runs however busy the bot is (bounds the garbage held back).
HARD_LIMIT = 200
#: Third threshold while the pacer runs: so high that CPython never starts a full pass by itself.
_NEVER = 1_000_000_000
#: A full pass is not made sooner than this many times the last one's length after it.
SPACING = 20.0
#: How often the pacer looks (seconds): a check costs one `gc.get_count()`.
INTERVAL = 0.25
#: Seconds between two hand-backs of the C library's free heap (each takes about a millisecond).
TRIM_INTERVAL = 1.0


def _malloc_trim() -> Callable[[], object] | None:
    """glibc's `malloc_trim(0)`, or None where the C library has none."""
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library the interpreter runs on
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    return lambda: trim(0)


def freeze_startup_heap() -> None:
    """Once per process: move everything alive after start-up (modules, cogs, command trees) out of the
    collector's full passes; a second bot in the same process (tests) finds it done."""
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()


class FullCollectionPacer:
    """Makes the collector's full passes at quiet moments (see the module's docstring).

    `busy()` says whether a full pass now would hold up members (the bot has interactions in hand).
    One pacer per process owns the thresholds; a second one started while the first runs (two bots in
    one test process) only checks, and leaves the thresholds to the first.
    """

    def __init__(
        self, busy: Callable[[], bool], *, interval: float = INTERVAL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._busy = busy
        self._interval = interval
        self._clock = clock  # seconds; tests pass a manual one
        self._next_pass = float("-inf")  # no full pass before this instant (SPACING)
        self._task: asyncio.Task[None] | None = None
        self._restore: tuple[int, int, int] | None = None
        self.quiet_passes = 0  # full passes made while quiet
        self.forced_passes = 0  # full passes made busy, after HARD_LIMIT young passes
        self.longest = 0.0  # seconds: the longest full pass made here
        self.trims = 0  # free heap handed back to the operating system
        self._trim = _malloc_trim()
        self._last_trim = float("-inf")

    def start(self) -> FullCollectionPacer:
        """Switch CPython's own full passes off and start checking; returns self."""
        young0, young1, old = gc.get_threshold()
        if old != _NEVER:  # the first pacer in this process: it owns the thresholds
            self._restore = (young0, young1, old)
            gc.set_threshold(young0, young1, _NEVER)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="gc-pacer")
        return self

    async def stop(self) -> None:
        """Stop checking and give CPython its own full passes back (if this pacer took them)."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        if self._restore is not None and gc.get_threshold()[2] == _NEVER:
            gc.set_threshold(*self._restore)
        self._restore = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            self.check()

    def check(self) -> bool:
        """Make a full pass if one is due and the bot is quiet, or overdue however busy; True if it ran."""
        pending = gc.get_count()[2]  # young (generation 1) passes since the last full pass
        if pending < DUE:
            return False
        if pending < HARD_LIMIT and self._busy():
            return False
        started = self._clock()
        if started < self._next_pass:
            return False
        gc.collect(2)
        finished = self._clock()
        took = finished - started
        self._next_pass = finished + SPACING * took
        self.longest = max(self.longest, took)
        if pending >= HARD_LIMIT:
            self.forced_passes += 1
            log.debug("full garbage collection made busy after %d young passes (%.0f ms)", pending, took * 1000)
            return True
        self.quiet_passes += 1
        if finished - self._last_trim >= TRIM_INTERVAL:
            self._last_trim = finished
            if self._trim is not None:
                self._trim()
                self.trims += 1
        return True
