"""Wake at T, or when kicked: the one timer mechanism behind the background services.

An APScheduler one-shot job calls back when the service's clock reads the armed instant (the clock
says how far that is in real time: `Clock.seconds_until`; a hand-moved clock says never, and its
moves kick instead, through the `on_advance` every clock offers); `kick()` calls back soon from any
thread. The callback only signals the service's own task (sets an event): cheap, never blocking.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.clock import Clock


class Waker:
    """Calls `callback` at the armed instant, on `kick()`, and when the clock is moved by hand."""

    def __init__(self, clock: Clock, callback: Callable[[], None], *, name: str) -> None:
        self.clock = clock
        self.callback = callback
        self.name = name
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

    @property
    def timed(self) -> bool:
        """Whether real time moves the clock, so an instant is worth computing and arming (False for a
        clock moved by hand: its moves kick)."""
        return self.clock.seconds_until(self.clock.now()) is not None

    def wake_at(self, when: datetime | None) -> None:
        """Arm the one-shot timer for clock instant `when`, replacing the last one (None: disarm)."""
        if self._scheduler is None:
            return
        job = f"{self.name}-wake"
        delay = None if when is None else self.clock.seconds_until(when)
        if delay is None:  # nothing to wake for, or only a move by hand gets there (and kicks)
            with contextlib.suppress(Exception):
                self._scheduler.remove_job(job)
            return
        run_at = datetime.now(UTC) + timedelta(seconds=delay)  # the scheduler counts real time
        self._scheduler.add_job(
            self.kick, DateTrigger(run_date=run_at), id=job, replace_existing=True, misfire_grace_time=None
        )
