"""Fixtures of the reliability suite (the SIGKILL-around-announcements test keeps its own in its module).

In-process tests get the simulator, a guild and the real bot like the e2e suite, plus `loop_health`:
the event loop is watched for callbacks that block it over 100 ms (test 9), asserted at teardown.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator

import pytest

from bench.loopwatch import LoopWatch
from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.sim import DiscordSimulator, SimGuild
from bot.store.database import Database
from tests.reliability.support import RequestLog, bot_blocks, record_requests, report, running_bot


@pytest.fixture
async def hustings(
    sim: DiscordSimulator, guild: SimGuild, db: Database, clock: ManualClock
) -> AsyncIterator[HustingsBot]:
    """The real bot, in this process, with its commands synced to the guild."""
    async with running_bot(sim, guild, db, clock) as bot:
        yield bot


@pytest.fixture
def loop_health(request: pytest.FixtureRequest) -> Iterator[LoopWatch]:
    """Watch the event loop for the whole test; fail it if a callback kept the loop busy over 100 ms.

    Tests pause it (`watch.pause()` … `resume()`) around their own bulk set-up.
    """
    gc.collect()  # earlier tests' leftovers are not this test's doing: keep them out of full collections
    gc.freeze()
    watch = LoopWatch(0.1, sample=True).install()  # the loop runs in this thread
    try:
        yield watch
    finally:
        watch.uninstall()
        gc.unfreeze()  # so what this test leaves behind can be collected
    blocking = bot_blocks(watch)
    report(
        f"loop health ({request.node.name})",
        blocks_over_100ms=len(blocking),
        slow_steps=len(watch.slow),
        worst_ms=round(watch.worst * 1000),
    )
    assert not blocking, watch.summary(blocking) + "\n" + "\n".join(s.stack for s in blocking[:2])


@pytest.fixture
def requests(monkeypatch: pytest.MonkeyPatch) -> RequestLog:
    """Every message body the bot sends, as the simulator received it (with allowed_mentions)."""
    return record_requests(monkeypatch)
