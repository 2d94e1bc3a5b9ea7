"""Member views say how current source-fed data is, and when it may be out of date."""

from __future__ import annotations

from datetime import timedelta

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.sim import DiscordSimulator, SimMember
from tests.e2e.test_sources_admin import SLUG, bot, mod, settings, sheet  # noqa: F401 - fixtures
from tests.helpers import ask
from tests.services.test_sources_support import FeedServer


async def test_footer_shows_source_age_then_staleness(
    sim: DiscordSimulator,
    member: SimMember,
    mod: SimMember,  # noqa: F811
    bot: HustingsBot,  # noqa: F811
    feed: FeedServer,
    clock: ManualClock,
) -> None:
    feed.serve("c.csv", sheet(4))
    await ask(sim, mod, "/admin source add", {"election": SLUG, "kind": "candidates", "url": feed.url("c.csv")})
    await bot.services.sources.idle()

    fresh = await ask(sim, member, "/candidates", {"election": SLUG})
    footer = fresh.embeds[0]["footer"]["text"]
    assert "Checked against its source 0 s ago" in footer and "out of date" not in footer

    feed.serve("c.csv", "", status=500)
    for _ in range(4):  # failing runs while an hour passes: the last good read is now 3× the interval old
        clock.advance(timedelta(minutes=20))
        await bot.services.sources.idle()
    stale = await ask(sim, member, "/candidates", {"election": SLUG})
    footer = stale.embeds[0]["footer"]["text"]
    assert "may be out of date (the source is failing)" in footer
    assert sim.violations == []
