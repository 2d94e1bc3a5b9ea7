"""A daily announcement across both of Europe/London's clock changes: one post per local day at 18:00."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.sim import DiscordSimulator, SimGuild
from bot.store.database import Database
from tests.e2e.test_announce import LONDON, schedule, setup_org


@pytest.fixture(params=["2027-03-25", "2026-10-22"], ids=["spring-forward", "fall-back"])
def clock(request) -> ManualClock:
    """Start a few days before a clock change (overrides the suite's clock)."""
    return ManualClock(datetime.fromisoformat(request.param).replace(hour=12, tzinfo=UTC))


async def test_daily_post_keeps_local_time_across_dst(
    sim: DiscordSimulator, guild: SimGuild, db: Database, clock: ManualClock, hustings: HustingsBot
) -> None:
    org = await setup_org(sim, guild, db, clock)
    start = clock.now().astimezone(LONDON).date()
    reply = await schedule(
        sim,
        org.organiser,
        channel=org.announcements,
        when=f"{start} 18:00",
        repeat="daily",
        message="Daily hustings digest",
    )
    assert reply.embeds[0]["fields"][1]["value"] == "every day"
    await hustings.services.delivery.run_for(timedelta(days=7), step=timedelta(days=1))
    posts = sim.channel_messages(org.announcements)
    stamps = [p.created_at.astimezone(LONDON) for p in posts]
    assert [(s.date() - start).days for s in stamps] == list(range(7))
    assert {(s.hour, s.minute) for s in stamps} == {(18, 0)}
    instants = [p.created_at.astimezone(UTC) for p in posts]
    gaps = {instants[i + 1] - instants[i] for i in range(6)}  # real time between posts
    assert len(gaps) == 2 and gaps - {timedelta(hours=24)} in ({timedelta(hours=23)}, {timedelta(hours=25)})
    assert sim.violations == []
