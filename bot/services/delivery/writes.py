"""Ledger writes that a stop cannot cut in half, owned by the delivery engine (and shared with its outbox)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.store.database import Database
from bot.store.engine import Connection

T = TypeVar("T")


class ShieldedWrites:
    """Runs each write transaction in its own task, shielded from the caller's cancellation.

    A stop that lands mid-write never leaves the shared writer connection inside an open transaction;
    `finish` waits for the writes still running after their callers were cancelled.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._running: set[asyncio.Task[object]] = set()

    async def run(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        """Run `work` in one write transaction that a cancellation (a stop) cannot cut in half."""

        async def run() -> T:
            async with self.db.transaction() as tx:
                return await work(tx)

        task = asyncio.ensure_future(run())
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return await asyncio.shield(task)

    async def finish(self) -> None:
        """Wait for shielded writes still running (after cancelling the tasks that started them)."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)
