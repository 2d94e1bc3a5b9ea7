"""Realistic, time-based Discord snowflakes generated from the simulator's clock."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.sim.clock import SimClock

DISCORD_EPOCH_MS = 1_420_070_400_000


def snowflake_time(snowflake: int) -> datetime:
    """Return the instant encoded in a snowflake."""
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)


class SnowflakeGenerator:
    """Hands out strictly increasing snowflakes whose timestamp part follows `clock`.

    A manual clock may not move between calls, so the 12-bit increment carries into the
    millisecond part when it overflows; ids stay unique and ordered either way.
    """

    def __init__(self, clock: SimClock, worker: int = 1, process: int = 0) -> None:
        self._clock = clock
        self._worker = worker & 0x1F
        self._process = process & 0x1F
        self._last_ms = 0
        self._increment = 0

    def next(self) -> int:
        """Return a new snowflake."""
        ms = int(self._clock.now().timestamp() * 1000) - DISCORD_EPOCH_MS
        if ms <= self._last_ms:
            ms = self._last_ms
            self._increment += 1
            if self._increment >= 4096:
                ms += 1
                self._increment = 0
        else:
            self._increment = 0
        self._last_ms = ms
        return (ms << 22) | (self._worker << 17) | (self._process << 12) | self._increment
