"""One clock object passed wherever time matters, so tests and the sandbox can move time."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime.

    Every clock also takes `on_advance` listeners, so a scheduler registers one whatever the clock:
    a clock moved by hand calls them after each move; a clock that follows real time never does (a
    timer sees real time pass). Production code never asks which kind of clock it holds.
    """

    def now(self) -> datetime:
        """Return the current time (timezone-aware, UTC)."""
        ...

    def on_advance(self, callback: Callable[[], None]) -> None:
        """Register `callback()` to run after every move by hand (never, for real-time clocks)."""
        ...

    def seconds_until(self, when: datetime) -> float | None:
        """Real seconds until this clock reads `when` (0 when past); None when only a move by hand gets there."""
        ...


@runtime_checkable
class MovableClock(Clock, Protocol):
    """What a test clock adds (`ManualClock`): it is moved by hand, and its listeners run after each move."""

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` and return the new instant."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)

    def on_advance(self, callback: Callable[[], None]) -> None:
        """Real time is never moved by hand: nothing to call."""

    def seconds_until(self, when: datetime) -> float | None:
        """Real seconds until `when`."""
        return max(0.0, (when - self.now()).total_seconds())


class ManualClock:
    """A clock that only moves when told to: tests, benchmarks and the sandbox use it.

    It starts at a given instant (or the real time) and `advance` moves it forward. Listeners
    registered with `on_advance` are called after each move so schedulers can re-check what is due.
    """

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime.now(UTC)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> datetime:
        """Return the clock's current instant."""
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to an instant (forward or back)."""
        self._now = instant.astimezone(UTC)
        self._notify()

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` and return the new instant."""
        if delta < timedelta(0):
            raise ValueError("time only moves forward")
        self._now += delta
        self._notify()
        return self._now

    def on_advance(self, callback: Callable[[], None]) -> None:
        """Register `callback()` to run after every move."""
        self._listeners.append(callback)

    def seconds_until(self, when: datetime) -> float | None:
        """None: real time never brings this clock anywhere; `advance` does (and calls the listeners)."""
        return None

    def _notify(self) -> None:
        for callback in list(self._listeners):
            callback()


FAKE_NOW_ENV = "HUSTINGS_FAKE_NOW"


class OffsetClock:
    """Real time shifted to start at a given instant: lets a bot process live in a rehearsal's future."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("OffsetClock needs an aware datetime")
        self._start = start.astimezone(UTC)
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        """The start instant plus the real time elapsed since construction."""
        return self._start + timedelta(seconds=time.monotonic() - self._t0)

    def on_advance(self, callback: Callable[[], None]) -> None:
        """Real time is never moved by hand: nothing to call."""

    def seconds_until(self, when: datetime) -> float | None:
        """Real seconds until `when` (this clock runs at real speed)."""
        return max(0.0, (when - self.now()).total_seconds())


def clock_from_env(environ: dict[str, str] | None = None) -> Clock:
    """`SystemClock`, or an `OffsetClock` starting at HUSTINGS_FAKE_NOW (ISO 8601) when it is set."""
    value = (environ if environ is not None else os.environ).get(FAKE_NOW_ENV, "").strip()
    if not value:
        return SystemClock()
    start = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    return OffsetClock(start)
