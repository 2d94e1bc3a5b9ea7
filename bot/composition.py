"""The composition root: every service and every Discord adapter the bot uses is built here, in one
function to read top to bottom (as discord.py's `examples/advanced_startup.py` builds its resources).

Services never build adapters and cogs never finish the wiring: a bot loaded with any set of cogs
sends its scheduled posts, reminder DMs and alerts. The background loops start and stop with the bot
(`HustingsBot.setup_hook`, `on_ready`, `close`) through `Services.start`, `connected` and `stop`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import Any

import discord

from bot.cache import Cache
from bot.clock import Clock
from bot.config import Settings
from bot.discord_adapters.audit_mirror import AuditMirror
from bot.discord_adapters.guilds import GuildNames
from bot.discord_adapters.members import PingRights, StillMember
from bot.discord_adapters.notifier import DiscordNotifier
from bot.discord_adapters.outbox import DiscordOutbox
from bot.discord_adapters.post_editor import DiscordPostEditor
from bot.discord_adapters.scheduled_events import DiscordEvents
from bot.domain.cooldown import Cooldowns
from bot.render.announcements import PostComposer
from bot.render.charts import ChartCache
from bot.render.hustings import post_buttons
from bot.services.access import AccessService
from bot.services.admin.service import AdminService
from bot.services.announcements import AnnouncementService
from bot.services.container import Services
from bot.services.delivery.engine import DeliveryEngine
from bot.services.delivery.writes import ShieldedWrites
from bot.services.hustings import HustingsService
from bot.services.hustings_posts import HustingsPosts
from bot.services.hustings_reminders import HustingsReminders
from bot.services.leader import Leadership
from bot.services.questions import QuestionService
from bot.services.read.model import ReadModel
from bot.services.read.share import ReplyKeys, ShareLimiter
from bot.services.read.snapshot import SnapshotCache
from bot.services.reminders import ReminderService
from bot.services.sources.commands import SourceService
from bot.store.database import Database
from bot.store.engine import POSTGRESQL, TOPIC_DATA, TOPIC_DELIVERY, TOPIC_SOURCES

log = logging.getLogger(__name__)


def build_services(*, settings: Settings, db: Database, clock: Clock, client: discord.Client) -> Services:
    """Build the services on `db` and `clock`, each given the Discord adapters it talks through."""
    # Who may do what, and the audited admin changes.
    access = AccessService(db, clock)
    admin = AdminService(db, clock, access, settings.timezone)

    # What other processes changed (PostgreSQL's LISTEN/NOTIFY; SQLite needs no listener): it tells the
    # read cache which guilds to re-read, and wakes the planner and the source scheduler (wired below).
    changes = None
    if db.engine == POSTGRESQL:  # asyncpg loads only here: a bot on SQLite never pays for its import
        from bot.store.notify import ChangeFeed
        from bot.store.postgres import PostgresDatabase

        assert isinstance(db, PostgresDatabase)
        changes = ChangeFeed(db.url, own=db.server_pids.__contains__)
        db.after_commit.append(changes.committed)  # this process's writes: seen at once

    # What members read: one snapshot per data version, and the charts drawn from it.
    # (bot.cache.Cache underneath each: keys carry the guild and its data version, nothing module-global)
    snapshots = SnapshotCache(db, changes=changes)
    reads = ReadModel(db, clock, snapshots=snapshots)
    charts = ChartCache(Cache(64))  # chart images, for member replies and scheduled posts alike
    rendered: Cache[Hashable, Any] = Cache(256)  # members' views as embed dicts, per moment

    # Sheets and feeds kept in step on a schedule; their alerts go to the guild's alert channel.
    sources = SourceService(db, clock, settings, access, notifier=DiscordNotifier(client))

    reads.freshness = reads.source_freshness  # footers say how current source-fed data is

    # Everything scheduled goes out through one engine: rendered at send time (the same renderers and
    # chart cache as member replies), sent through discord.py with nonces.
    writes = ShieldedWrites(db)  # the ledger writes a stop cannot cut in half, the engine's and the outbox's
    delivery = DeliveryEngine(
        db,
        clock,
        outbox=DiscordOutbox(client, writes),
        composer=PostComposer(charts, GuildNames(client), buttons=post_buttons),  # posts carry Remind me
        writes=writes,
    )
    announcements = AnnouncementService(
        db,
        clock,
        reads,
        delivery,
        settings.timezone,
        max_active=settings.max_announcements,
        ping_check=PingRights(client),  # an organiser's ping is re-checked against Discord at send time
    )
    # Hustings meetings, mirrored as Discord scheduled events, and the questions put to them.
    hustings = HustingsService(db, clock, reads, access, settings.timezone, gateway=DiscordEvents(client))
    questions = QuestionService(db, clock, access, hustings)
    hustings_dms = HustingsReminders(db, clock, hustings, delivery)  # members' "Remind me 1 h before"
    # The public post announcing each hustings, edited as the hustings changes (it hooks itself on `hustings`).
    hustings_posts = HustingsPosts(db, clock, hustings, delivery, editor=DiscordPostEditor(client))

    # Members' DM reminders and the election's automatic posts (the hustings' own go out with them).
    reminders = ReminderService(
        db,
        clock,
        reads,
        delivery,
        still_member=StillMember(client),
        hustings_dms=hustings_dms,
        hustings_posts=hustings_posts,
    )

    # What follows a data change: milestone posts and scheduled events, after a source run or an admin
    # change; and every audit row is mirrored to the guild's alert channel.
    sources.after_apply.append(reminders.check_milestones)
    sources.after_apply.append(hustings.after_change)
    admin.core.add_listener(AuditMirror(client, admin.config))
    admin.core.add_listener(reminders.after_audit)
    admin.core.add_listener(hustings.after_audit)

    services = Services(
        settings=settings,
        db=db,
        clock=clock,
        access=access,
        admin=admin,
        reads=reads,
        snapshots=snapshots,
        charts=charts,
        rendered=rendered,
        share_limiter=ShareLimiter(clock),
        replies=ReplyKeys(db, clock),
        cooldowns=Cooldowns(),
        sources=sources,
        delivery=delivery,
        announcements=announcements,
        reminders=reminders,
        hustings=hustings,
        questions=questions,
        hustings_dms=hustings_dms,
        changes=changes,
    )

    if changes is not None:
        changes.on_change(wake_on_change(delivery, sources))

    # One process at a time runs the scheduled work: on PostgreSQL the holder of the leader lock (the
    # others answer members and stand by); on SQLite the one process on the file.
    if db.engine == POSTGRESQL:
        from bot.store.leader import LeaderLock

        services.leadership = Leadership(
            LeaderLock(str(db.path)),
            lead=services.lead,
            stand_down=services.stand_down,
            may_lead=settings.role == "auto",
        )
    elif settings.role != "auto":
        log.warning("HUSTINGS_ROLE=%s is ignored on SQLite: the one process on the file always leads", settings.role)

    # After a data change made here, the views members ask for first are drawn ahead (the read cogs
    # register what to draw in `services.warmers`).
    sources.after_apply.append(services.warm)
    admin.core.add_listener(services.warm_after_audit)
    return services


def wake_on_change(delivery: DeliveryEngine, sources: SourceService) -> Callable[[str | None, int | None], None]:
    """What a notification from another process wakes: the delivery planner for anything it plans from (a
    data change can move a deadline's reminders), the source scheduler for a changed source; after the
    listener reconnected (topic None: notifications may have been missed), both."""

    def wake(topic: str | None, _guild_id: int | None) -> None:
        if topic in (None, TOPIC_DATA, TOPIC_DELIVERY):
            delivery.kick()
        if topic in (None, TOPIC_SOURCES):
            sources.wake()

    return wake
