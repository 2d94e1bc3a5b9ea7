"""The one owner of the database connections: SQLite here, PostgreSQL in `bot/store/postgres.py`.

`Database.open` takes a SQLite file path or a `postgresql://` URL (`HUSTINGS_DATABASE`).

A single writer connection serialises every write transaction behind an asyncio lock and opens it
with `BEGIN IMMEDIATE` (a deferred read-then-write transaction would fail with "database is
locked" at once, whatever the busy timeout). A second connection serves reads; WAL mode lets it
read while a write is in progress.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store.engine import Connection, Row, ServerUnreachable, SqliteConnection, add_sqlite_functions

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


#: Until when (time.monotonic) the current task's write may keep retrying `BEGIN IMMEDIATE` while another
#: process holds the lock longer than the busy timeout. The bot sets it per (deferred) interaction.
WRITE_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("hustings_write_deadline", default=None)

#: SQLite result codes (primary) that mean "storage refuses writes", not "the statement is wrong".
SQLITE_READONLY, SQLITE_FULL, SQLITE_BUSY = 8, 13, 5


class DatabaseUnavailable(Exception):
    """The database file can't be opened or used; `str()` is one sentence naming the file and the problem."""


class CannotSave(Exception):
    """Writes are refused right now (disk full, file read-only, or the file was deleted under the bot)."""


def describe_failure(path: Path | str, exc: BaseException) -> str:
    """One sentence for an operator: which database file, and what is wrong with it."""
    text = str(exc)
    low = text.lower()
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        problem = "is damaged or is not a Hustings database"
    elif "readonly" in low or "read-only" in low or isinstance(exc, PermissionError):
        problem = "is read-only: give the bot's user write access to it and to its folder"
    elif "disk is full" in low or "full" in low:
        problem = "can't be written because the disk is full"
    elif "unable to open" in low or isinstance(exc, FileNotFoundError | IsADirectoryError | NotADirectoryError):
        problem = "can't be opened: check that the path is a file in a folder the bot may write to"
    elif "locked" in low:
        problem = "is locked by another program"
    else:
        problem = f"can't be used ({text})"
    return f"The database {path} {problem}."


def storage_refuses_writes(exc: BaseException) -> bool:
    """True for errors that mean the storage itself refuses writes (full disk, read-only, file gone)."""
    if isinstance(exc, CannotSave | ServerUnreachable):
        return True
    state = getattr(exc, "sqlstate", None)  # PostgreSQL: insufficient resources, read-only, connection lost
    if isinstance(state, str):
        return state.startswith(("53", "08", "57P")) or state == "25006"
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.Error) and code is not None and code & 0xFF in (SQLITE_FULL, SQLITE_READONLY)


async def _connect(path: Path, *, read_only: bool = False) -> aiosqlite.Connection:
    """Connect and set the pragmas; on any failure the connection (and its thread) is closed again."""
    if read_only:
        conn = await aiosqlite.connect(_read_only_uri(path), uri=True, isolation_level=None)
    else:
        conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await add_sqlite_functions(conn)
        if read_only:
            await conn.execute("PRAGMA query_only = ON")
            await conn.execute("SELECT count(*) FROM sqlite_master")  # fails now on a damaged file
        else:
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        await conn.close()
        raise
    return conn


async def _finish(operation: Awaitable[object]) -> None:
    """Await a statement to completion even if the awaiting task is cancelled meanwhile."""
    task = asyncio.ensure_future(operation)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await task  # the statement still completes (or fails) before the cancellation propagates
        raise


def is_postgres_url(target: str | Path) -> bool:
    """Whether `HUSTINGS_DATABASE` names a PostgreSQL server rather than a SQLite file."""
    return isinstance(target, str) and target.split("://", 1)[0] in ("postgresql", "postgres")


class Database:
    """Owns the writer and reader connections to one SQLite file (`PostgresDatabase` for a server)."""

    #: Which engine: "sqlite" or "postgresql" (repositories never need to ask; tests and tools do).
    engine = "sqlite"

    def __init__(
        self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection, *, read_only: bool = False
    ) -> None:
        self.path: Path | str = path
        self._writer = writer
        self._reader = reader
        self._writer_conn: Connection = SqliteConnection(writer)
        self._reader_conn: Connection = SqliteConnection(reader)
        self._write_lock = asyncio.Lock()
        self.read_only = read_only
        #: Write transactions committed through this object (caches use it to skip re-checking versions).
        self.commits = 0
        #: The file the connections opened (device, inode): a path that stops naming it means the file
        #: was deleted or replaced under the bot, and writes would be lost at the next start.
        self._identity = _identity(Path(path))
        #: When (time.monotonic) writes started failing because storage refuses them; None while they work.
        self.cannot_save_since: float | None = None

    @classmethod
    async def open(cls, path: str | Path, *, read_only: bool = False) -> Database:
        """Open the database at `path` (creating the parent folder and file if needed, unless `read_only`).

        A `postgresql://` URL opens a `PostgresDatabase` instead. Any failure closes whatever was opened
        and raises `DatabaseUnavailable` with one sentence for the operator, so a damaged file never
        leaves a connection thread keeping the process alive.
        """
        if is_postgres_url(path):
            from bot.store.postgres import PostgresDatabase

            return await PostgresDatabase.connect(str(path), read_only=read_only)
        path = Path(path)
        opened: list[aiosqlite.Connection] = []
        try:
            if read_only:
                if not path.is_file():
                    raise DatabaseUnavailable(f"The database {path} does not exist.")
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
            opened.append(await _connect(path, read_only=read_only))
            opened.append(await _connect(path, read_only=read_only))
        except DatabaseUnavailable:
            raise
        except (sqlite3.Error, OSError, ValueError) as exc:
            for conn in opened:
                await conn.close()
            raise DatabaseUnavailable(describe_failure(path, exc)) from exc
        except BaseException:
            for conn in opened:
                await conn.close()
            raise
        return cls(path, opened[0], opened[1], read_only=read_only)

    def __str__(self) -> str:
        return str(self.path)

    async def close(self) -> None:
        """Close both connections."""
        try:
            await self._reader.close()
        finally:
            await self._writer.close()

    def file_is_ours(self) -> bool:
        """Whether the path still names the file the connections have open (not deleted or replaced)."""
        return self._identity is None or _identity(Path(self.path)) == self._identity

    async def check(self, *, full: bool = False) -> list[str]:
        """SQLite's `quick_check` (or `integrity_check` with `full`): the problems found, [] when sound."""
        pragma = "integrity_check" if full else "quick_check"
        try:
            rows = await self.fetchall(f"PRAGMA {pragma}")
        except sqlite3.DatabaseError as exc:
            return [str(exc)]
        problems = [" ".join(str(r[0]).replace("*** in database main ***", "").split()) for r in rows]
        return [] if problems == ["ok"] else problems

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def reader(self) -> Connection:
        """The read-only connection: use it for queries outside a write transaction."""
        return self._reader_conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """A write transaction: `BEGIN IMMEDIATE`, committed on success, rolled back on any error.

        BEGIN, COMMIT and ROLLBACK run to completion even if the caller is cancelled meanwhile, so a
        cancelled task can never leave the shared writer inside an open transaction.
        """
        if not self.file_is_ours():
            self._cannot_save(CannotSave(f"the database file {self.path} was deleted or replaced while the bot ran"))
            raise CannotSave(f"the database file {self.path} was deleted or replaced while the bot ran")
        notice = WRITE_WAIT.get()
        if notice is not None and self._write_lock.locked():
            await _notice(notice)
            notice = None
        async with self._write_lock:
            if self._writer.in_transaction:  # defensive: never build on a transaction left open
                await _finish(self._writer.execute("ROLLBACK"))
            while True:
                begin = asyncio.ensure_future(self._writer.execute("BEGIN IMMEDIATE"))
                try:
                    if notice is not None:
                        try:  # another process may hold the lock (busy_timeout makes BEGIN wait for it)
                            await asyncio.wait_for(asyncio.shield(begin), WAIT_NOTICE_AFTER)
                        except TimeoutError:
                            await _notice(notice)
                            notice = None
                    await _finish(begin)
                    break
                except asyncio.CancelledError:
                    if not begin.done():
                        await asyncio.wait({begin})  # BEGIN still completes: then give the lock back
                    if self._writer.in_transaction:
                        await _finish(self._writer.execute("ROLLBACK"))
                    raise
                except sqlite3.OperationalError as exc:
                    # Held past the busy timeout: an interaction that was deferred may keep waiting up to
                    # its own deadline (Discord keeps a deferred interaction open for 15 minutes).
                    deadline = WRITE_DEADLINE.get()
                    busy = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF == SQLITE_BUSY
                    if not busy or deadline is None or time.monotonic() >= deadline:
                        self._cannot_save(exc)
                        raise
                    log.warning("another program has held the database's write lock a long time; still waiting")
            try:
                yield self._writer_conn
            except BaseException as exc:
                # SQLite rolls the transaction back itself on some errors (SQLITE_FULL among them): a second
                # ROLLBACK would fail and hide the real error from the caller.
                if self._writer.in_transaction:
                    await _finish(self._writer.execute("ROLLBACK"))
                self._cannot_save(exc)
                raise
            else:
                try:
                    await _finish(self._writer.execute("COMMIT"))
                except BaseException as exc:
                    if self._writer.in_transaction:
                        await _finish(self._writer.execute("ROLLBACK"))
                    self._cannot_save(exc)
                    raise
                self.commits += 1
                if self.cannot_save_since is not None:
                    since = time.monotonic() - self.cannot_save_since
                    log.warning("the database accepts writes again after %.0fs", since)
                    self.cannot_save_since = None

    def _cannot_save(self, exc: BaseException) -> None:
        """Log the first write refused by storage in a streak (once, not per attempt)."""
        if not storage_refuses_writes(exc):
            return
        if self.cannot_save_since is None:
            self.cannot_save_since = time.monotonic()
            log.error("the database %s can't be written (%s); refusing writes until it can", self.path, exc)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Run a read query on the reader connection and return all rows."""
        async with self.reader.execute(sql, tuple(params)) as cur:
            return await cur.fetchall()

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """Run a read query on the reader connection and return the first row, if any."""
        async with self.reader.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()

    async def has_table(self, name: str) -> bool:
        """Whether a table of this name exists (read without writing anything)."""
        return await self.fetchone("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)) is not None

    async def backup(self, dest: str | Path) -> None:
        """Write a consistent copy of the database to `dest` (SQLite online backup API)."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        target = await aiosqlite.connect(dest)
        try:
            async with self._write_lock:
                await self._reader.backup(target)
        finally:
            await target.close()


def _read_only_uri(path: Path) -> str:
    """A `file:` URI opening `path` read-only (SQLite never creates or writes it)."""
    name = os.path.abspath(path).replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    return f"file:{name}?mode=ro"


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)
