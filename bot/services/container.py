"""The services a running bot holds, and their background loops' lifecycle; cogs reach them through
`bot.services`. They are built, with their Discord adapters, in one place: `bot.composition.build_services`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.cache import Cache
from bot.clock import Clock
from bot.config import Settings
from bot.domain.audit import AuditEntry
from bot.domain.cooldown import Cooldowns
from bot.render.charts import ChartCache
from bot.services.access import AccessService
from bot.services.admin.service import AdminService
from bot.services.announcements import AnnouncementService
from bot.services.delivery.engine import DeliveryEngine
from bot.services.hustings import HustingsService
from bot.services.hustings_reminders import HustingsReminders
from bot.services.questions import QuestionService
from bot.services.read.model import ReadModel
from bot.services.read.share import ReplyKeys, ShareLimiter
from bot.services.read.snapshot import SnapshotCache
from bot.services.reminders import ReminderService
from bot.services.sources.commands import SourceService
from bot.store.database import Database
from bot.store.notify import ChangeFeed


@dataclass(eq=False)
class Services:
    """Shared resources and the long-lived services built on them (see `bot.composition`)."""

    settings: Settings
    db: Database
    clock: Clock
    access: AccessService
    admin: AdminService
    reads: ReadModel
    #: The bot's caches (bot.cache.Cache underneath; keys carry the guild and its data version).
    snapshots: SnapshotCache
    charts: ChartCache  # chart images, for member replies and scheduled posts alike
    rendered: Cache[Hashable, Any]  # members' views as embed dicts (cogs/_common.py)
    share_limiter: ShareLimiter
    replies: ReplyKeys
    cooldowns: Cooldowns
    sources: SourceService
    delivery: DeliveryEngine
    announcements: AnnouncementService
    reminders: ReminderService
    hustings: HustingsService
    questions: QuestionService
    hustings_dms: HustingsReminders
    #: PostgreSQL only: the process's listener for other processes' changes (None on SQLite).
    changes: ChangeFeed | None = None
    #: Called with a guild after its data changed here (admin change, source run): the read cogs draw the
    #: views members ask for first, so the first member after a publish finds them ready.
    warmers: dict[str, Callable[[int], Awaitable[None]]] = field(default_factory=dict)
    _reconcile: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    _warming: set[int] = field(default_factory=set, init=False, repr=False)
    _warm_again: set[int] = field(default_factory=set, init=False, repr=False)

    async def start(self) -> None:
        """Start the background loops (the listener, the source scheduler, the delivery engine): the bot's
        `setup_hook`."""
        if self.changes is not None:
            await self.changes.start()
        await self.sources.start()
        await self.delivery.start()

    def connected(self, guild_ids: Sequence[int]) -> None:
        """Once per process, at the first connect: bring the guilds' scheduled events in line with the data."""
        if self._reconcile is None:
            self._reconcile = asyncio.get_running_loop().create_task(
                self.hustings.reconcile_all(list(guild_ids)), name="hustings-reconcile-events"
            )

    async def warm_after_audit(self, entry: AuditEntry) -> None:
        """An admin change was made: draw the hot views at the new data version."""
        if not entry.denied:
            await self.warm(entry.guild_id)

    async def warm(self, guild_id: int) -> None:
        """A guild's data changed here: run the warmers (each logs its own failures). Changes arriving
        meanwhile make one more round, not one each: only the latest version is worth drawing."""
        if guild_id in self._warming:
            self._warm_again.add(guild_id)
            return
        self._warming.add(guild_id)
        try:
            while True:
                self._warm_again.discard(guild_id)
                for warm in list(self.warmers.values()):
                    await warm(guild_id)
                if guild_id not in self._warm_again:
                    break
        finally:
            self._warming.discard(guild_id)

    async def stop(self) -> None:
        """Stop the background loops: sends in flight get `stop_grace` seconds to finish."""
        if self._reconcile is not None and not self._reconcile.done():
            self._reconcile.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconcile
        await self.sources.stop()
        await self.delivery.drain(self.settings.stop_grace)
        if self.changes is not None:
            await self.changes.stop()
