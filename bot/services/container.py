"""The services a running bot holds, and their background loops' lifecycle; cogs reach them through
`bot.services`. They are built, with their Discord adapters, in one place: `bot.composition.build_services`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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
from bot.services.leader import Leadership
from bot.services.questions import QuestionService
from bot.services.read.model import ReadModel
from bot.services.read.share import ReplyKeys, ShareLimiter
from bot.services.read.snapshot import SnapshotCache
from bot.services.reminders import ReminderService
from bot.services.sources.commands import SourceService
from bot.store.database import Database

if TYPE_CHECKING:  # PostgreSQL's listener: asyncpg loads only with a PostgreSQL store
    from bot.store.notify import ChangeFeed

log = logging.getLogger(__name__)


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
    #: Who runs the scheduled work (set by `bot.composition`; None: this process always leads).
    leadership: Leadership | None = None
    #: Run each time this process becomes the leader, after the loops start (the bot adds command sync).
    on_lead: list[Callable[[], Awaitable[object]]] = field(default_factory=list)
    _guild_ids: list[int] | None = field(default=None, init=False, repr=False)
    _reconcile: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    _warming: set[int] = field(default_factory=set, init=False, repr=False)
    _warm_again: set[int] = field(default_factory=set, init=False, repr=False)

    async def start(self) -> None:
        """The bot's `setup_hook`: every process listens for other processes' changes; then lead now (one
        process on the store), or contend for the lead (several)."""
        if self.changes is not None:
            await self.changes.start()
        if self.leadership is None:
            await self.lead()
        else:
            await self.leadership.start()

    @property
    def leading(self) -> bool:
        """Whether this process runs the scheduled work now."""
        return self.leadership is None or self.leadership.leading

    async def lead(self) -> None:
        """This process became the leader: start the background loops (the source scheduler, the delivery
        engine), then what runs once per leader (command sync, bringing scheduled events in line)."""
        await self.sources.start()
        await self.delivery.start()
        for hook in list(self.on_lead):
            try:
                await hook()
            except Exception:
                log.exception("a start-up task of the leader failed; carrying on")
        self._reconcile_events()

    async def stand_down(self) -> None:
        """This process lost the lead: stop the scheduled work at once (sends in flight keep their claims,
        which lapse for the next leader, or are given back if the store still answers)."""
        if self._reconcile is not None and not self._reconcile.done():
            self._reconcile.cancel()
        self._reconcile = None
        await self.sources.stop()
        await self.delivery.stop()

    def connected(self, guild_ids: Sequence[int]) -> None:
        """Once per process, at the first connect: the leader brings the guilds' scheduled events in line
        with the data (a process that leads later does it then)."""
        if self._guild_ids is None:
            self._guild_ids = list(guild_ids)
            self._reconcile_events()

    def _reconcile_events(self) -> None:
        if self._reconcile is None and self._guild_ids is not None and self.leading:
            self._reconcile = asyncio.get_running_loop().create_task(
                self.hustings.reconcile_all(self._guild_ids), name="hustings-reconcile-events"
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
        if self.leadership is not None:  # only now: the next leader must not start while sends are in flight
            await self.leadership.stop()
            await self.leadership.release()
        if self.changes is not None:
            await self.changes.stop()
