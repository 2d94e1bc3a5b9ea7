"""Buttons on the posts the delivery engine sends (issue #17 part 3): a stateless **Remind me** under every
announcement and reminder about an election, pressed after the bot restarted; and under a hustings,
**Interested** and **Remind me 1 h before** (one DM an hour before it, exactly once, across a restart)."""

from __future__ import annotations

from datetime import timedelta

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.config import Settings
from bot.sim import DiscordSimulator, SimGuild, SimMember, run_bot_against
from bot.store.database import Database
from tests.e2e.test_announce import Org, setup_org
from tests.helpers import ask

REMIND = "hustings:rmd:nec"


async def test_an_announcement_carries_remind_me_that_works_after_a_restart(
    sim: DiscordSimulator,
    guild: SimGuild,
    member: SimMember,
    db: Database,
    clock: ManualClock,
    settings: Settings,
) -> None:
    async with run_bot_against(sim, HustingsBot(settings=settings, db=db, clock=clock)) as bot:
        org: Org = await setup_org(sim, guild, db, clock)
        await ask(sim, org.organiser, "/announce post", {"channel": org.announcements, "view": "nominations"})
        await bot.services.delivery.settled()
        options = {"channel": org.announcements, "when": "in 1h", "message": "{election}: vote!"}
        await ask(sim, org.organiser, "/announce schedule", options)
        await bot.services.delivery.run_for(timedelta(hours=2))
        await sim.wait_for_idle()
    live, named = sim.channel_messages(org.announcements)
    assert named.content == "NEC 2026: vote!" and named.custom_ids == [REMIND]
    assert named.button("Remind me of the deadlines")
    assert live.custom_ids == [REMIND] and live.filenames == ["nominations.png"]
    assert sim.channel_messages(org.alerts) == []
    async with run_bot_against(sim, HustingsBot(settings=settings, db=db, clock=clock)):
        done = await (await sim.click(member, named, REMIND)).response()
        assert done.ephemeral and "remind you" in done.text and "NEC 2026" in done.text
        assert "NEC 2026" in (await ask(sim, member, "/remind list")).text
        stopped = await (await sim.click(member, done, done.button("Stop")["custom_id"])).response()
        assert "Stopped 1 reminder" in stopped.text
    assert sim.violations == []


async def test_automatic_reminders_and_milestones_carry_remind_me(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, db: Database, clock: ManualClock, hustings: HustingsBot
) -> None:
    org = await setup_org(sim, guild, db, clock)
    await ask(sim, org.organiser, "/announce reminders", {"election": "nec", "state": "on"})
    await hustings.services.delivery.run_for(timedelta(days=10), step=timedelta(days=1))
    [reminder] = sim.channel_messages(org.announcements)
    assert reminder.content.startswith("⏰ **Nominations close in 7 days**") and reminder.custom_ids == [REMIND]
    done = await (await sim.click(member, reminder, REMIND)).response()
    assert "remind you" in done.text
    assert sim.violations == []
