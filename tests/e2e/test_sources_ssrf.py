"""Through the simulator: a moderator's source link cannot make the bot read the host's own network.

The internal CSV sits on the local feed server (127.0.0.1), the settings are the defaults (private
addresses off), and a `FakeDNS` stands in for a DNS name that resolves to loopback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import HustingsBot, point_discord_at
from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.sources import PRIVATE_ADDRESS
from bot.sim import DiscordSimulator, SimGuild, SimMember, run_bot_against
from bot.sim import permissions as perms
from bot.store import meta
from bot.store import sources as source_store
from bot.store.database import Database
from tests.e2e.conftest import ask, choices, import_pack
from tests.e2e.test_sources_admin import PACK, SLUG, _extensions
from tests.services.test_sources_support import FakeDNS, FeedServer

INTERNAL = "Name,Bio\nInternal Secret,db-password=hunter2\n"


@pytest.fixture
async def feed() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def bot(
    sim: DiscordSimulator, settings: Settings, db: Database, clock: ManualClock, guild: SimGuild
) -> AsyncIterator[HustingsBot]:
    assert settings.source_allow_private is False  # the default, as a host would run it
    await import_pack(db, guild.id, PACK, clock, "seed.json")
    alerts = guild.add_channel("mod-alerts")
    async with db.transaction() as tx:
        await meta.save_settings(tx, meta.GuildSettings(guild.id, alert_channel_id=alerts.id))
    point_discord_at(settings.discord_api, settings.discord_gateway)
    hustings = HustingsBot(settings=settings, db=db, clock=clock, extensions=_extensions())
    async with run_bot_against(sim, hustings):
        yield hustings


async def test_internal_addresses_are_refused_and_nothing_leaks(
    sim: DiscordSimulator,
    guild: SimGuild,
    member: SimMember,
    bot: HustingsBot,
    feed: FeedServer,
    db: Database,
) -> None:
    mod = guild.add_member("owner", permissions=perms.MANAGE_GUILD)
    internal = feed.serve("internal.csv", INTERNAL)
    port = feed.port
    for host in ("127.0.0.1", "0.0.0.0", "[::1]", "[::ffff:127.0.0.1]", "169.254.169.254"):
        reply = await ask(
            sim,
            mod,
            "/admin source add",
            {"election": SLUG, "kind": "candidates", "url": f"http://{host}:{port}/internal.csv"},
        )
        assert reply.ephemeral and reply.content == PRIVATE_ADDRESS, (host, reply.content)
    assert await source_store.list_for_guild(db.reader, guild.id) == []

    # A DNS name that resolves to loopback is accepted as a link, and refused at every read.
    service = bot.services.sources
    service.fetcher.resolver = FakeDNS({"sheets.example.org": ["127.0.0.1"]})
    url = f"http://sheets.example.org:{port}/internal.csv"
    await ask(sim, mod, "/admin source add", {"election": SLUG, "kind": "candidates", "url": url})
    await service.idle()
    await sim.wait_for_idle()
    assert internal.hits == 0

    listed = (await ask(sim, mod, "/admin source list")).embeds[0]["description"]
    assert PRIVATE_ADDRESS in listed and "hunter2" not in listed
    alert = await sim.wait_for_message(
        lambda m: bool(m.embeds) and "failing" in m.embeds[0]["title"], channel=guild.channel("mod-alerts")
    )
    assert PRIVATE_ADDRESS in alert.embeds[0]["description"]
    assert await choices(sim, member, "/candidate", "name", "internal") == []
    reply = await ask(sim, member, "/candidate", {"name": "Internal Secret"})
    assert "hunter2" not in str(reply.embeds) + reply.content
