"""The one wake-up mechanism: wake at T, or when kicked, or when a hand-moved clock moves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock, OffsetClock, SystemClock
from bot.services.waker import Waker

START = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


async def test_an_instant_already_passed_wakes_at_once_on_a_real_time_clock() -> None:
    woke = asyncio.Event()
    clock = OffsetClock(START)
    waker = Waker(clock, woke.set, name="t")
    waker.start()
    try:
        assert waker.timed
        waker.wake_at(clock.now() - timedelta(minutes=1))
        await asyncio.wait_for(woke.wait(), 10)
    finally:
        waker.stop()


async def test_a_hand_moved_clock_wakes_on_every_move_and_arms_no_timer() -> None:
    woke = asyncio.Event()
    clock = ManualClock(START)
    waker = Waker(clock, woke.set, name="t")
    waker.start()
    try:
        assert not waker.timed
        waker.wake_at(START - timedelta(minutes=1))  # real time never gets a hand-moved clock anywhere
        await asyncio.sleep(0)
        assert not woke.is_set()
        clock.advance(timedelta(seconds=1))
        assert woke.is_set()
    finally:
        waker.stop()


async def test_kick_calls_back_and_a_restart_registers_with_the_clock_once() -> None:
    calls: list[int] = []
    clock = ManualClock(START)
    waker = Waker(clock, lambda: calls.append(1), name="t")
    waker.start()
    waker.stop()
    waker.start()
    try:
        waker.kick()
        assert calls == [1]
        clock.advance(timedelta(seconds=1))
        assert calls == [1, 1]
    finally:
        waker.stop()


def test_real_time_clocks_say_how_far_an_instant_is_and_the_manual_clock_says_never() -> None:
    assert ManualClock(START).seconds_until(START + timedelta(hours=1)) is None
    assert OffsetClock(START).seconds_until(START - timedelta(hours=1)) == 0.0
    assert 3500 < (SystemClock().seconds_until(datetime.now(UTC) + timedelta(hours=1)) or 0) <= 3600
