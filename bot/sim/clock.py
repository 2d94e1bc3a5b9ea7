"""The clock the simulator reads: any object with `now()` (timestamps, snowflakes, token lifetimes).

Structural, so the bot's clocks (`bot.clock.ManualClock`, `SystemClock`...) fit without the simulator
importing the bot; a clock that also has `advance` lets `DiscordSimulator.advance` move shared time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


class SimClock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current time (timezone-aware, UTC)."""
        ...


@runtime_checkable
class MovableSimClock(SimClock, Protocol):
    """A clock moved by hand (as `bot.clock.ManualClock` is)."""

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` and return the new instant."""
        ...


class StillClock:
    """The simulator's own clock when none is given: it stands still until `advance` moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime.now(UTC)
        if start.tzinfo is None:
            raise ValueError("StillClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """Return the clock's current instant."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` and return the new instant."""
        if delta < timedelta(0):
            raise ValueError("time only moves forward")
        self._now += delta
        return self._now
