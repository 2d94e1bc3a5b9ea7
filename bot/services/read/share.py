"""The Share button's rate limit (a few public posts per member per window) and paged replies' keys."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.store import replies
from bot.store.database import Database
from bot.store.replies import ReplyKey


class ShareLimiter:
    """A sliding-window limit per (guild, member): `limit` shares per `window`, timed by the injected clock."""

    def __init__(self, clock: Clock, *, limit: int = 3, window: timedelta = timedelta(minutes=5)) -> None:
        self.clock = clock
        self.limit = limit
        self.window = window
        self._hits: dict[tuple[int, int], deque[datetime]] = {}

    def _recent(self, key: tuple[int, int]) -> deque[datetime]:
        now = self.clock.now()
        hits = self._hits.setdefault(key, deque())
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if not hits:
            self._hits.pop(key, None)
            hits = self._hits.setdefault(key, deque())
        return hits

    def try_acquire(self, guild_id: int, member_id: int) -> datetime | None:
        """Record a share and return None when allowed; else return when the member may share again."""
        key = (guild_id, member_id)
        hits = self._recent(key)
        if len(hits) >= self.limit:
            return hits[0] + self.window
        hits.append(self.clock.now())
        return None

    def describe(self) -> str:
        """The limit in words, for the refusal message ("3 views every 5 minutes")."""
        minutes = int(self.window.total_seconds() // 60)
        span = f"{minutes} minutes" if minutes != 1 else "minute"
        return f"{self.limit} view{'s' if self.limit != 1 else ''} every {span}"


class ReplyKeys:
    """Remembers what each paged reply shows, so its buttons can re-render it from the store."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def remember(self, guild_id: int, owner_id: int, kind: str, args: dict[str, Any]) -> int:
        """Store a reply's command and options; returns the key its buttons carry."""
        async with self.db.transaction() as tx:
            return await replies.create(tx, guild_id, owner_id, kind, args, self.clock.now())

    async def recall(self, guild_id: int, key_id: int) -> ReplyKey | None:
        """The reply behind a button, or None when it is unknown in this guild."""
        return await replies.get(self.db.reader, guild_id, key_id)
