"""Pacing and guards for the delivery lanes: a token bucket and the invalid-request guard."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

# --------------------------------------------------------------------------- pacing & guards


class Pacer:
    """A token bucket in real time: at most `rate` requests a second after a burst of `burst`."""

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._monotonic = monotonic  # real time; tests pass a manual clock and its sleep
        self._sleep = sleep
        self._tokens = float(self.burst)
        self._stamp = monotonic()
        self._lock = asyncio.Lock()

    async def take(self, count: int = 1) -> None:
        """Wait for `count` tokens (one per request the send will make)."""
        count = min(max(1, count), self.burst)
        async with self._lock:
            while True:
                now = self._monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= count - 1e-9:  # float rounding must not cost another (tiny) wait
                    self._tokens = max(0.0, self._tokens - count)
                    return
                await self._sleep((count - self._tokens) / self.rate)


class InvalidRequestGuard:
    """Counts refused requests (401/403/404/429) in a sliding window and holds sending near a ceiling.

    Discord bans an IP for a while after 10,000 invalid requests in 10 minutes; we stop far below.
    """

    def __init__(self, ceiling: int = 1000, window: float = 600.0) -> None:
        self.ceiling = ceiling
        self.window = window
        self._times: deque[float] = deque()

    def _trim(self) -> None:
        cutoff = time.monotonic() - self.window
        while self._times and self._times[0] < cutoff:
            self._times.popleft()

    def record(self, status: int | None) -> None:
        """Note one answer's status."""
        if status in (401, 403, 404, 429):
            self._times.append(time.monotonic())

    @property
    def count(self) -> int:
        """Refused requests in the current window."""
        self._trim()
        return len(self._times)

    def wait_time(self) -> float:
        """Seconds to hold off before the next send (0 when under the ceiling)."""
        self._trim()
        if len(self._times) < self.ceiling:
            return 0.0
        return max(0.0, self._times[0] + self.window - time.monotonic())
