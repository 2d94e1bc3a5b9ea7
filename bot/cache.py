"""The one cache type: a bounded LRU (cachetools) where concurrent misses share one computation.

Every cache in the bot is an instance of `Cache`, held by the service container
(`bot/services/container.py`), never a module global, so each bot (and each test) has its own.
Keys carry the guild and the data version they were computed at (`(guild_id, version, ...)`):
a write bumps the version, so the next lookup misses and older entries age out of the LRU.
Values must never be mutated once cached (they are shared by every reader).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

log = logging.getLogger(__name__)

#: Awaited (in the task asking) when a lookup has to wait for a value to be computed. The bot sets it
#: per interaction during a burst, so a member's interaction is acknowledged ("thinking…") only when
#: its reply waits for work, and answered directly with the reply when that is already at hand.
MISS_WAIT: contextvars.ContextVar[Callable[[], Awaitable[None]] | None] = contextvars.ContextVar(
    "hustings_miss_wait", default=None
)


class Cache(Generic[K, V]):
    """An LRU of at most `maxsize` entries with single-flight fills: however many ask for a missing key
    at once, `compute` runs once (in its own task, so a caller giving up doesn't cancel the others).
    `maxsize=0` keeps nothing (fills are still shared while they run)."""

    def __init__(self, maxsize: int) -> None:
        self._data: LRUCache[K, V] = LRUCache(maxsize)
        self._pending: dict[K, asyncio.Task[V]] = {}
        self.hits = 0
        self.misses = 0
        #: Values computed (each miss that ran `compute`); tests and benchmarks check caching with it.
        self.computed = 0

    @property
    def maxsize(self) -> int:
        """How many entries the cache keeps."""
        return int(self._data.maxsize)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: K) -> bool:
        return key in self._data

    def peek(self, key: K) -> V | None:
        """The cached value for `key`, or None (counts as neither hit nor miss, keeps the LRU order)."""
        return self._data.get(key)

    def put(self, key: K, value: V) -> None:
        """Store a value computed elsewhere."""
        if self.maxsize > 0:
            self._data[key] = value

    def pending(self, key: K) -> asyncio.Task[V] | None:
        """The fill running for `key`, if any."""
        return self._pending.get(key)

    async def get(self, key: K, compute: Callable[[], Awaitable[V]]) -> V:
        """The value for `key`, computed by `compute()` on a miss; concurrent misses await the same fill.

        A failed fill caches nothing and raises to every waiter; the next call tries again.
        """
        try:
            value = self._data[key]
        except KeyError:
            pass
        else:
            self.hits += 1
            return value
        task = self._pending.get(key)
        if task is None:
            self.misses += 1
            task = asyncio.ensure_future(self._fill(key, compute))
            task.add_done_callback(_retrieve)
            self._pending[key] = task
        notice = MISS_WAIT.get()
        if notice is not None:  # after starting the fill, so the work and the notice overlap
            try:
                await notice()
            except Exception:
                log.warning("could not act on a lookup that has to wait", exc_info=True)
        return await asyncio.shield(task)

    async def _fill(self, key: K, compute: Callable[[], Awaitable[V]]) -> V:
        try:
            value = await compute()
            self.computed += 1
            if self.maxsize > 0:
                self._data[key] = value
            return value
        finally:
            self._pending.pop(key, None)

    async def settled(self) -> None:
        """Wait until no fill is running (tests and shutdown)."""
        while self._pending:
            await asyncio.gather(*list(self._pending.values()), return_exceptions=True)

    def clear(self) -> None:
        """Forget every entry (fills under way still finish and store theirs)."""
        self._data.clear()


def _retrieve(task: asyncio.Task[object]) -> None:
    """Mark a fill's failure as seen: its waiters got it; with none left, it is not worth a log line."""
    if not task.cancelled():
        task.exception()
