"""The thin layer between the repositories and the two engines: SQLite (aiosqlite) and PostgreSQL (asyncpg).

Repositories write one SQL text in the subset both engines accept, with `?` placeholders, and use
the same small API on either engine: `execute` (awaited, or used as `async with ... as cursor`),
`executemany`, rows indexed by position or column name, `rowcount`. What differs is here only:

- placeholders: `?` becomes `$1, $2, ...` for PostgreSQL (outside string literals);
- functions: SQLite gets `greatest()`/`least()` (PostgreSQL's, which skip NULLs);
- statement status: asyncpg reports "UPDATE 3" for a statement and rows for a query or `RETURNING`
  (`bot/store/pg_engine.py`: the PostgreSQL side, loaded only with a PostgreSQL store);
- locks: `lock(key)` takes a transaction-scoped advisory lock on PostgreSQL, and is a no-op on
  SQLite, whose write transactions are already serialised (`BEGIN IMMEDIATE` behind one writer).
"""

from __future__ import annotations

import functools
import re
from abc import ABC, abstractmethod
from collections.abc import Coroutine, Generator, Iterable, Sequence
from typing import Any, Protocol

import aiosqlite

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


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


class ServerUnreachable(ConnectionError):
    """PostgreSQL can't be reached or refuses connections (down, restarting, full), or kept losing them."""


async def lock_guild(conn: Connection, guild_id: int) -> None:
    """Serialise a guild's read-check-write transactions (call first thing inside the transaction).

    PostgreSQL runs transactions side by side, so two imports (or an import and an admin edit) could
    each check the same data version and both write: the second would silently overwrite the first.
    The advisory lock makes the second wait until the first commits, then read what it wrote. The
    key is the guild id (a snowflake, far above any small key a process-wide lock would use).
    """
    await conn.lock(guild_id)
