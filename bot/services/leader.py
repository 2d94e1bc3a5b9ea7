"""Process roles: any number of processes answer members; exactly one at a time, the leader, runs the
scheduled work (the delivery planner and lanes, the source scheduler, command sync, scheduled events).

On SQLite the one process always leads (the run lock already keeps a second process off the file).
On PostgreSQL the leader is whoever holds the leader lock (`bot.store.leader`); the others stand by
and try again every few seconds, so one takes over within seconds of the leader dying. A process
whose lock connection is lost stops its scheduled work at once and stands by again: sends it had in
flight stay claimed until their lease runs out, then the new leader retries them with their nonces.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger(__name__)

#: Seconds between a standing-by process's attempts to take the lead.
RETRY_EVERY = 2.0
#: Seconds between the leader's checks that its lock connection is alive.
CHECK_EVERY = 2.0


class Lock(Protocol):
    """What leadership needs of the leader lock (`bot.store.leader.LeaderLock`)."""

    async def try_acquire(self) -> bool:
        """Take the lock if free; True when taken (raises when the store can't be reached)."""
        ...

    async def wait_lost(self, every: float) -> str:
        """Return, with the reason, once the lock is lost."""
        ...

    async def close(self) -> None:
        """Give the lock back."""
        ...


class Leadership:
    """Runs `lead` when this process becomes the leader and `stand_down` when it stops being it."""

    def __init__(
        self,
        lock: Lock | None,
        *,
        lead: Callable[[], Awaitable[None]],
        stand_down: Callable[[], Awaitable[None]],
        may_lead: bool = True,
        retry_every: float = RETRY_EVERY,
        check_every: float = CHECK_EVERY,
    ) -> None:
        #: None: the store has one process (SQLite), which always leads.
        self.lock = lock
        self.may_lead = may_lead
        self._lead = lead
        self._stand_down = stand_down
        self.retry_every = retry_every
        self.check_every = check_every
        self.leading = False
        #: Set each time this process becomes the leader (tests and the multi-process harness wait on it).
        self.became_leader = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._unreachable = False
        self._standing_by = False

    async def start(self) -> None:
        """Lead at once on a one-process store. Otherwise try for the lead now (leading, the work starts
        before this returns, as on SQLite: commands are synced before the gateway connects), then keep
        contending in the background."""
        if self.lock is None:
            self.leading = True
            self.became_leader.set()
            await self._lead()
            return
        if not self.may_lead:
            log.info("this process answers members only (HUSTINGS_ROLE=gateway): another one sends and syncs")
            return
        if self._task is None:
            taken = await self._attempt()
            if taken:
                await self._take_lead()
            self._task = asyncio.create_task(self._contend(holding=taken), name="hustings-leadership")

    async def _attempt(self) -> bool:
        """One try for the lock; what changed is logged once (unreachable, reachable again, standing by)."""
        assert self.lock is not None
        try:
            taken = await self.lock.try_acquire()
        except Exception as exc:
            if not self._unreachable:
                log.error(
                    "can't reach PostgreSQL to take the lead (%s); trying again every %.0fs",
                    exc,
                    self.retry_every,
                )
                self._unreachable = True
            return False
        if self._unreachable:
            log.warning("PostgreSQL answers again")
            self._unreachable = False
        if not taken and not self._standing_by:
            log.warning("another process leads: this one answers members and stands by to take over")
        self._standing_by = not taken
        return taken

    async def _take_lead(self) -> None:
        self.leading = True
        self.became_leader.set()
        log.warning("this process now leads: it sends scheduled posts and reminders, runs sources, syncs commands")
        try:
            await self._lead()
        except BaseException:
            await self._drop_lead()
            raise

    async def _drop_lead(self) -> None:
        self.leading = False
        self.became_leader.clear()
        await asyncio.shield(self._stand_down())

    async def _contend(self, *, holding: bool) -> None:
        assert self.lock is not None
        while True:
            if not holding:
                if not await self._attempt():
                    await asyncio.sleep(self.retry_every)
                    continue
                await self._take_lead()
            holding = False
            try:
                reason = await self.lock.wait_lost(self.check_every)
                log.error(
                    "lost the lead (%s): stopped sending at once; sends in flight are retried by the next leader",
                    reason,
                )
            finally:
                await self._drop_lead()

    async def stop(self) -> None:
        """Stop contending (the caller stops the scheduled work, then calls `release`)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def release(self) -> None:
        """Give the lead back (after the scheduled work stopped): another process may take over at once."""
        if self.lock is not None:
            await self.lock.close()
