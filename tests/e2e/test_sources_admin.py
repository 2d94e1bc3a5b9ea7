"""`/admin source add/list/sync` and the held-update buttons through the simulator, with the real bot.

A local aiohttp server on 127.0.0.1 plays the published sheet; the manual clock drives the schedule.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.app import EXTENSIONS, HustingsBot, point_discord_at
from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.settings import GuildSettings
from bot.sim import DiscordSimulator, SimGuild, SimMember, run_bot_against
from bot.sim import permissions as perms
from bot.store import candidates, elections, meta
from bot.store.database import Database
from tests.helpers import ask, choices, import_pack
from tests.services.test_sources_support import FeedServer

SLUG = "ncwu-nec"
PACK = {
    "version": 1,
    "bodies": [{"name": f"Branch {i:02d}"} for i in range(1, 9)],
    "elections": [{"slug": SLUG, "name": "NCWU National Executive", "seats": 2, "voting_system": "bloc"}],
}


def sheet(n: int, bio: str = "Standing") -> str:
    return "Name,Bio\n" + "".join(f"Candidate {i:02d},{bio} {i}\n" for i in range(1, n + 1))


def _extensions() -> tuple[str, ...]:
    """The bot's extensions, making sure the moderator tools load before the sources cog."""
    if "cogs.admin" in EXTENSIONS and EXTENSIONS.index("cogs.admin") < EXTENSIONS.index("cogs.sources"):
        return EXTENSIONS
    rest = [e for e in EXTENSIONS if e not in ("cogs.admin", "cogs.sources")]
    return (*rest, "cogs.admin", "cogs.sources")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The e2e settings, letting sources reach the feed server on 127.0.0.1 (as a self-hoster would)."""
    return settings.replace(source_allow_private=True)


@pytest.fixture
def mod(guild: SimGuild) -> SimMember:
    return guild.add_member("moderator", permissions=perms.MANAGE_GUILD)


@pytest.fixture
async def bot(
    sim: DiscordSimulator, settings: Settings, db: Database, clock: ManualClock, guild: SimGuild
) -> AsyncIterator[HustingsBot]:
    await import_pack(db, guild.id, PACK, clock, "seed.json")
    alerts = guild.add_channel("mod-alerts")
    async with db.transaction() as tx:
        await meta.save_settings(tx, GuildSettings(guild.id, alert_channel_id=alerts.id))
    point_discord_at(settings.discord_api, settings.discord_gateway)
    hustings = HustingsBot(settings=settings, db=db, clock=clock, extensions=_extensions())
    async with run_bot_against(sim, hustings):
        yield hustings


async def _names(db: Database, guild: SimGuild) -> list[str]:
    election = await elections.get_by_slug(db.reader, guild.id, SLUG)
    assert election is not None and election.id is not None
    return [c.name for c in await candidates.list_for_election(db.reader, election.id)]


async def test_add_list_sync_and_a_held_update(
    sim: DiscordSimulator,
    guild: SimGuild,
    mod: SimMember,
    member: SimMember,
    bot: HustingsBot,
    feed: FeedServer,
    db: Database,
) -> None:
    service = bot.services.sources
    feed.serve("c.csv", sheet(10))

    added = await ask(
        sim,
        mod,
        "/admin source add",
        {"election": SLUG, "kind": "candidates", "url": feed.url("c.csv"), "every": "10m"},
    )
    assert added.embeds[0]["title"] == "Source #1 added"
    await service.idle()  # the first read starts at once, in the background
    assert len(await _names(db, guild)) == 10

    listed = await ask(sim, mod, "/admin source list")
    text = listed.embeds[0]["description"]
    assert "**#1** candidates → `ncwu-nec` · every 10 min · decides the list" in text
    assert "✅ ok" in text and "Rows: 10 (applied 10 changes in all)" in text
    found = await choices(sim, mod, "/admin source sync", "source", "")
    assert found[0].startswith("#1 candidates → ncwu-nec")

    unchanged = await ask(sim, mod, "/admin source sync", {"source": 1})
    assert unchanged.embeds[0]["title"].endswith("The source hasn't changed")

    feed.serve("c.csv", sheet(10, bio="Edited"))
    edited = await ask(sim, mod, "/admin source sync", {"source": 1})
    assert edited.embeds[0]["title"].endswith("Updated from the source")
    assert "candidates: +0 ~10 -0" in edited.embeds[0]["description"]

    # A broken sheet drops most rows: held, not applied; the alert channel gets Apply / Keep buttons.
    feed.serve("c.csv", sheet(3, bio="Edited"))
    held = await ask(sim, mod, "/admin source sync", {"source": 1})
    assert "Held for a moderator" in held.embeds[0]["title"]
    assert "7 of 10 candidates in ncwu-nec (70%)" in held.embeds[0]["description"]
    assert len(await _names(db, guild)) == 10
    alerts = guild.channel("mod-alerts")
    alert = await sim.wait_for_message(lambda m: bool(m.components), channel=alerts)
    assert "held" in alert.embeds[0]["title"]
    apply_id = next(
        c["custom_id"] for c in alert.iter_components() if c.get("custom_id", "").startswith("hustings:src:apply:1:")
    )

    refused = await (await sim.click(member, alert, apply_id)).response()
    assert "Only a moderator" in refused.content and len(await _names(db, guild)) == 10

    await (await sim.click(mod, alert, apply_id)).acknowledged()
    await sim.wait_for_idle()
    assert len(await _names(db, guild)) == 3
    assert alert.content.startswith("Applied by moderator") and not alert.components
    assert sim.violations == []


async def test_failures_alert_once_and_recovery_is_announced(
    sim: DiscordSimulator,
    guild: SimGuild,
    mod: SimMember,
    bot: HustingsBot,
    feed: FeedServer,
    db: Database,
    clock: ManualClock,
) -> None:
    service = bot.services.sources
    feed.serve("c.csv", sheet(4))
    await ask(sim, mod, "/admin source add", {"election": SLUG, "kind": "candidates", "url": feed.url("c.csv")})
    await service.idle()
    feed.serve("c.csv", "", status=500)
    alerts = guild.channel("mod-alerts")
    for _ in range(3):  # three failed runs (15, 15 and 30 minutes apart): one alert
        clock.advance(timedelta(minutes=30))
        await service.idle()
    await sim.wait_for_idle()
    failing = [m for m in sim.channel_messages(alerts) if "failing" in m.embeds[0]["title"]]
    assert len(failing) == 1 and "500 Internal Server Error" in failing[0].embeds[0]["description"]
    listed = await ask(sim, mod, "/admin source list")
    assert "⚠️ failing (3 in a row)" in listed.embeds[0]["description"]
    feed.serve("c.csv", sheet(5))
    clock.advance(timedelta(hours=1))
    await service.idle()
    recovered = await sim.wait_for_message(
        lambda m: bool(m.embeds) and "recovered" in m.embeds[0]["title"], channel=alerts
    )
    assert "after 3 failed runs" in recovered.embeds[0]["description"]
    assert len(await _names(db, guild)) == 5


async def test_pause_and_resume_say_what_happens_next(
    sim: DiscordSimulator, mod: SimMember, bot: HustingsBot, feed: FeedServer
) -> None:
    feed.serve("c.csv", sheet(2))
    await ask(sim, mod, "/admin source add", {"election": SLUG, "kind": "candidates", "url": feed.url("c.csv")})
    await bot.services.sources.idle()
    paused = await ask(sim, mod, "/admin source pause", {"source": 1})
    assert paused.content == "Source #1 paused: it won't be read until you resume it (`/admin source resume`)."
    assert "⏸" in (await ask(sim, mod, "/admin source list")).embeds[0]["description"]
    resumed = await ask(sim, mod, "/admin source resume", {"source": 1})
    assert resumed.content.startswith("Source #1 resumed: it will be read now, then every ")
