"""IDENTIFY taken in turns across processes, one turn per `max_concurrency` bucket, on PostgreSQL.

Discord lets a bot start `max_concurrency` sessions per 5 seconds, shard `shard_id` in bucket
`shard_id % max_concurrency`; an IDENTIFY over the limit is answered with an Invalid Session (op 9)
and the shard starts again later (developers/events/gateway.mdx: "Identifying", "Sharding" → "Max
Concurrency", "Sharding for Large Bots", and the "Session Start Limit Object": `max_concurrency`,
"Number of identify requests allowed per 5 seconds"). discord.py waits 5 s between the IDENTIFYs of *one*
process (`Client.before_identify_hook`); processes started together would identify at once. So each
IDENTIFY first takes a session-level advisory lock for its bucket on a connection of its own, and
lets go of it `hold` seconds after: the next process's IDENTIFY in that bucket waits its turn. A
process that dies closes its connection, which frees the lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

#: Discord's window: one IDENTIFY per bucket per 5 seconds, plus a margin for the IDENTIFY's way there
#: (the hook runs before discord.py sends it).
IDENTIFY_WINDOW = 5.0
MARGIN = 0.5
#: How long a turn may be waited for (seconds): ten shards in one bucket queue for ~55 s; a process that
#: stopped (not died) while holding a turn must not hold the others back for ever.
TURN_TIMEOUT = 300
#: The advisory locks' namespace (the two-key form, so no single-key lock — a guild's — can collide): "HUST".
NAMESPACE = 0x48555354


class IdentifyGate:
    """Takes the bucket's turn before each IDENTIFY (`ShardedHustingsBot.before_identify_hook`)."""

    def __init__(
        self, url: str, max_concurrency: Callable[[], Awaitable[int]], *, hold: float = IDENTIFY_WINDOW
    ) -> None:
        self.url = url
        self._max_concurrency = max_concurrency
        self._concurrency: int | None = None
        #: Seconds each turn lasts after the hook returns (Discord's window; tests shorten it with the sim's).
        self.hold = hold + MARGIN
        self._releases: set[asyncio.Task[None]] = set()

    async def bucket(self, shard_id: int) -> int:
        """The shard's identify bucket: `shard_id % max_concurrency` (asked of Discord once)."""
        if self._concurrency is None:
            self._concurrency = max(1, await self._max_concurrency())
        return shard_id % self._concurrency

    async def turn(self, shard_id: int) -> None:
        """Wait for the bucket's turn; it ends `hold` seconds from now (in the background).

        Without the database (unreachable) or after `TURN_TIMEOUT`, the shard waits one window and then
        identifies anyway: at worst Discord answers op 9 and discord.py identifies again later.
        """
        import asyncpg  # only sharded bots on PostgreSQL take turns: others never load the driver

        bucket = await self.bucket(shard_id)
        try:
            conn = await asyncpg.connect(self.url, timeout=10)
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            log.warning("can't take shard %s's identify turn (%s): waiting %.0fs instead", shard_id, exc, self.hold)
            await asyncio.sleep(self.hold)
            return
        try:
            await conn.execute(f"SET lock_timeout = '{TURN_TIMEOUT}s'")
            await conn.execute("SELECT pg_advisory_lock($1, $2)", NAMESPACE, bucket)
        except (OSError, asyncpg.PostgresError) as exc:
            conn.terminate()
            log.warning("shard %s waited too long for its identify turn (%s): identifying now", shard_id, exc)
            return
        except BaseException:
            conn.terminate()
            raise
        log.debug("shard %s identifies (bucket %s)", shard_id, bucket)
        task = asyncio.get_running_loop().create_task(self._release(conn), name=f"identify-bucket-{bucket}")
        self._releases.add(task)
        task.add_done_callback(self._releases.discard)

    async def _release(self, conn: Any) -> None:  # an asyncpg connection
        try:
            await asyncio.sleep(self.hold)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 2.0)  # closing the session frees its lock
            conn.terminate()

    async def close(self) -> None:
        """Let go of any turn still held (the bot is closing)."""
        for task in list(self._releases):
            task.cancel()
        for task in list(self._releases):
            with contextlib.suppress(asyncio.CancelledError):
                await task
