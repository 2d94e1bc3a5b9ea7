"""The members' read model: one cached snapshot per guild and data version, and the views built on it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.clock import Clock
from bot.services.read_views import (
    Provenance,
)
from bot.services.readmodel.snapshot import ElectionData, GuildSnapshot, load_snapshot
from bot.services.readmodel.views import ViewBuilding
from bot.store import meta
from bot.store.database import Database


class ReadModel(ViewBuilding):
    """Members' read use-cases over a per-guild snapshot cached by data version."""

    def __init__(self, db: Database, clock: Clock, *, max_guilds: int = 256) -> None:
        self.db = db
        self.clock = clock
        self.max_guilds = max_guilds
        self._snapshots: dict[int, GuildSnapshot] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._checked: dict[int, tuple[int, float]] = {}  # guild -> (db.commits, monotonic) at the last version check
        self._checking: set[int] = set()  # guilds whose version is being re-checked right now
        self.loads = 0  # snapshots built (tests and benchmarks check caching with it)
        #: Set by the sources service: how current an election's source-fed data is, in words.
        self.freshness: Callable[[int, str], Awaitable[str]] | None = None

    async def _provenance(self, snap: GuildSnapshot, data: ElectionData) -> Provenance:
        """The snapshot's footer facts plus, when a source feeds the election, how fresh it is."""
        prov = snap.provenance
        if self.freshness is None:
            return prov
        note = await self.freshness(data.election.guild_id, data.election.slug)
        return replace(prov, note=note) if note else prov

    # ---------------------------------------------------------------------------------- snapshots

    async def snapshot(self, guild_id: int, *, max_age: float = 0.0) -> GuildSnapshot:
        """The guild's data at its current version: one version query, plus a full load after a change.

        With `max_age` (autocomplete, on every keystroke) the version query is skipped when this process
        has committed nothing since a check less than `max_age` seconds ago: writes made here are still
        seen at once, and writes from another process (the CLI) within `max_age`.
        """
        commits = getattr(self.db, "commits", None)
        if max_age > 0 and commits is not None:
            checked = self._checked.get(guild_id)
            cached = self._snapshots.get(guild_id)
            if (
                cached is not None
                and checked is not None
                and checked[0] == commits
                and (
                    time.monotonic() - checked[1] <= max_age or guild_id in self._checking  # one re-check at a time
                )
            ):
                return cached
        self._checking.add(guild_id)
        try:
            snap = await self._snapshot(guild_id)
        finally:
            self._checking.discard(guild_id)
        if commits is not None:
            self._checked[guild_id] = (commits, time.monotonic())
        return snap

    async def _snapshot(self, guild_id: int) -> GuildSnapshot:
        version = await meta.get_version(self.db.reader, guild_id)
        cached = self._snapshots.get(guild_id)
        if cached is not None and cached.version.version == version.version:
            return cached
        lock = self._locks.setdefault(guild_id, asyncio.Lock())
        async with lock:
            cached = self._snapshots.get(guild_id)
            if cached is not None and cached.version.version >= version.version:
                return cached
            snap = await load_snapshot(self.db, guild_id, version)
            self.loads += 1
            if guild_id not in self._snapshots and len(self._snapshots) >= self.max_guilds:
                self._snapshots.pop(next(iter(self._snapshots)))
            self._snapshots[guild_id] = snap
            return snap
