"""A source changes only the kinds it declares, and never published results without a moderator
(issue #13 item 5); with two-person publish on, who set the source up can't apply its hold (#13 item 3)."""

from __future__ import annotations

from datetime import timedelta

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.config import Settings
from bot.sim import DiscordSimulator, SimGuild, SimMember, run_bot_against
from bot.sim import permissions as perms
from bot.sim.interactions import DEFERRED_UPDATE
from bot.store.database import Database
from tests.e2e.admin_fixtures import audit_rows
from tests.e2e.test_sources_admin import SLUG, _extensions, _names, bot, mod, settings, sheet
from tests.helpers import ask
from tests.services.test_sources_support import FeedServer

__all__ = ["bot", "mod", "settings"]  # fixtures used by name


async def test_renaming_in_a_candidates_sheet_is_held_and_needs_another_moderator(
    sim: DiscordSimulator,
    guild: SimGuild,
    mod: SimMember,
    member: SimMember,
    bot: HustingsBot,
    feed: FeedServer,
    db: Database,
) -> None:
    mod2 = guild.add_member("mod2", permissions=perms.MANAGE_GUILD)
    service = bot.services.sources
    feed.serve("c.csv", sheet(3))
    await ask(sim, mod, "/admin source add", {"election": SLUG, "kind": "candidates", "url": feed.url("c.csv")})
    await service.idle()
    for name, votes in (("Candidate 01", 500), ("Candidate 02", 400), ("Candidate 03", 300)):
        await ask(sim, mod, "/admin results set", {"candidate": name, "votes": votes, "election": SLUG})
    await ask(sim, mod, "/admin results publish", {"election": SLUG})
    await ask(sim, mod, "/admin config roles", {"two_person_publish": True})
    before = (await ask(sim, member, "/results", {"election": SLUG})).text
    assert "Candidate 01" in before

    feed.serve("c.csv", sheet(3).replace("Candidate 01", "Candidate 1A"))  # one candidate renamed
    report = await ask(sim, mod, "/admin source sync", {"source": 1})
    assert "results" in report.text and "does not provide" in report.text
    assert "Candidate 01" in await _names(db, guild)
    assert (await ask(sim, member, "/results", {"election": SLUG})).text == before  # members see no change

    alerts = guild.channel("mod-alerts")
    held = await sim.wait_for_message(lambda m: bool(m.buttons), channel=alerts, timeout=5)
    apply_id = held.button("Apply this update")["custom_id"]
    own = await (await sim.click(mod, held, apply_id)).response()
    assert own.ephemeral and "different** moderator" in own.content
    assert "Candidate 01" in await _names(db, guild)
    assert any(
        r.denied and r.action == "source.confirm" and r.actor_id == mod.id for r in await audit_rows(db, guild.id)
    )

    await (await sim.click(mod2, held, apply_id)).response()
    await sim.wait_for_idle()
    assert "Candidate 1A" in await _names(db, guild)
    assert sim.violations == []


async def test_a_held_update_can_be_applied_after_a_restart(
    sim: DiscordSimulator,
    guild: SimGuild,
    mod: SimMember,
    bot: HustingsBot,
    feed: FeedServer,
    db: Database,
    clock: ManualClock,
    settings: Settings,
) -> None:
    feed.serve("c.csv", sheet(10))
    await ask(sim, mod, "/admin source add", {"election": SLUG, "kind": "candidates", "url": feed.url("c.csv")})
    await bot.services.sources.idle()
    feed.serve("c.csv", sheet(2))  # a sheet that suddenly lists far fewer rows is held
    await ask(sim, mod, "/admin source sync", {"source": 1})
    held = await sim.wait_for_message(lambda m: bool(m.buttons), channel=guild.channel("mod-alerts"), timeout=5)
    await bot.close()  # the bot restarts: a new instance on the same database and simulator
    clock.advance(timedelta(minutes=30))
    async with run_bot_against(sim, HustingsBot(settings=settings, db=db, clock=clock, extensions=_extensions())):
        press = await sim.click(mod, held, held.button("Apply this update")["custom_id"])
        assert await press.acknowledged() == DEFERRED_UPDATE
        await press.response()
        await sim.wait_for_idle()
        assert len(await _names(db, guild)) == 2
        assert sim.world.messages[held.id].components == []
    assert sim.violations == []
