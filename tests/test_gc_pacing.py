"""#19: full garbage-collection passes wait for a quiet moment (bot/gc_pacing.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot import gc_pacing
from bot.gc_pacing import DUE, HARD_LIMIT, FullCollectionPacer, freeze_startup_heap


@pytest.fixture
def collector_by_hand() -> Iterator[None]:
    """Only the test's own passes count (no automatic ones move the counters meanwhile)."""
    thresholds = gc.get_threshold()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.set_threshold(*thresholds)


def young_passes(n: int) -> None:
    """n generation-1 passes: each counts towards the next full pass, as CPython's own do."""
    for _ in range(n):
        gc.collect(1)


async def test_a_full_pass_waits_until_due_and_quiet(collector_by_hand: None) -> None:
    busy = [True]
    pacer = FullCollectionPacer(busy=lambda: busy[0]).start()
    try:
        young_passes(DUE - 1)
        busy[0] = False
        assert not pacer.check(), "not due yet: fewer young passes than CPython waits for"
        young_passes(1)
        busy[0] = True
        assert not pacer.check(), "due, but members are waiting"
        assert gc.get_count()[2] == DUE
        busy[0] = False
        assert pacer.check() and gc.get_count()[2] == 0
        assert (pacer.quiet_passes, pacer.forced_passes) == (1, 0)
    finally:
        await pacer.stop()


async def test_a_quiet_pass_hands_free_heap_back_at_most_every_trim_interval(collector_by_hand: None) -> None:
    now = [1000.0]
    trimmed: list[float] = []
    pacer = FullCollectionPacer(busy=lambda: False, clock=lambda: now[0]).start()
    pacer._trim = lambda: trimmed.append(now[0])
    try:
        half = gc_pacing.TRIM_INTERVAL / 2
        for step in (0.0, half, half):
            now[0] += step
            young_passes(DUE)
            assert pacer.check()
        assert trimmed == [1000.0, 1000.0 + gc_pacing.TRIM_INTERVAL] and pacer.trims == 2
    finally:
        await pacer.stop()


def test_the_c_librarys_trim_is_found_or_left_alone() -> None:
    trim = gc_pacing._malloc_trim()
    assert trim is None or trim() in (0, 1)  # glibc: 1 if memory was released


async def test_full_passes_are_spaced_by_their_length(collector_by_hand: None) -> None:
    """A large heap (a pass of 0.5 s) gets its passes at most every 10 s: never more than ~5 % of the time."""
    now = [0.0]

    def clock() -> float:  # each reading is half a second later: a pass "takes" 0.5 s
        now[0] += 0.5
        return now[0]

    pacer = FullCollectionPacer(busy=lambda: False, clock=clock).start()
    try:
        young_passes(DUE)
        assert pacer.check() and pacer.longest == 0.5
        young_passes(DUE)
        assert not pacer.check(), "due, but the last pass was less than SPACING × 0.5 s ago"
        now[0] += gc_pacing.SPACING * 0.5
        assert pacer.check()
    finally:
        await pacer.stop()


async def test_a_bot_that_is_never_quiet_still_gets_its_full_pass(collector_by_hand: None) -> None:
    pacer = FullCollectionPacer(busy=lambda: True).start()
    try:
        young_passes(HARD_LIMIT - 1)
        assert not pacer.check()
        young_passes(1)
        assert pacer.check() and gc.get_count()[2] == 0
        assert (pacer.quiet_passes, pacer.forced_passes) == (0, 1)
    finally:
        await pacer.stop()


async def test_cpython_makes_no_full_pass_of_its_own_while_the_pacer_runs(collector_by_hand: None) -> None:
    before = gc.get_threshold()
    first = FullCollectionPacer(busy=lambda: True).start()
    assert gc.get_threshold()[:2] == before[:2] and gc.get_threshold()[2] > 10**6
    second = FullCollectionPacer(busy=lambda: True).start()  # a second bot in the same process
    await second.stop()
    assert gc.get_threshold()[2] > 10**6, "the second pacer leaves the thresholds to the first"
    await first.stop()
    assert gc.get_threshold() == before


def test_the_startup_heap_is_frozen_once() -> None:
    freeze_startup_heap()
    frozen = gc.get_freeze_count()
    assert frozen > 0
    freeze_startup_heap()
    assert gc.get_freeze_count() == frozen
