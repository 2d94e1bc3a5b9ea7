"""Through the simulator: a moderator's source link cannot make the bot read the host's own network.

The internal CSV sits on the local feed server (127.0.0.1), the settings are the defaults (private
addresses off), and a `FakeDNS` stands in for a DNS name that resolves to loopback.
"""

from __future__ import annotations

import pytest

from bot.app import HustingsBot
from bot.config import Settings
from bot.domain.sources import PRIVATE_ADDRESS
from bot.sim import DiscordSimulator, SimGuild, SimMember
from bot.sim import permissions as perms
from bot.store import sources as source_store
from bot.store.database import Database
from tests.e2e.test_sources_admin import SLUG, bot
from tests.helpers import ask, choices
from tests.services.test_sources_support import FakeDNS, FeedServer

__all__ = ["bot"]  # a fixture used by name

INTERNAL = "Name,Bio\nInternal Secret,db-password=hunter2\n"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings as a host would run them: sources may not reach private addresses."""
    assert settings.source_allow_private is False  # the default
    return settings


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

    # A DNS name that resolves to loopback is refused as well.
    service = bot.services.sources
    service.fetcher.resolver = FakeDNS(
        {"intranet.example.org": ["127.0.0.1"], "sheets.example.org": ["93.184.216.34"]},
        later={"sheets.example.org": ["127.0.0.1"]},
    )
    url = f"http://intranet.example.org:{port}/internal.csv"
    reply = await ask(sim, mod, "/admin source add", {"election": SLUG, "kind": "candidates", "url": url})
    assert reply.content == PRIVATE_ADDRESS
    # A name that was public when added and then points at loopback (DNS rebinding) is refused at every read.
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


def _as_if_public(address: str) -> bool:
    """The feed server on 127.0.0.1 plays a public web server (there is no internet in tests)."""
    return address == "127.0.0.1"


LEAKS = {
    "text.csv": ("root:x:0:0:root:/root:/bin/bash\nSECRET_KEY=abc123\n", "text/plain", "candidates"),
    "keys.json": (
        '{"version": 1, "aws_secret_access_key": "AKIAhunter2", "elections": []}',
        "application/json",
        "pack",
    ),
    "slugs.csv": ("election,name\nhunter2-payroll,Ann\n", "text/csv", "candidates"),
    "value.json": (
        '{"version": 1, "elections": [{"slug": "ncwu-nec", "name": "N", "seats": "hunter2", "voting_system": "bloc"}]}',
        "application/json",
        "pack",
    ),
}


async def test_run_errors_never_quote_what_the_link_returned(
    sim: DiscordSimulator, guild: SimGuild, bot: HustingsBot, feed: FeedServer
) -> None:
    mod = guild.add_member("owner", permissions=perms.MANAGE_GUILD)
    service = bot.services.sources
    service.fetcher.resolver = FakeDNS({"files.example.org": ["127.0.0.1"]})
    service.fetcher.address_rule = _as_if_public
    for n, (path, (body, kind, source_kind)) in enumerate(LEAKS.items(), start=1):
        feed.serve(path, body, content_type=kind)
        url = f"http://files.example.org:{feed.port}/{path}"
        await ask(sim, mod, "/admin source add", {"election": SLUG, "kind": source_kind, "url": url})
        await service.idle()
        report = await ask(sim, mod, "/admin source sync", {"source": n})
        assert "couldn't be read" in report.embeds[0]["title"], path
        shown = report.embeds[0]["description"]
        for secret in ("root:x", "SECRET_KEY", "abc123", "aws_secret", "AKIA", "hunter2"):
            assert secret not in shown, (path, shown)
    listed = (await ask(sim, mod, "/admin source list")).embeds[0]["description"]
    assert "problem" in listed and "unknown column" in listed and "unknown field" in listed
    await sim.wait_for_idle()
    alerts = [str(m.embeds) for m in sim.channel_messages(guild.channel("mod-alerts"))]
    assert len(alerts) == len(LEAKS)
    for text in [listed, *alerts]:
        for secret in ("root:x", "SECRET_KEY", "abc123", "aws_secret", "AKIA", "hunter2"):
            assert secret not in text, text
