"""Wake at T, or when kicked: the one timer mechanism behind the background services.

An APScheduler one-shot job calls back at the next instant something is due (on the service's
clock, mapped to real time, so an offset clock works too); `kick()` calls back soon from any thread;
and moving a hand-moved clock kicks, through the `on_advance` every clock offers. The callback
only signals the service's own task (sets an event), so it must be cheap and never block.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock


class Waker:
    """Calls `callback` at the armed instant, on `kick()`, when the clock is moved, and every `every`."""

    def __init__(
        self, clock: Clock, callback: Callable[[], None], *, name: str, every: timedelta | None = None
    ) -> None:
        self.clock = clock
        self.callback = callback
        self.name = name
        self.every = every
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scheduler: AsyncIOScheduler | None = None
        self._listening = False

    def start(self) -> None:
        """Start the timer on the running event loop (idempotent)."""
        if self._scheduler is not None:
            return
        self._loop = asyncio.get_running_loop()
        if not self._listening:  # a clock keeps its listeners: register once, across restarts
            self.clock.on_advance(self.kick)
            self._listening = True
        logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one wake per due instant is not news
        self._scheduler = AsyncIOScheduler(timezone=UTC, event_loop=self._loop)
        if self.every is not None:
            self._scheduler.add_job(
                self.kick, IntervalTrigger(seconds=self.every.total_seconds()), id=f"{self.name}-safety"
            )
        self._scheduler.start()

    def stop(self) -> None:
        """Stop the timer; later kicks are ignored until `start`."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    def kick(self) -> None:
        """Call back soon on the event loop. Safe from any thread (APScheduler runs jobs in a worker)."""
        loop = self._loop
        if loop is None:
            self.callback()
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self.callback()
        elif not loop.is_closed():
            loop.call_soon_threadsafe(self.callback)

    def wake_at(self, when: datetime | None) -> None:
        """Arm the one-shot timer for clock instant `when`, replacing the last one (None: disarm)."""
        if self._scheduler is None:
            return
        job = f"{self.name}-wake"
        if when is None:
            with contextlib.suppress(Exception):
                self._scheduler.remove_job(job)
            return
        delay = max(timedelta(0), when - self.clock.now())
        run_at = datetime.now(UTC) + delay  # the scheduler counts real time; our clock may be offset
        self._scheduler.add_job(
            self.kick, DateTrigger(run_date=run_at), id=job, replace_existing=True, misfire_grace_time=None
        )
