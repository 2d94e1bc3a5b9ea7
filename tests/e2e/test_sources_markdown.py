"""Text from a source is shown escaped: a sheet cannot put a working link or formatting in moderators'
replies and alerts (issue #13, item 7)."""

from __future__ import annotations

from bot.app import HustingsBot
from bot.sim import DiscordSimulator, SimGuild, SimMember
from tests.e2e.test_sources_admin import SLUG, bot, mod, settings  # noqa: F401 - fixtures
from tests.helpers import ask
from tests.services.test_sources_support import FeedServer

PHISH = "[Verify your vote](https://phish.example/login)"


def sheet(n: int) -> str:
    rows = [f'"{PHISH} {i}",**Bold** bio {i}' for i in range(1, n + 1)]
    return "Name,Bio\n" + "\n".join(rows) + "\n"


def rendered(message) -> str:
    return " ".join(f"{e.get('title', '')} {e.get('description', '')}" for e in message.embeds) + message.content


async def test_source_text_is_escaped_in_replies_and_alerts(
    sim: DiscordSimulator,
    guild: SimGuild,
    mod: SimMember,  # noqa: F811
    bot: HustingsBot,  # noqa: F811
    feed: FeedServer,
) -> None:
    service = bot.services.sources
    feed.serve("c.csv", sheet(10))
    await ask(sim, mod, "/admin source add", {"election": SLUG, "kind": "candidates", "url": feed.url("c.csv")})
    await service.idle()
    feed.serve("c.csv", sheet(10).replace("bio", "Bio"))
    applied = await ask(sim, mod, "/admin source sync", {"source": 1})
    feed.serve("c.csv", sheet(2))  # most rows gone: held, with the diff in the alert channel
    held = await ask(sim, mod, "/admin source sync", {"source": 1})
    await sim.wait_for_idle()
    alerts = sim.channel_messages(guild.channel("mod-alerts"))
    shown = [rendered(applied), rendered(held), *(rendered(m) for m in alerts)]
    assert any("Verify your vote" in text for text in shown[2:]), "the held alert lists the names"
    for text in shown:
        assert "[Verify your vote](" not in text, text  # a masked link would render
        assert "Verify your vote" not in text or "\\[Verify your vote\\]" in text, text
