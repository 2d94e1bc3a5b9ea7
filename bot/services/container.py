"""The services a running bot holds; cogs reach them through `bot.services`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING, Any

from bot.cache import Cache
from bot.clock import Clock
from bot.config import Settings
from bot.domain.audit import AuditEntry
from bot.domain.cooldown import Cooldowns
from bot.services.access import AccessService
from bot.services.admin import AdminService
from bot.services.announcements import AnnouncementService
from bot.services.delivery import DeliveryEngine, DiscordOutbox
from bot.services.events_discord import DiscordEvents
from bot.services.hustings import HustingsService
from bot.services.questions import QuestionService
from bot.services.read_share import ReplyKeys, ShareLimiter
from bot.services.readmodel.model import ReadModel
from bot.services.readmodel.snapshot import SnapshotCache
from bot.services.reminders import ReminderService
from bot.services.sources import SourceService
from bot.store.database import Database

if TYPE_CHECKING:
    from discord.ext import commands


class Services:
    """Holds shared resources and the long-lived services built on them."""

    def __init__(self, *, settings: Settings, db: Database, clock: Clock) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.access = AccessService(db, clock)
        self.admin = AdminService(db, clock, self.access, settings.timezone)
        # The bot's caches (bot.cache.Cache underneath; keys carry the guild and its data version).
        self.snapshots = SnapshotCache(db)
        self.charts: Cache[Hashable, Any] = Cache(64)  # chart images (bot.render.charts.ChartCache)
        self.rendered: Cache[Hashable, Any] = Cache(256)  # members' views as embed dicts (cogs/_common.py)
        #: Called with a guild after its data changed here (admin change, source run): the read cogs
        #: draw the views members ask for first, so the first member after a publish finds them ready.
        self.warmers: dict[str, Callable[[int], Awaitable[None]]] = {}
        self._warming: set[int] = set()
        self._warm_again: set[int] = set()
        self.reads = ReadModel(db, clock, snapshots=self.snapshots)
        self.share_limiter = ShareLimiter(clock)
        self.replies = ReplyKeys(db, clock)
        self.cooldowns = Cooldowns()
        self.sources = SourceService(db, clock, settings, self.access)
        self.reads.freshness = self.reads.source_freshness
        self.delivery = DeliveryEngine(db, clock)
        self.announcements = AnnouncementService(
            db, clock, self.reads, self.delivery, settings.timezone, max_active=settings.max_announcements
        )
        self.reminders = ReminderService(db, clock, self.reads, self.delivery)
        self.hustings = HustingsService(db, clock, self.reads, self.access, settings.timezone)
        self.questions = QuestionService(db, clock, self.access, self.hustings)

    async def start(self, bot: commands.Bot) -> None:
        """Start background services (schedulers) once the bot's cogs are loaded."""
        reminders = getattr(self, "reminders", None)
        if reminders is not None and reminders.check_milestones not in self.sources.after_apply:
            self.sources.after_apply.append(reminders.check_milestones)  # source changes feed milestone posts
        await self.sources.start()
        self.admin.core.add_listener(self.reminders.after_audit)  # admin changes feed milestone posts
        self.hustings.gateway = DiscordEvents(bot)
        self.admin.core.add_listener(self._events_after_audit)  # timeline changes move the events
        if self.hustings.after_change not in self.sources.after_apply:
            self.sources.after_apply.append(self.hustings.after_change)
        self.admin.core.add_listener(self._warm_after_audit)
        self.sources.after_apply.append(self._warm)
        await self.delivery.start(DiscordOutbox(bot, self.db))

    async def _warm_after_audit(self, entry: AuditEntry) -> None:
        """An admin change was made: draw the hot views at the new data version."""
        if not entry.denied:
            await self._warm(entry.guild_id)

    async def _warm(self, guild_id: int) -> None:
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

    async def _events_after_audit(self, entry: AuditEntry) -> None:
        """An admin change was made: the guild's scheduled events follow the data."""
        if not entry.denied:
            await self.hustings.after_change(entry.guild_id)

    async def stop(self) -> None:
        """Stop background services: sends in flight get `stop_grace` seconds to finish."""
        await self.sources.stop()
        await self.delivery.drain(self.settings.stop_grace)
