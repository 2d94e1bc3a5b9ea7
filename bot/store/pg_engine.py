"""The PostgreSQL side of the shared SQL layer (`bot/store/engine.py`): asyncpg connections, cursors and the
pooled reader behind the same `Connection` API. Imported only by `bot/store/postgres.py`, so a bot on
SQLite never loads asyncpg (15–30 ms of every start).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import asyncpg

from bot.store.engine import (
    NOTIFY_CHANNEL,
    POSTGRESQL,
    Connection,
    Cursor,
    Row,
    ServerUnreachable,
    notify_payload,
    to_postgres,
)


@functools.lru_cache(maxsize=4096)
def _returns_rows(sql: str) -> bool:
    """Whether asyncpg should fetch rows for `sql` (a query or `RETURNING`) rather than run it for its status."""
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return head in ("SELECT", "WITH", "VALUES", "SHOW") or " RETURNING " in f" {sql.upper()} "


class PgCursor(Cursor):
    """The rows (or the status) asyncpg returned."""

    __slots__ = ("_at", "_count", "_rows")

    def __init__(self, rows: list[Row], count: int) -> None:
        self._rows = rows
        self._count = count
        self._at = 0

    @property
    def rowcount(self) -> int:
        return self._count

    async def fetchone(self) -> Row | None:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    async def fetchall(self) -> list[Row]:
        rest, self._at = self._rows[self._at :], len(self._rows)
        return rest


def _status_count(status: str) -> int:
    """The row count in a command tag ("UPDATE 3", "INSERT 0 1", "DELETE 0"); -1 when there is none."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


async def run_postgres(raw: asyncpg.Connection, sql: str, params: tuple[Any, ...]) -> Cursor:
    """One statement on an asyncpg connection."""
    text = to_postgres(sql)
    if _returns_rows(sql):
        rows = await raw.fetch(text, *params)
        return PgCursor(rows, len(rows) if " RETURNING " in f" {sql.upper()} " else -1)
    status = await raw.execute(text, *params)
    return PgCursor([], _status_count(status))


async def executemany_postgres(raw: asyncpg.Connection, sql: str, rows: Iterable[Sequence[Any]]) -> int:
    """One statement per parameter row, pipelined; the count comes from `RETURNING 1` (asyncpg's
    executemany reports none), so an `ON CONFLICT DO NOTHING` insert counts only the new rows."""
    batch = [tuple(r) for r in rows]
    if not batch:
        return 0
    text = to_postgres(sql)
    if _returns_rows(sql) or sql.lstrip().split(None, 1)[0].upper() not in ("INSERT", "UPDATE", "DELETE"):
        await raw.executemany(text, batch)
        return -1
    return len(await raw.fetchmany(f"{text} RETURNING 1", batch))


class PgConnection(Connection):
    """An asyncpg connection (inside a transaction) behind the shared API."""

    engine = POSTGRESQL

    def __init__(self, raw: asyncpg.Connection) -> None:
        self.raw = raw
        #: What this transaction notified (topic, guild): the store tells this process's own listener on
        #: commit, before the notifications come back from the server.
        self.notified: list[tuple[str, int | None]] = []

    async def _run(self, sql: str, params: tuple[Any, ...]) -> Cursor:
        return await run_postgres(self.raw, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        return await executemany_postgres(self.raw, sql, rows)

    async def lock(self, key: int) -> None:
        await self.raw.execute("SELECT pg_advisory_xact_lock($1)", key)

    async def notify(self, topic: str, guild_id: int | None = None) -> None:
        # PostgreSQL folds identical notifications of one transaction into one.
        await self.raw.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, notify_payload(topic, guild_id))
        self.notified.append((topic, guild_id))


#: Pauses (seconds) between attempts when the connection to PostgreSQL was lost: about 3 s in all,
#: inside Discord's 3-second window for a command that was deferred meanwhile.
RECONNECT_BACKOFF = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)


async def acquire(pool: asyncpg.Pool) -> Any:
    """A pooled connection; failing to get one (the pool connects anew when the last one was lost) raises
    `ServerUnreachable`, whatever the cause: refused, not accepting connections, too many, timed out."""
    try:
        return await pool.acquire()
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        if pool.is_closing():
            raise
        raise ServerUnreachable(f"can't connect to PostgreSQL ({exc})") from exc


def connection_lost(exc: BaseException) -> bool:
    """Whether `exc` means the connection to PostgreSQL went away (the server restarted, an operator or a
    failover ended the session, the network dropped), rather than that the statement was wrong."""
    return isinstance(
        exc,
        asyncpg.PostgresConnectionError  # class 08: connection exceptions
        | asyncpg.AdminShutdownError  # 57P01: pg_terminate_backend, a fast shutdown
        | asyncpg.CrashShutdownError
        | asyncpg.CannotConnectNowError  # 57P03: the server is starting up or shutting down
        | asyncpg.InterfaceError  # "connection is closed", "released back to the pool"
        | asyncpg.InternalClientError  # a pooled connection that died between two statements
        | ConnectionError
        | OSError,
    )


class PgPoolReader(Connection):
    """Reads outside a transaction: each statement borrows a pooled connection (autocommit).

    A read whose connection was lost is tried again on another after a short pause (reads change
    nothing, so repeating one is safe); the pool replaces connections the server closed.
    """

    engine = POSTGRESQL

    def __init__(self, pool: asyncpg.Pool, before_retry: Callable[[], Awaitable[None]] | None = None) -> None:
        self.pool = pool
        #: Awaited once before the first pause (the store defers the command waiting on this read).
        self.before_retry = before_retry

    async def _run(self, sql: str, params: tuple[Any, ...]) -> Cursor:
        waited = False
        for pause in (*RECONNECT_BACKOFF, None):
            try:
                raw = await acquire(self.pool)
                try:
                    return await run_postgres(raw, sql, params)
                finally:
                    await self.pool.release(raw)
            except Exception as exc:
                if not connection_lost(exc) or self.pool.is_closing():
                    raise
                if pause is None:  # still lost after the back-off: members are told storage is unavailable
                    raise ServerUnreachable(f"lost the connection to PostgreSQL ({exc})") from exc
                if not waited and self.before_retry is not None:
                    waited = True
                    await self.before_retry()
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        async with self.pool.acquire() as raw:
            return await executemany_postgres(raw, sql, rows)
