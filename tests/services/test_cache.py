"""The one cache type (`bot/cache.py`): bounded, and concurrent misses share one computation."""

from __future__ import annotations

import asyncio

import pytest

from bot.cache import Cache


async def test_concurrent_misses_compute_once() -> None:
    cache: Cache[tuple[int, int], str] = Cache(4)
    release = asyncio.Event()
    calls = 0

    async def compute() -> str:
        nonlocal calls
        calls += 1
        await release.wait()
        return "drawn"

    waiters = [asyncio.ensure_future(cache.get((1, 7), compute)) for _ in range(20)]
    await asyncio.sleep(0)  # let every waiter reach the cache (no time passes)
    release.set()
    assert await asyncio.gather(*waiters) == ["drawn"] * 20
    assert calls == 1 and cache.computed == 1 and cache.misses == 1
    assert await cache.get((1, 7), compute) == "drawn" and cache.hits == 1


async def test_a_failed_fill_caches_nothing_and_reaches_every_waiter() -> None:
    cache: Cache[str, int] = Cache(4)
    release = asyncio.Event()

    async def broken() -> int:
        await release.wait()
        raise ValueError("no")

    waiters = [asyncio.ensure_future(cache.get("k", broken)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(r, ValueError) for r in results)
    assert "k" not in cache

    async def fine() -> int:
        return 5

    assert await cache.get("k", fine) == 5


async def test_a_caller_giving_up_does_not_cancel_the_others() -> None:
    cache: Cache[str, int] = Cache(4)
    release = asyncio.Event()

    async def slow() -> int:
        await release.wait()
        return 1

    first = asyncio.ensure_future(cache.get("k", slow))
    second = asyncio.ensure_future(cache.get("k", slow))
    await asyncio.sleep(0)
    first.cancel()
    release.set()
    assert await second == 1
    with pytest.raises(asyncio.CancelledError):
        await first
    assert cache.peek("k") == 1


async def test_least_recently_used_entries_go_first() -> None:
    cache: Cache[int, int] = Cache(2)
    cache.put(1, 1)
    cache.put(2, 2)

    async def three() -> int:
        return 3

    await cache.get(1, three)  # a hit: 1 is now the most recent
    await cache.get(3, three)
    assert 1 in cache and 3 in cache and 2 not in cache and len(cache) == 2
