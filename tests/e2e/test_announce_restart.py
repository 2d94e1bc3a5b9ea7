"""A bot stopped and started again (in process) follows the grace policy for what fell due meanwhile."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.schedule.ledger import DeliveryStatus
from bot.sim import DiscordSimulator, SimGuild
from bot.store import deliveries
from bot.store.database import Database
from tests.e2e.test_announce import local, schedule, setup_org
from tests.helpers import running


async def test_down_for_30_minutes_posts_late(
    sim: DiscordSimulator, guild: SimGuild, db: Database, clock: ManualClock, settings: Settings
) -> None:
    async with running(sim, settings, db, clock) as bot:
        org = await setup_org(sim, guild, db, clock)
        await schedule(sim, org.organiser, channel=org.announcements, when="2026-11-24 13:00", message="late but sent")
        await bot.services.delivery.run_for(timedelta(minutes=59))
    clock.advance(timedelta(minutes=31))  # down from 12:59 to 13:30
    async with running(sim, settings, db, clock) as bot:
        await bot.services.delivery.settled()
        await sim.wait_for_idle()
        [post] = sim.channel_messages(org.announcements)
        assert post.content == "late but sent" and post.created_at == local("2026-11-24T13:30")
        [row] = await deliveries.history(db.reader, guild.id)
        assert row.status is DeliveryStatus.LATE
        assert sim.channel_messages(org.alerts) == []
    assert sim.violations == []


async def test_down_for_3_hours_skips_old_posts_with_one_summary(
    sim: DiscordSimulator, guild: SimGuild, db: Database, clock: ManualClock, settings: Settings
) -> None:
    async with running(sim, settings, db, clock) as bot:
        org = await setup_org(sim, guild, db, clock)
        await schedule(
            sim,
            org.organiser,
            channel=org.announcements,
            when="2026-11-24 13:00",
            repeat="*/15 * * * *",
            message="every quarter hour",
        )
        await bot.services.delivery.run_for(timedelta(minutes=59))
    clock.advance(timedelta(hours=3, minutes=1))  # down from 12:59 to 16:00
    async with running(sim, settings, db, clock) as bot:
        await bot.services.delivery.settled()
        await sim.wait_for_idle()
        rows = await deliveries.history(db.reader, guild.id, limit=50)
        statuses = [
            r.status for r in sorted((r for r in rows if r.source.value == "announcement"), key=lambda r: r.due_at)
        ]
        assert statuses == [DeliveryStatus.MISSED] * 8 + [DeliveryStatus.LATE] * 4 + [DeliveryStatus.SENT]
        assert len(sim.channel_messages(org.announcements)) == 5  # 15:00 … 16:00, not a flood of 13
        [alert] = sim.channel_messages(org.alerts)
        assert "8 scheduled posts" in alert.content
        await bot.services.delivery.run_for(timedelta(hours=1))
        assert len(sim.channel_messages(org.announcements)) == 9
        assert len(sim.channel_messages(org.alerts)) == 1
    assert sim.violations == []
