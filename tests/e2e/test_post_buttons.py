"""Buttons on the posts the delivery engine sends (issue #17 part 3): a stateless **Remind me** under every
announcement and reminder about an election, pressed after the bot restarted; and under a hustings,
**Interested** and **Remind me 1 h before** (one DM an hour before it, exactly once, across a restart)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.config import Settings
from bot.discordpy_private import views_held
from bot.sim import DiscordSimulator, SimGuild, SimMember, SimMessage, run_bot_against
from bot.store import hustings as hustings_repo
from bot.store import hustings_reminders
from bot.store.database import Database
from tests.e2e.test_announce import Org, setup_org
from tests.e2e.test_hustings import setup_org as hustings_org
from tests.helpers import ask

REMIND = "hustings:rmd:nec"
HOUR = "Remind me 1 h before"


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
        preview = await ask(sim, org.organiser, "/announce preview", {"id": 2})
        assert preview.ephemeral and preview.custom_ids == [REMIND]  # as it will post
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
    assert views_held(hustings) == 0  # a post's buttons live in their custom ids, not in memory (#19)
    done = await (await sim.click(member, reminder, REMIND)).response()
    assert "remind you" in done.text
    assert sim.violations == []


async def _hustings_info(
    sim: DiscordSimulator, db: Database, guild: SimGuild, organiser: SimMember, member: SimMember, when: str
) -> SimMessage:
    """Schedule a hustings (events off) and show it to the member: the post with its buttons."""
    await ask(sim, organiser, "/hustings events", {"state": "off"})
    await ask(sim, organiser, "/hustings schedule", {"title": "NEC hustings", "when": when, "location": "Hall"})
    [h] = await hustings_repo.list_for_guild(db.reader, guild.id)
    return await ask(sim, member, "/hustings info", {"hustings": str(h.id)})


async def test_remind_me_1h_before_dms_once_across_a_restart(
    sim: DiscordSimulator,
    guild: SimGuild,
    member: SimMember,
    db: Database,
    clock: ManualClock,
    settings: Settings,
) -> None:
    async with run_bot_against(sim, HustingsBot(settings=settings, db=db, clock=clock)):
        org = await hustings_org(db, guild, clock)
        info = await _hustings_info(sim, db, guild, org.organiser, member, "2026-11-26 12:00")
        assert [b["label"] for b in info.buttons] == ["Remind me of the deadlines", "Interested (0)", HOUR]
        done = await (await sim.click(member, info, info.button(HOUR)["custom_id"])).response()
        assert done.ephemeral and "an hour before **NEC hustings**" in done.text
    assert sim.dms(member) == []
    async with run_bot_against(sim, HustingsBot(settings=settings, db=db, clock=clock)) as bot:
        await bot.services.delivery.run_for(timedelta(days=1, hours=22, minutes=59), step=timedelta(hours=1))
        await sim.wait_for_idle()
        assert sim.dms(member) == []  # not before 11:00
        await bot.services.delivery.run_for(timedelta(hours=3), step=timedelta(minutes=10))
        await sim.wait_for_idle()
        [dm] = sim.dms(member)
        start = int(datetime(2026, 11, 26, 12, 0, tzinfo=UTC).timestamp())
        assert dm.content.startswith("⏰ **NEC hustings** (NEC 2026)") and f"<t:{start}:R>" in dm.content
        assert dm.created_at == datetime(2026, 11, 26, 11, 0, tzinfo=UTC) and "Hall" in dm.content
    async with run_bot_against(sim, HustingsBot(settings=settings, db=db, clock=clock)) as bot:
        await bot.services.delivery.run_for(timedelta(days=1), step=timedelta(hours=1))
        await sim.wait_for_idle()
    assert len(sim.dms(member)) == 1  # exactly once, through the ledger
    assert sim.violations == []


async def test_a_second_press_takes_it_back_and_a_moved_hustings_reminds_at_its_new_time(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, db: Database, clock: ManualClock, hustings: HustingsBot
) -> None:
    org = await hustings_org(db, guild, clock)
    info = await _hustings_info(sim, db, guild, org.organiser, member, "2026-11-26 12:00")
    press = info.button(HOUR)["custom_id"]
    await (await sim.click(member, info, press)).response()
    undone = await (await sim.click(member, info, press)).response()
    assert "no reminder before **NEC hustings**" in undone.text
    other = guild.add_member("otto")
    [h] = await hustings_repo.list_for_guild(db.reader, guild.id)
    theirs = await ask(sim, other, "/hustings info", {"hustings": str(h.id)})
    await (await sim.click(other, theirs, press)).response()
    await ask(sim, org.organiser, "/hustings edit", {"hustings": str(h.id), "when": "2026-11-27 18:00"})
    await hustings.services.delivery.run_for(timedelta(days=4), step=timedelta(hours=1))
    await sim.wait_for_idle()
    assert sim.dms(member) == []
    [dm] = sim.dms(other)
    assert dm.created_at == datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    assert sim.violations == []


async def test_too_late_or_cancelled_gets_one_sentence_and_stores_nothing(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, db: Database, clock: ManualClock, hustings: HustingsBot
) -> None:
    org = await hustings_org(db, guild, clock)
    info = await _hustings_info(sim, db, guild, org.organiser, member, "in 30 minutes")
    soon = await (await sim.click(member, info, info.button(HOUR)["custom_id"])).response()
    assert soon.ephemeral and "sooner than an hour from now" in soon.text
    [h] = await hustings_repo.list_for_guild(db.reader, guild.id)
    await ask(sim, org.organiser, "/hustings cancel", {"hustings": str(h.id)})
    gone = await (await sim.click(member, info, info.button(HOUR)["custom_id"])).response()
    assert "no such hustings" in gone.text
    assert await hustings_reminders.find(db.reader, h.id or 0, member.id) is None
    await hustings.services.delivery.run_for(timedelta(days=1), step=timedelta(hours=1))
    assert sim.dms(member) == []
