"""The thin layer between the repositories and the two engines: SQLite (aiosqlite) and PostgreSQL (asyncpg).

Repositories write one SQL text in the subset both engines accept, with `?` placeholders, and use
the same small API on either engine: `execute` (awaited, or used as `async with ... as cursor`),
`executemany`, rows indexed by position or column name, `rowcount`. What differs is here only:

- placeholders: `?` becomes `$1, $2, ...` for PostgreSQL (outside string literals);
- functions: SQLite gets `greatest()`/`least()` (PostgreSQL's, which skip NULLs);
- statement status: asyncpg reports "UPDATE 3" for a statement and rows for a query or `RETURNING`;
- locks: `lock(key)` takes a transaction-scoped advisory lock on PostgreSQL, and is a no-op on
  SQLite, whose write transactions are already serialised (`BEGIN IMMEDIATE` behind one writer).
"""

from __future__ import annotations

import asyncio
import functools
import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable, Sequence
from typing import Any, Protocol

import aiosqlite
import asyncpg

SQLITE = "sqlite"
POSTGRESQL = "postgresql"

#: A constraint or trigger refused the statement, on either engine (catch this, not one driver's class).
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)


class Row(Protocol):
    """A result row: by position (`row[0]`) or by column name (`row["id"]`); `keys()` names the columns."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def keys(self) -> Any: ...

    def __iter__(self) -> Any: ...


class Cursor(ABC):
    """The outcome of one statement: its rows (a query, or `RETURNING`) and how many rows it changed."""

    @property
    @abstractmethod
    def rowcount(self) -> int:
        """Rows inserted, updated or deleted by the statement (-1 for a query, as SQLite reports)."""

    @abstractmethod
    async def fetchone(self) -> Row | None:
        """The next row, or None."""

    @abstractmethod
    async def fetchall(self) -> list[Row]:
        """The remaining rows."""

    async def fetchall_plain(self) -> list[Any]:
        """The remaining rows as plain sequences (unpack them by position): cheaper at 10,000 rows."""
        return await self.fetchall()

    async def close(self) -> None:
        """Free the statement (SQLite); nothing to do for PostgreSQL, whose rows are already fetched."""
        return None


class Execution:
    """A statement on its way: `await` it for its cursor, or `async with` it (the cursor is closed after)."""

    __slots__ = ("_cursor", "_run")

    def __init__(self, run: Coroutine[Any, Any, Cursor]) -> None:
        self._run = run
        self._cursor: Cursor | None = None

    def __await__(self) -> Generator[Any, None, Cursor]:
        return self._run.__await__()

    async def __aenter__(self) -> Cursor:
        self._cursor = await self._run
        return self._cursor

    async def __aexit__(self, *exc: object) -> None:
        if self._cursor is not None:
            await self._cursor.close()


class Connection(ABC):
    """One connection (or, for PostgreSQL's reader, a pool lending one per statement)."""

    engine: str

    def execute(self, sql: str, params: Iterable[Any] = ()) -> Execution:
        """Run one statement with `?` placeholders."""
        return Execution(self._run(sql, tuple(params)))

    @abstractmethod
    async def _run(self, sql: str, params: tuple[Any, ...]) -> Cursor: ...

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run one statement once per parameter row; returns how many rows it inserted, updated or deleted."""

    async def lock(self, key: int) -> None:
        """Hold an advisory lock on `key` until the transaction ends (no-op where writes are serialised)."""
        return None

    async def notify(self, topic: str, guild_id: int | None = None) -> None:
        """Tell the other processes, when this transaction commits, that `topic` changed (for `guild_id`).

        PostgreSQL sends a `NOTIFY` inside the transaction, delivered on commit and dropped on rollback
        (`bot.store.notify` listens). A no-op on SQLite: one process owns the file, and readers see other
        programs' commits through `PRAGMA data_version`.
        """
        return None


# ----------------------------------------------------------------------------------------------- SQLite


class SqliteCursor(Cursor):
    """An aiosqlite cursor, read lazily."""

    __slots__ = ("_cur",)

    def __init__(self, cur: aiosqlite.Cursor) -> None:
        self._cur = cur

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    async def fetchone(self) -> Row | None:
        row: Row | None = await self._cur.fetchone()
        return row

    async def fetchall(self) -> list[Row]:
        return list(await self._cur.fetchall())

    async def fetchall_plain(self) -> list[Any]:
        self._cur.row_factory = None  # plain tuples: noticeably cheaper than sqlite3.Row
        return list(await self._cur.fetchall())

    async def close(self) -> None:
        await self._cur.close()


def _greatest(*values: Any) -> Any:
    """PostgreSQL's greatest(): the largest of the non-NULL arguments (NULL only if all are)."""
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _least(*values: Any) -> Any:
    """PostgreSQL's least(): the smallest of the non-NULL arguments (NULL only if all are)."""
    present = [v for v in values if v is not None]
    return min(present) if present else None


async def add_sqlite_functions(conn: aiosqlite.Connection) -> None:
    """Give a SQLite connection the functions the shared SQL uses that SQLite lacks."""
    await conn.create_function("greatest", -1, _greatest, deterministic=True)
    await conn.create_function("least", -1, _least, deterministic=True)


class SqliteConnection(Connection):
    """An aiosqlite connection behind the shared API (`raw` is the aiosqlite connection)."""

    engine = SQLITE

    def __init__(self, raw: aiosqlite.Connection) -> None:
        self.raw = raw

    async def _run(self, sql: str, params: tuple[Any, ...]) -> Cursor:
        return SqliteCursor(await self.raw.execute(sql, params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        before = self.raw.total_changes
        await self.raw.executemany(sql, rows)
        return self.raw.total_changes - before


# ------------------------------------------------------------------------------------------- PostgreSQL

#: The LISTEN/NOTIFY channel every process listens on (`bot.store.notify`).
NOTIFY_CHANNEL = "hustings"
#: Notification topics: a guild's data version moved; something the delivery planner plans from changed
#: (announcements, reminders, subscriptions); a source was added, changed or removed.
TOPIC_DATA, TOPIC_DELIVERY, TOPIC_SOURCES = "data", "delivery", "sources"


def notify_payload(topic: str, guild_id: int | None) -> str:
    """`topic:guild` (`topic:` when the change concerns no one guild)."""
    return f"{topic}:{'' if guild_id is None else guild_id}"


def parse_payload(payload: str) -> tuple[str, int | None]:
    """The topic and guild of a notification (a malformed guild reads as None: every guild)."""
    topic, _, guild = payload.partition(":")
    return topic, int(guild) if guild.isdigit() else None


_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?")


@functools.lru_cache(maxsize=4096)
def to_postgres(sql: str) -> str:
    """`?` placeholders as `$1, $2, ...` (those inside quoted literals or names are left alone)."""
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(0) != "?":
            return match.group(0)
        count += 1
        return f"${count}"

    return _TOKEN.sub(number, sql)


@functools.lru_cache(maxsize=4096)
def _returns_rows(sql: str) -> bool:
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


class ServerUnreachable(ConnectionError):
    """PostgreSQL can't be reached or refuses connections (down, restarting, full), or kept losing them."""


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


async def lock_guild(conn: Connection, guild_id: int) -> None:
    """Serialise a guild's read-check-write transactions (call first thing inside the transaction).

    PostgreSQL runs transactions side by side, so two imports (or an import and an admin edit) could
    each check the same data version and both write: the second would silently overwrite the first.
    The advisory lock makes the second wait until the first commits, then read what it wrote. The
    key is the guild id (a snowflake, far above any small key a process-wide lock would use).
    """
    await conn.lock(guild_id)
