"""Event-loop health: count callbacks that block the loop longer than a threshold.

asyncio's debug mode does this too (`slow_callback_duration`), but it also records a traceback for
every future and handle, which slows a busy bot several-fold and would distort the benchmarks. So
this times each callback directly: while installed, `asyncio.Handle._run` (which every ready
callback and task step goes through) is wrapped with two `perf_counter` calls, and steps longer than
the threshold are kept with a description of what ran. Shared by the benchmarks' bot process and the
reliability suite.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_original_run: Callable[[asyncio.Handle], None] | None = None
#: The clocks a step is timed with (wall, and the loop thread's CPU); tests replace them with a manual clock.
CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.thread_time}
_watches: list[LoopWatch] = []


@dataclass
class SlowCallback:
    """One slow step of the event loop."""

    seconds: float
    what: str
    at: float  # time.monotonic() when it ended
    stack: str = ""  # where the loop thread was while blocked (when sampling is on)
    cpu: float = 0.0  # CPU time the loop thread used in that step (≪ seconds: the OS ran something else)
    gc: float = 0.0  # of which Python's garbage collector (a full collection of a large heap)


def _describe(handle: asyncio.Handle) -> str:
    callback: Any = getattr(handle, "_callback", None)
    task = getattr(callback, "__self__", None)
    if isinstance(task, asyncio.Task):
        coro = task.get_coro()
        frame = getattr(coro, "cr_frame", None)
        where = f" at {frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else ""
        return f"task {task.get_name()} {getattr(coro, '__qualname__', coro)!s}{where}"
    return repr(handle)[:300]


def _timed_run(self: asyncio.Handle) -> None:
    assert _original_run is not None
    wall_clock, cpu_clock = CLOCKS["wall"], CLOCKS["cpu"]
    start = wall_clock()
    cpu = cpu_clock()
    tid = threading.get_ident()
    _running[tid] = start
    _gc_in_step[tid] = 0.0
    try:
        _original_run(self)
    finally:
        _running.pop(tid, None)
        elapsed = wall_clock() - start
        if elapsed >= _min_threshold():
            used = cpu_clock() - cpu
            collecting = _gc_in_step.get(tid, 0.0)
            for watch in _watches:
                if elapsed >= watch.threshold and watch.owns_current_thread():
                    watch.record(elapsed, self, start, used, collecting)


def _min_threshold() -> float:
    return min((w.threshold for w in _watches), default=float("inf"))


_running: dict[int, float] = {}  # loop thread -> perf_counter() when its current callback started
_gc_in_step: dict[int, float] = {}  # loop thread -> seconds of garbage collection inside its current callback
_gc_started: dict[int, float] = {}


def _on_gc(phase: str, info: dict[str, int]) -> None:
    """gc.callbacks hook: add each collection's duration to the callback it interrupted."""
    tid = threading.get_ident()
    if phase == "start":
        _gc_started[tid] = time.perf_counter()
    else:
        began = _gc_started.pop(tid, None)
        if began is not None and tid in _running:
            _gc_in_step[tid] = _gc_in_step.get(tid, 0.0) + time.perf_counter() - began


class LoopWatch:
    """Collects event-loop steps slower than `threshold` seconds while installed.

    ```
    watch = LoopWatch(threshold=0.1).install()
    ...
    watch.uninstall()
    assert watch.slow == [], watch.summary()
    ```
    """

    def __init__(self, threshold: float = 0.1, *, sample: bool = False) -> None:
        self.threshold = threshold
        self.slow: list[SlowCallback] = []
        self.sample = sample
        self._paused = 0
        self._thread: int | None = None
        self._ignored: set[float] = set()
        self._samples: dict[float, str] = {}  # callback start -> the loop thread's stack while it blocked
        self._stop = threading.Event()
        self._sampler: threading.Thread | None = None

    def install(self, loop: asyncio.AbstractEventLoop | None = None) -> LoopWatch:
        """Start timing callbacks of the event loop running in this thread (`loop` is accepted for clarity)."""
        global _original_run
        if _original_run is None:
            _original_run = asyncio.Handle._run
            asyncio.Handle._run = _timed_run  # type: ignore[method-assign]
            gc.callbacks.append(_on_gc)
        self._thread = threading.get_ident()
        _watches.append(self)
        if self.sample:
            self._stop.clear()
            self._sampler = threading.Thread(target=self._sample_loop, name="loopwatch-sampler", daemon=True)
            self._sampler.start()
        return self

    def _sample_loop(self) -> None:
        """Watchdog thread: when the loop thread is stuck in one callback past the threshold, note its stack."""
        import sys
        import traceback

        while not self._stop.wait(self.threshold / 4):
            started = _running.get(self._thread or 0)
            if started is None or started in self._samples:
                continue
            if time.perf_counter() - started >= self.threshold * 0.75:
                frame = sys._current_frames().get(self._thread or 0)
                if frame is not None:
                    lines = traceback.format_stack(frame, limit=12)
                    self._samples[started] = "".join(lines[-8:])

    def uninstall(self) -> None:
        """Stop collecting (and unwrap `Handle._run` when no watch is left)."""
        global _original_run
        self._stop.set()
        if self._sampler is not None:
            self._sampler.join(timeout=1)
            self._sampler = None
        if self in _watches:
            _watches.remove(self)
        if not _watches and _original_run is not None:
            asyncio.Handle._run = _original_run  # type: ignore[method-assign]
            _original_run = None
            if _on_gc in gc.callbacks:
                gc.callbacks.remove(_on_gc)

    def owns_current_thread(self) -> bool:
        """Only the loop thread we watch counts (worker threads run their own loops rarely, never ours)."""
        return self._thread == threading.get_ident()

    def pause(self) -> None:
        """Ignore slow steps until `resume` (e.g. a harness's own set-up work)."""
        self._paused += 1

    def resume(self) -> None:
        """Count slow steps again."""
        self._paused = max(0, self._paused - 1)

    def ignore_current(self) -> None:
        """Do not count the callback running now (e.g. the harness's own stats dump)."""
        started = _running.get(threading.get_ident())
        if started is not None:
            self._ignored.add(started)

    def record(
        self, seconds: float, handle: asyncio.Handle, started: float = 0.0, cpu: float = 0.0, collecting: float = 0.0
    ) -> None:
        """Keep one slow step (unless paused or ignored)."""
        stack = self._samples.pop(started, "")
        if started in self._ignored:
            self._ignored.discard(started)
            return
        if not self._paused:
            self.slow.append(SlowCallback(seconds, _describe(handle), time.monotonic(), stack, cpu, collecting))

    def since(self, instant: float) -> list[SlowCallback]:
        """Slow steps that ended after `instant` (time.monotonic())."""
        return [s for s in self.slow if s.at >= instant]

    @property
    def worst(self) -> float:
        """The longest block seen, in seconds (0 when none)."""
        return max((s.seconds for s in self.slow), default=0.0)

    def summary(self, items: list[SlowCallback] | None = None) -> str:
        """One line for reports (and the slowest few steps)."""
        items = self.slow if items is None else items
        limit = f"{self.threshold * 1000:.0f} ms"
        if not items:
            return f"0 callbacks over {limit}"
        worst = sorted(items, key=lambda s: -s.seconds)[:3]
        detail = "; ".join(
            f"{s.seconds * 1000:.0f} ms (CPU {s.cpu * 1000:.0f}, GC {s.gc * 1000:.0f}): {s.what}" for s in worst
        )
        return f"{len(items)} callbacks over {limit} (worst: {detail})"
