"""The one owner of the SQLite connections.

A single writer connection serialises every write transaction behind an asyncio lock and opens it
with `BEGIN IMMEDIATE` (a deferred read-then-write transaction would fail with "database is
locked" at once, whatever the busy timeout). A second connection serves reads; WAL mode lets it
read while a write is in progress.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT_MS = 10_000

log = logging.getLogger(__name__)

#: Awaited (in the task that is writing) when its write has to wait for the database: another write
#: of ours is running, or another process holds SQLite's lock. The bot sets it per interaction so
#: the interaction is deferred before Discord's 3-second deadline passes.
WRITE_WAIT: contextvars.ContextVar[Callable[[], Awaitable[None]] | None] = contextvars.ContextVar(
    "hustings_write_wait", default=None
)
#: How long a write may wait for the lock before WRITE_WAIT is called (seconds).
WAIT_NOTICE_AFTER = 0.5


async def _notice(callback: Callable[[], Awaitable[None]]) -> None:
    """Call a WRITE_WAIT callback; its failure never stops the write."""
    try:
        await callback()
    except Exception:
        log.warning("could not act on a write that has to wait", exc_info=True)


async def _connect(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA journal_mode = WAL")
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute("PRAGMA synchronous = NORMAL")
    return conn


async def _finish(operation: Awaitable[object]) -> None:
    """Await a statement to completion even if the awaiting task is cancelled meanwhile."""
    task = asyncio.ensure_future(operation)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await task  # the statement still completes (or fails) before the cancellation propagates
        raise


class Database:
    """Owns the writer and reader connections to one SQLite file."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        #: Write transactions committed through this object (caches use it to skip re-checking versions).
        self.commits = 0

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        """Open (creating the parent folder and file if needed) the database at `path`."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path)
        reader = await _connect(path)
        return cls(path, writer, reader)

    async def close(self) -> None:
        """Close both connections."""
        await self._reader.close()
        await self._writer.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def reader(self) -> aiosqlite.Connection:
        """The read-only connection: use it for queries outside a write transaction."""
        return self._reader

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: `BEGIN IMMEDIATE`, committed on success, rolled back on any error.

        BEGIN, COMMIT and ROLLBACK run to completion even if the caller is cancelled meanwhile, so a
        cancelled task can never leave the shared writer inside an open transaction.
        """
        notice = WRITE_WAIT.get()
        if notice is not None and self._write_lock.locked():
            await _notice(notice)
            notice = None
        async with self._write_lock:
            if self._writer.in_transaction:  # defensive: never build on a transaction left open
                await _finish(self._writer.execute("ROLLBACK"))
            begin = asyncio.ensure_future(self._writer.execute("BEGIN IMMEDIATE"))
            try:
                if notice is not None:
                    try:  # another process may hold the lock (busy_timeout makes BEGIN wait for it)
                        await asyncio.wait_for(asyncio.shield(begin), WAIT_NOTICE_AFTER)
                    except TimeoutError:
                        await _notice(notice)
                await _finish(begin)
            except asyncio.CancelledError:
                if not begin.done():
                    await asyncio.wait({begin})  # BEGIN still completes: then give the lock back
                if self._writer.in_transaction:
                    await _finish(self._writer.execute("ROLLBACK"))
                raise
            try:
                yield self._writer
            except BaseException:
                await _finish(self._writer.execute("ROLLBACK"))
                raise
            else:
                await _finish(self._writer.execute("COMMIT"))
                self.commits += 1

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Run a read query on the reader connection and return all rows."""
        async with self._reader.execute(sql, tuple(params)) as cur:
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        """Run a read query on the reader connection and return the first row, if any."""
        async with self._reader.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()

    async def backup(self, dest: str | Path) -> None:
        """Write a consistent copy of the live database to `dest` (SQLite online backup API)."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        target = await aiosqlite.connect(dest)
        try:
            async with self._write_lock:
                await self._writer.backup(target)
        finally:
            await target.close()
