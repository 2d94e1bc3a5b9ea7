"""The leader lock: which one of several processes on a PostgreSQL store runs the scheduled work.

A PostgreSQL *session* advisory lock on a connection of its own, held for the process's life: the
server releases it the moment that session ends (the process died, or its connection was cut), so
another process can take over within seconds. Losing the connection means losing the lead: the
holder must stop its scheduled work at once (the delivery claims' lease covers sends in flight).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from bot.store.postgres import CONNECT_TIMEOUT, describe_pg_failure

log = logging.getLogger(__name__)

#: The lock's key, in PostgreSQL's two-integer form ("HUST", 1): apart from the per-guild transaction
#: locks, which use the one-bigint form (a guild's snowflake).
LEADER_KEY = (0x48555354, 1)
#: How long the check that the lock's connection is alive may take before it counts as lost (seconds).
CHECK_TIMEOUT = 5.0


class LeaderLockLost(Exception):
    """The lock's connection is gone (or can't be opened); the message says why, in one sentence."""


class LeaderLock:
    """The session advisory lock on a dedicated connection to the store at `url`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: asyncpg.Connection | None = None
        self._closed = asyncio.Event()

    async def _session(self) -> asyncpg.Connection:
        if self._conn is None or self._conn.is_closed():
            try:
                conn = await asyncpg.connect(self.url, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                raise LeaderLockLost(describe_pg_failure(self.url, exc)) from exc
            self._closed = asyncio.Event()
            closed = self._closed
            conn.add_termination_listener(lambda _conn: closed.set())
            self._conn = conn
        return self._conn

    async def try_acquire(self) -> bool:
        """Take the lock if no other session holds it; True when this process now leads."""
        conn = await self._session()
        try:
            return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", *LEADER_KEY, timeout=CHECK_TIMEOUT))
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            self._drop()
            raise LeaderLockLost(f"the connection to PostgreSQL failed ({exc})") from exc

    async def wait_lost(self, every: float) -> str:
        """Return (with the reason) once the lock's connection is lost; checked every `every` seconds."""
        conn = self._conn
        assert conn is not None, "wait_lost before try_acquire"
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(every):
                    await self._closed.wait()
            if conn.is_closed():
                self._drop()
                return "the server closed the connection"
            try:
                # The session still holds the lock (not merely answers): a server restart or a pooler could
                # hand back a fresh session.
                held = await conn.fetchval(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
                    " AND classid = $1 AND objid = $2 AND objsubid = 2 AND granted",
                    *LEADER_KEY,
                    timeout=CHECK_TIMEOUT,
                )
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                self._drop()
                return f"the connection failed: {exc or type(exc).__name__}"
            if not held:
                self._drop()
                return "the session no longer holds the lock"

    def _drop(self) -> None:
        """Abandon the connection at once (a half-dead one must not keep the lock on the server's side)."""
        if self._conn is not None and not self._conn.is_closed():
            self._conn.terminate()
        self._conn = None

    async def close(self) -> None:
        """Give the lock back and close the connection (a clean stop: the next leader may start at once)."""
        conn, self._conn = self._conn, None
        if conn is None or conn.is_closed():
            return
        try:
            await asyncio.wait_for(conn.close(), CHECK_TIMEOUT)  # ending the session releases the lock
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            conn.terminate()
