"""The running bot's heartbeat: what `hustings health` (and Docker's HEALTHCHECK) reads.

Every HEARTBEAT_EVERY seconds the bot rewrites a small file beside its database saying whether it
is connected to the gateway, when the delivery loop last ticked and whether the database accepts
writes. The health command reads it (and opens the database read-only), so checking never touches
the bot's connections or schema.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from bot.store.database import Database
from bot.store.sidecar import Heartbeat, heartbeat_path, write_heartbeat

log = logging.getLogger(__name__)

#: Seconds between heartbeats (the health command calls one older than 90 s stale).
HEARTBEAT_EVERY = 20.0


class HeartbeatWriter:
    """Writes the heartbeat file until stopped; removes it on a clean stop."""

    def __init__(
        self,
        database: Path,
        db: Database,
        *,
        connected: Callable[[], bool],
        last_tick: Callable[[], float | None],
    ) -> None:
        self.database = database
        self.db = db
        self._connected = connected
        self._last_tick = last_tick
        self._task: asyncio.Task[None] | None = None

    def beat(self) -> Heartbeat:
        """The heartbeat as of now."""
        problem = None
        if not self.db.file_is_ours():
            problem = f"the database file {self.database} was deleted or replaced while the bot ran"
        elif self.db.cannot_save_since is not None:
            problem = "writes are failing (disk full or file read-only)"
        return Heartbeat(
            pid=os.getpid(),
            at=time.time(),
            gateway_connected=self._connected(),
            last_tick=self._last_tick(),
            database_ok=problem is None,
            problem=problem,
        )

    def write(self) -> None:
        """Write one heartbeat now (a failure is logged, never raised: health will see a stale file)."""
        try:
            write_heartbeat(self.database, self.beat())
        except OSError:
            log.warning("could not write the health heartbeat", exc_info=True)

    def start(self) -> None:
        """Begin writing heartbeats."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="health-heartbeat")

    async def stop(self) -> None:
        """Stop, and remove the heartbeat so a stopped bot never reads as healthy."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(OSError):
            heartbeat_path(self.database).unlink()

    async def _run(self) -> None:
        while True:
            self.write()
            await asyncio.sleep(HEARTBEAT_EVERY)
