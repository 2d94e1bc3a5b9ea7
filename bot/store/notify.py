"""What other processes changed, heard through PostgreSQL's `LISTEN/NOTIFY` (one listener per process).

Writers send a notification inside their transaction (`Connection.notify`: the data version in
`bot.store.meta.bump_version`, announcements, reminders, subscriptions, sources), so it is delivered
on commit and dropped on rollback. `ChangeFeed` holds one connection that listens and

- keeps a per-guild change stamp the read model's cache compares (`SnapshotCache`): a guild's
  version is read again only after a notification for it (this process's own are counted at commit,
  through `PostgresDatabase.after_commit`, before they come back from the server);
- calls its handlers with each notification's topic and guild (the composition root kicks the
  delivery engine and the source scheduler with them); this process's own notifications are skipped,
  as its services kick their own schedulers;
- on a lost connection, reconnects with back-off, logging the outage once at error level and the
  recovery once. Notifications sent while it was away are lost, so after each (re)connect every
  guild counts as changed and the handlers are called with topic None (look at everything again).
  While it is away, the stamps change on every request, as if there were no listener.

SQLite needs none of this: one process owns the file and `PRAGMA data_version` sees other programs'
commits, so the composition root builds no feed there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import asyncpg

from bot.store.engine import NOTIFY_CHANNEL, parse_payload

log = logging.getLogger(__name__)

#: Back-off between reconnection attempts (seconds): doubling from the first to the last.
FIRST_RETRY, LAST_RETRY = 0.1, 5.0
#: How long the listener waits for news before checking its connection still answers (seconds).
KEEPALIVE = 30.0
#: How long opening the listener's connection, or a keep-alive query, may take (seconds).
CONNECT_TIMEOUT = 10.0

#: Called with a notification's topic and guild (None: no one guild), or (None, None) after a reconnect.
Handler = Callable[[str | None, int | None], None]


class ChangeFeed:
    """One process's listener on PostgreSQL's notifications, and the change stamps it keeps per guild."""

    def __init__(self, url: str, *, own: Callable[[int], bool] = lambda _pid: False) -> None:
        self.url = url
        #: Whether a server process id is one of this process's connections: its notifications are skipped
        #: (`committed` saw them at once, and whoever wrote them already woke what they needed here).
        self._own = own
        self._handlers: list[Handler] = []
        self._counter = 0
        self._changed: dict[int, int] = {}  # guild → counter at its last notification
        self._everything_at = 0  # counter at the last "everything changed" (reconnect, own commit)
        self._task: asyncio.Task[None] | None = None
        self._conn: asyncpg.Connection | None = None
        self._lost = asyncio.Event()
        #: Set while the listener is connected and listening.
        self.live = asyncio.Event()
        #: Notifications received and (re)connections made so far (tests wait on them).
        self.received = 0
        self.connections = 0
        self._progress = asyncio.Condition()
        self._down_since: float | None = None

    # ------------------------------------------------------------------ what readers ask

    def on_change(self, handler: Handler) -> None:
        """Call `handler(topic, guild_id)` for every notification, and `(None, None)` after each (re)connect."""
        self._handlers.append(handler)

    def stamp(self, guild_id: int) -> int:
        """A number that changes whenever the guild's data may have changed since it was last asked.

        While the listener is down it changes on every call: nothing is known, so every read re-checks.
        """
        if not self.live.is_set():
            self._counter += 1
            return self._counter
        return max(self._changed.get(guild_id, 0), self._everything_at)

    async def wait_for(self, predicate: Callable[[ChangeFeed], bool]) -> None:
        """Wait until `predicate(self)` holds (tests: a notification arrived, the listener reconnected)."""
        async with self._progress:
            await self._progress.wait_for(lambda: predicate(self))

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start listening (in the background: an unreachable server is retried, never waited for here)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="hustings-listener")

    async def stop(self) -> None:
        """Stop listening and close the connection."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._close()
        self.live.clear()

    async def _run(self) -> None:
        delay = FIRST_RETRY
        while True:
            try:
                await self._listen()
                delay = FIRST_RETRY  # it was connected: the next loss starts the back-off again
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._down(exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, LAST_RETRY)

    async def _listen(self) -> None:
        """Connect, LISTEN, mark everything changed, then wait until the connection is lost."""
        self._lost.clear()
        conn = await asyncpg.connect(self.url, timeout=CONNECT_TIMEOUT)
        self._conn = conn
        try:
            conn.add_termination_listener(self._terminated)
            await conn.add_listener(NOTIFY_CHANNEL, self._notified)
            # Listening now: what was sent while nobody listened is unknown, so everything counts as changed.
            self.live.set()
            self._up()
            self.connections += 1
            self._everything_changed()
            self._dispatch(None, None)
            await self._notify_progress()
            while not conn.is_closed():
                try:
                    await asyncio.wait_for(self._lost.wait(), KEEPALIVE)
                except TimeoutError:
                    await conn.fetchval("SELECT 1", timeout=CONNECT_TIMEOUT)  # a silent network loss shows here
            raise ConnectionError("the listener's connection to PostgreSQL was closed")
        finally:
            self.live.clear()
            await self._close()

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 2.0)
        if conn is not None:
            conn.terminate()

    def _terminated(self, _conn: Any) -> None:
        self._lost.set()

    def committed(self, notified: list[tuple[str, int | None]]) -> None:
        """This process committed a transaction that notified these (topic, guild): the guilds count as
        changed at once, before the notifications come back (`PostgresDatabase.after_commit`)."""
        for _topic, guild_id in notified:
            self._changed_now(guild_id)

    def _changed_now(self, guild_id: int | None) -> None:
        self._counter += 1
        if guild_id is None:
            self._everything_at = self._counter
        else:
            self._changed[guild_id] = self._counter

    def _notified(self, _conn: Any, pid: int, _channel: str, payload: str) -> None:
        if self._own(pid):
            return
        topic, guild_id = parse_payload(payload)
        self._changed_now(guild_id)
        self.received += 1
        self._dispatch(topic, guild_id)
        asyncio.get_running_loop().create_task(self._notify_progress())

    def _everything_changed(self) -> None:
        self._counter += 1
        self._everything_at = self._counter

    def _dispatch(self, topic: str | None, guild_id: int | None) -> None:
        for handler in list(self._handlers):
            try:
                handler(topic, guild_id)
            except Exception:
                log.exception("a change handler failed (topic %s, server %s)", topic, guild_id)

    async def _notify_progress(self) -> None:
        async with self._progress:
            self._progress.notify_all()

    # ------------------------------------------------------------------ one alert per outage

    def _down(self, exc: BaseException) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            log.error(
                "lost the connection to PostgreSQL that hears other processes' changes (%s); "
                "reconnecting with back-off, and reading data versions on every request meanwhile",
                exc or type(exc).__name__,
            )

    def _up(self) -> None:
        if self._down_since is not None:
            log.warning(
                "listening to PostgreSQL again after %.0fs; re-reading every server's data version",
                time.monotonic() - self._down_since,
            )
            self._down_since = None
