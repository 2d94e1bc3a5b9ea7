"""The sources' scheduler: runs each source when it falls due, a few at a time, servers taking turns.

The schedule lives in the `sources` table (`next_run_at`) and is driven by the shared clock through the
one `Waker`: advancing a `ManualClock` wakes the scheduler.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from bot.clock import Clock
from bot.config import Settings
from bot.domain.schedule.sending import round_robin
from bot.domain.sources import (
    DEFAULT_MAX_DROP_SHARE,
    Outcome,
    Source,
)
from bot.services.fetch import FetchLimits
from bot.services.sources.pipeline import SourceNotifier, SourcePipeline, SyncReport
from bot.services.waker import Waker
from bot.store import sources as store
from bot.store.database import Database

log = logging.getLogger(__name__)

#: Sources run at the same time, at most (across guilds).
CONCURRENCY = 4
#: The scheduler re-checks at least this often, even with nothing due (seconds).
MAX_IDLE_WAIT = 60.0


class SourceScheduler(SourcePipeline):
    """Runs due sources on a schedule, woken by the clock (through its `Waker`) or a changed source."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        *,
        limits: FetchLimits | None = None,
        max_drop_share: float = DEFAULT_MAX_DROP_SHARE,
        notifier: SourceNotifier | None = None,
        concurrency: int = CONCURRENCY,
    ) -> None:
        super().__init__(db, clock, settings, limits=limits, max_drop_share=max_drop_share, notifier=notifier)
        self._limit = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._waker = Waker(clock, self.wake, name="sources")
        self._task: asyncio.Task[None] | None = None
        self._requested = 0
        self._handled = 0
        self._progress = asyncio.Condition()

    async def run_due(self) -> list[SyncReport]:
        """Run every source that is due now (a few at a time); a failure in one never stops the others.

        Servers take turns and each uses one fetch slot at a time, so one server's slow sources
        (each bounded by the fetch's total timeout) never hold every slot.
        """
        due = round_robin(await store.due(self.db.reader, self.clock.now()), key=lambda s: s.guild_id)
        per_guild: dict[int, asyncio.Lock] = {}

        async def one(source: Source) -> SyncReport | None:
            async with per_guild.setdefault(source.guild_id, asyncio.Lock()), self._limit:
                try:
                    return await self.run(source.id)
                except Exception:
                    log.exception("source #%s could not run", source.id)
                    return None

        results = await asyncio.gather(*(one(s) for s in due))
        return [r for r in results if r is not None and r.outcome is not Outcome.SKIPPED]

    def wake(self) -> None:
        """Ask the scheduler to look for due sources now (the clock moved or a source changed)."""
        self._requested += 1
        self._wake.set()

    async def start(self) -> None:
        """Start the scheduler; sources overdue after downtime run once, at once."""
        if self._task is not None:
            return
        self._waker.start()
        self._task = asyncio.create_task(self._loop(), name="hustings-sources")
        self.wake()

    async def stop(self) -> None:
        """Stop the scheduler and close the HTTP session."""
        task, self._task = self._task, None
        self._waker.stop()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.fetcher.close()

    async def idle(self) -> None:
        """Wait until the scheduler has handled every wake-up so far (tests: after advancing the clock)."""
        target = self._requested
        async with self._progress:
            await self._progress.wait_for(lambda: self._handled >= target or self._task is None)

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            seen = self._requested
            try:
                await self.run_due()
            except Exception:
                log.exception("source scheduler pass failed")
            async with self._progress:
                self._handled = seen
                self._progress.notify_all()
            latest = self.clock.now() + timedelta(seconds=MAX_IDLE_WAIT)
            try:
                due = await store.next_due_at(self.db.reader)
            except Exception:
                log.exception("source scheduler could not read the schedule")
                due = None
            if due is not None and due <= self.clock.now():
                continue  # more fell due than one pass runs: go round again at once
            self._waker.wake_at(latest if due is None else min(due, latest))
            await self._wake.wait()
