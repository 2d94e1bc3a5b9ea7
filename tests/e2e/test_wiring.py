"""The composition root: services and their Discord adapters are wired by the bot, not by cogs.

A bot started without the announcement, reminder, source and moderator cogs still delivers what is
due: a scheduled post, a reminder DM, a source alert and the audit mirror. The cogs only add commands.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.app import EXTENSIONS, HustingsBot, point_discord_at
from bot.clock import ManualClock
from bot.config import Settings
from bot.sim import DiscordSimulator, SimGuild, SimMember, run_bot_against
from bot.store.database import Database
from tests.e2e.test_announce import local, setup_org
from tests.services.test_sources_support import FeedServer

#: Everything but the cogs that used to finish the wiring in `cog_load`.
WITHOUT = ("cogs.announce", "cogs.sources", "cogs.remind", "cogs.admin")


@pytest.fixture
async def bare(
    sim: DiscordSimulator, settings: Settings, db: Database, clock: ManualClock
) -> AsyncIterator[HustingsBot]:
    """The real bot with only the members' read cogs (and hustings) loaded."""
    settings = settings.replace(source_allow_private=True)  # the sheet is on 127.0.0.1
    point_discord_at(settings.discord_api, settings.discord_gateway)
    bot = HustingsBot(
        settings=settings, db=db, clock=clock, extensions=tuple(e for e in EXTENSIONS if e not in WITHOUT)
    )
    async with run_bot_against(sim, bot):
        yield bot


async def test_a_bot_without_the_announce_remind_and_source_cogs_still_delivers(
    sim: DiscordSimulator,
    guild: SimGuild,
    member: SimMember,
    db: Database,
    clock: ManualClock,
    bare: HustingsBot,
    feed: FeedServer,
) -> None:
    org = await setup_org(sim, guild, db, clock)
    services = bare.services
    await services.announcements.schedule(
        org.moderator, channel_id=org.announcements.id, when="2026-11-24 15:00", message="Polls open soon"
    )
    await services.reminders.subscribe_deadlines(guild.id, member.id, None)
    feed.serve("broken.csv", "<html>no</html>", content_type="text/html")
    source = await services.sources.add(org.moderator, election="nec", kind="candidates", url=feed.url("broken.csv"))
    await services.sources.idle()  # the first run fails: the moderators hear once
    await services.admin.config.set_timezone(org.moderator, "Europe/Paris")  # an admin change is mirrored
    await services.admin.core.drain()

    await services.delivery.run_for(local("2026-12-09T18:00") - clock.now(), step=timedelta(days=1))

    posts = sim.channel_messages(org.announcements)
    assert [m.content for m in posts] == ["Polls open soon"]
    dms = sim.dms(member)
    assert len(dms) == 1 and "nominations close" in dms[0].content
    alerts = [m.embeds[0].get("title", "") if m.embeds else m.content for m in sim.channel_messages(org.alerts)]
    assert any(f"#{source.id}" in text for text in alerts), alerts
    assert any("Europe/Paris" in m.content for m in sim.channel_messages(org.alerts))
    assert sim.violations == []
