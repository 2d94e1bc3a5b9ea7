"""The PostgreSQL store: the same `Database` API over an asyncpg pool.

Write transactions are not serialised here as they are on SQLite: each borrows its own pooled
connection and runs beside the others (READ COMMITTED). Read-check-write paths therefore take a
per-guild advisory lock first (`bot.store.engine.lock_guild`), which makes the check see the
previous writer's commit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.store.database import (
    WRITE_WAIT,
    CannotSave,
    Database,
    DatabaseUnavailable,
    _finish,
    _notice,
    storage_refuses_writes,
)
from bot.store.engine import Connection
from bot.store.pg_engine import (
    RECONNECT_BACKOFF,
    PgConnection,
    PgPoolReader,
    acquire,
    connection_lost,
)

log = logging.getLogger(__name__)

#: Connections per pool (one pool for write transactions, one for reads), per process: enough for the
#: delivery lanes, the source runs and the interactions in flight. Two pools, so a transaction that reads
#: through `db.reader` while it holds a writer connection can't wait forever for a connection it holds.
POOL_SIZE = 10
#: How long opening the first connection may take before the server counts as unreachable (seconds).
CONNECT_TIMEOUT = 10.0


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def describe_pg_failure(url: str, exc: BaseException) -> str:
    """One sentence for an operator: which server, and what is wrong."""
    where = redact(url)
    if isinstance(exc, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError):
        problem = "refused the user name or password in HUSTINGS_DATABASE"
    elif isinstance(exc, asyncpg.InvalidCatalogNameError):
        problem = "has no such database: create it first (createdb), then start Hustings again"
    elif isinstance(exc, OSError | TimeoutError | asyncpg.CannotConnectNowError):
        problem = "can't be reached: check that PostgreSQL is running and the host and port are right"
    else:
        problem = f"can't be used ({exc})"
    return f"The PostgreSQL database {where} {problem}."


async def _reset(conn: asyncpg.Connection) -> None:
    """What a connection needs on its way back to the pool: nothing, unless a transaction was left open.

    asyncpg's default reset (unlock all, close cursors, unlisten, reset settings) is a round trip on
    every release, and the reader borrows a connection per statement; this store holds no session
    state (its advisory locks end with their transaction).
    """
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


async def _defer_waiting_command() -> None:
    """A read or write has to wait for the server to come back: acknowledge the command it serves first."""
    notice = WRITE_WAIT.get()
    if notice is not None:
        await _notice(notice)


class PostgresDatabase(Database):
    """Owns a pool of asyncpg connections to one PostgreSQL database."""

    engine = "postgresql"

    def __init__(self, url: str, pool: asyncpg.Pool, readers: asyncpg.Pool, *, read_only: bool = False) -> None:
        # Database.__init__ opens SQLite connections: set what the shared methods use instead.
        self.path = url
        self.url = url
        self._pool = pool
        self._readers = readers
        self._reader_conn = PgPoolReader(readers, before_retry=_defer_waiting_command)
        self.read_only = read_only
        self.commits = 0
        self._identity = None
        self.cannot_save_since = None
        self._write_lock = asyncio.Lock()
        #: The server processes behind this object's pooled connections: a notification one of them sent
        #: is this process's own write, already seen (`bot.store.notify.ChangeFeed` skips it).
        self.server_pids: set[int] = set()
        #: Called with what each committed transaction notified (topic, guild), at once after COMMIT.
        self.after_commit: list[Callable[[list[tuple[str, int | None]]], None]] = []

    @classmethod
    async def connect(cls, url: str, *, read_only: bool = False) -> PostgresDatabase:
        """Open a pool on `url`; an unreachable or refusing server raises `DatabaseUnavailable` (one sentence)."""
        pools: list[asyncpg.Pool] = []
        pids: set[int] = set()

        async def remember(conn: asyncpg.Connection) -> None:
            pid = conn.get_server_pid()
            pids.add(pid)
            conn.add_termination_listener(lambda _conn: pids.discard(pid))

        try:
            for _ in ("writers", "readers"):
                pool = await asyncpg.create_pool(
                    url,
                    min_size=1,
                    max_size=POOL_SIZE,
                    timeout=CONNECT_TIMEOUT,
                    reset=_reset,
                    init=remember,
                    server_settings={"default_transaction_read_only": "on"} if read_only else None,
                )
                assert pool is not None
                pools.append(pool)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
            for opened in pools:
                await opened.close()
            raise DatabaseUnavailable(describe_pg_failure(url, exc)) from exc
        database = cls(url, pools[0], pools[1], read_only=read_only)
        database.server_pids = pids
        return database

    def __str__(self) -> str:
        return redact(self.url)

    async def close(self) -> None:
        """Close the pools (waiting for borrowed connections to come back)."""
        try:
            await self._readers.close()
        finally:
            await self._pool.close()

    def file_is_ours(self) -> bool:
        """Always: there is no file to be deleted under the bot."""
        return True

    async def check(self, *, full: bool = False) -> list[str]:
        """The server answers: [] (PostgreSQL checks its own pages; `amcheck` is for its operator)."""
        try:
            await self.fetchone("SELECT 1")
        except (OSError, asyncpg.PostgresError) as exc:
            return [str(exc)]
        return []

    async def has_table(self, name: str) -> bool:
        """Whether a table of this name exists in the current schema."""
        row = await self.fetchone("SELECT to_regclass(?) IS NOT NULL AS found", (name,))
        return bool(row is not None and row["found"])

    async def _begin(self) -> tuple[asyncpg.pool.PoolConnectionProxy, asyncpg.transaction.Transaction]:
        """A pooled connection inside a new transaction. A lost connection is retried with back-off before
        anything was written (the pool reconnects); a command waiting meanwhile is deferred first."""
        notice = WRITE_WAIT.get()
        for pause in (*RECONNECT_BACKOFF, None):
            raw = None
            try:
                raw = await acquire(self._pool)
                tx = raw.transaction()
                await tx.start()
                return raw, tx
            except BaseException as exc:
                if raw is not None:
                    await self._give_back(raw)
                if pause is None or not connection_lost(exc):
                    self._cannot_save(exc)
                    if connection_lost(exc):
                        raise CannotSave(f"the connection to {self} was lost ({exc})") from exc
                    raise
                if notice is not None:
                    await _notice(notice)
                    notice = None
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")

    async def _give_back(self, raw: asyncpg.pool.PoolConnectionProxy) -> None:
        """Return a connection to the pool (one the server closed is replaced at its next use)."""
        try:
            await _finish(self._pool.release(raw))
        except Exception:
            log.debug("a lost connection went back to the pool uncleanly", exc_info=True)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """A write transaction on a pooled connection: committed on success, rolled back on any error.

        COMMIT and ROLLBACK run to completion even if the caller is cancelled meanwhile (as on SQLite), so
        a connection never goes back to the pool in the middle of one. A connection lost during the
        transaction raises `CannotSave` (the member is told nothing was saved): nothing is acknowledged
        that was not committed, and a lost COMMIT is never retried blindly.
        """
        raw, tx = await self._begin()
        conn = PgConnection(raw)
        try:
            try:
                yield conn
            except BaseException as exc:
                lost = connection_lost(exc)
                if not lost:
                    try:
                        await _finish(tx.rollback())  # to completion even if cancelled meanwhile
                    except Exception as failed:
                        lost = connection_lost(failed)
                        if not lost:
                            raise
                self._cannot_save(exc)
                if lost:
                    raise CannotSave(f"the connection to {self} was lost during a write ({exc})") from exc
                raise
            else:
                try:
                    await _finish(tx.commit())  # the connection goes back to the pool only after it
                except BaseException as exc:
                    self._cannot_save(exc)
                    if connection_lost(exc):  # unknown whether it committed: reported as not saved
                        raise CannotSave(f"the connection to {self} was lost while committing ({exc})") from exc
                    raise
                self.commits += 1
                if conn.notified:
                    for hook in list(self.after_commit):
                        hook(conn.notified)
                if self.cannot_save_since is not None:
                    since = time.monotonic() - self.cannot_save_since
                    log.warning("the database accepts writes again after %.0fs", since)
                    self.cannot_save_since = None
        finally:
            await self._give_back(raw)

    def _cannot_save(self, exc: BaseException) -> None:
        if not (storage_refuses_writes(exc) or connection_lost(exc)):
            return
        if self.cannot_save_since is None:
            self.cannot_save_since = time.monotonic()
            log.error("the database %s can't be written (%s); refusing writes until it can", self, exc)

    async def backup(self, dest: str | Path) -> None:
        """Not done here: PostgreSQL is backed up with its own tools (pg_dump, or base backups and WAL)."""
        raise DatabaseUnavailable(
            f"The PostgreSQL database {self} is backed up with pg_dump, not `hustings backup`: see docs/scaling.md."
        )
