"""The services a running bot holds, and their background loops' lifecycle; cogs reach them through
`bot.services`. They are built, with their Discord adapters, in one place: `bot.composition.build_services`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config import Settings
from bot.domain.cooldown import Cooldowns
from bot.render.charts import ChartCache
from bot.services.access import AccessService
from bot.services.admin import AdminService
from bot.services.announcements import AnnouncementService
from bot.services.delivery.engine import DeliveryEngine
from bot.services.hustings import HustingsService
from bot.services.hustings_reminders import HustingsReminders
from bot.services.questions import QuestionService
from bot.services.read_share import ReplyKeys, ShareLimiter
from bot.services.readmodel import ReadModel
from bot.services.reminders import ReminderService
from bot.services.sources.commands import SourceService
from bot.store.database import Database


@dataclass(eq=False)
class Services:
    """Shared resources and the long-lived services built on them (see `bot.composition`)."""

    settings: Settings
    db: Database
    clock: Clock
    access: AccessService
    admin: AdminService
    reads: ReadModel
    charts: ChartCache
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
    _reconcile: asyncio.Task[None] | None = field(default=None, init=False, repr=False)

    async def start(self) -> None:
        """Start the background loops (the source scheduler, the delivery engine): the bot's `setup_hook`."""
        await self.sources.start()
        await self.delivery.start()

    def connected(self, guild_ids: Sequence[int]) -> None:
        """Once per process, at the first connect: bring the guilds' scheduled events in line with the data."""
        if self._reconcile is None:
            self._reconcile = asyncio.get_running_loop().create_task(
                self.hustings.reconcile_all(list(guild_ids)), name="hustings-reconcile-events"
            )

    async def stop(self) -> None:
        """Stop the background loops: sends in flight get `stop_grace` seconds to finish."""
        if self._reconcile is not None and not self._reconcile.done():
            self._reconcile.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconcile
        await self.sources.stop()
        await self.delivery.drain(self.settings.stop_grace)
