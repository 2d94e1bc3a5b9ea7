"""The public hustings post (issue #17 part 3): when an organiser schedules a hustings, the bot announces it
in the announcement channel, exactly once, with **Interested (N)**, **Remind me 1 h before** and **Remind
me**; the post follows edits and cancellation, and organisers can switch it off per election."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.config import Settings
from bot.sim import DiscordSimulator, SimGuild, SimMember, SimMessage, run_bot_against
from bot.sim.interactions import DEFERRED_UPDATE
from bot.store import hustings as hustings_repo
from bot.store import meta
from bot.store.database import Database
from tests.e2e.test_hustings import Org
from tests.e2e.test_hustings import setup_org as hustings_org
from tests.helpers import ask

HOUR = "Remind me 1 h before"
LABELS = ["Remind me of the deadlines", "Interested (0)", HOUR]


async def with_announcements(sim: DiscordSimulator, db: Database, guild: SimGuild, clock: ManualClock) -> Org:
    """The hustings organiser set-up, an announcement channel and an alert channel set, events off."""
    org = await hustings_org(db, guild, clock)
    settings = await meta.get_settings(db.reader, guild.id)
    settings.announce_channel_id = guild.channel("announcements").id
    settings.alert_channel_id = guild.add_channel("organisers").id
    async with db.transaction() as tx:
        await meta.save_settings(tx, settings)
    await ask(sim, org.organiser, "/hustings events", {"state": "off"})
    return org


async def schedule(sim: DiscordSimulator, org: Org, when: str = "2026-11-26 12:00") -> SimMessage:
    """The organiser schedules the NEC hustings in the Hall; their reply."""
    options = {"title": "NEC hustings", "when": when, "location": "Hall", "chair": "Pat"}
    return await ask(sim, org.organiser, "/hustings schedule", options)


def posts(sim: DiscordSimulator, guild: SimGuild) -> list[SimMessage]:
    """The announcement channel, as it stands now (edits included)."""
    return [sim.world.messages[m.id] for m in sim.channel_messages(guild.channel("announcements"))]


async def settle(sim: DiscordSimulator, bot: HustingsBot) -> None:
    await bot.services.delivery.settled()
    await sim.wait_for_idle()


async def posted(
    sim: DiscordSimulator, db: Database, guild: SimGuild, clock: ManualClock, bot: HustingsBot
) -> tuple[Org, SimMessage]:
    """The set-up above, the NEC hustings scheduled and its one post in the announcement channel."""
    org = await with_announcements(sim, db, guild, clock)
    await schedule(sim, org)
    await settle(sim, bot)
    [post] = posts(sim, guild)
    return org, post


async def press(sim: DiscordSimulator, who: SimMember, post: SimMessage, label_start: str) -> str:
    """Press a button of the post; the ephemeral answer the member saw (the post is edited in place)."""
    button = next(b for b in sim.world.messages[post.id].buttons if str(b.get("label", "")).startswith(label_start))
    handle = await sim.click(who, post, button["custom_id"])
    assert await handle.acknowledged() == DEFERRED_UPDATE
    *_, said = await handle.wait_messages(2)
    await sim.wait_for_idle()
    assert said.ephemeral
    return said.text


async def test_the_post_appears_once_across_a_restart(
    sim: DiscordSimulator, guild: SimGuild, db: Database, clock: ManualClock, settings: Settings
) -> None:
    async with run_bot_against(sim, HustingsBot(settings=settings, db=db, clock=clock)) as bot:
        org = await with_announcements(sim, db, guild, clock)
        reply = await schedule(sim, org)
        assert "announcement channel" not in reply.text
        await settle(sim, bot)
        [post] = posts(sim, guild)
        start = int(datetime(2026, 11, 26, 12, 0, tzinfo=UTC).timestamp())
        embed = post.embeds[0]
        assert embed["title"] == "NEC hustings" and "NEC 2026" in embed["description"]
        fields = {f["name"]: f["value"] for f in embed["fields"]}
        assert fields["When"].startswith(f"<t:{start}:F> (<t:{start}:R>)")
        assert fields["Where"] == "Hall" and "Ann Black" in fields["Taking part"] and fields["Chair"] == "Pat"
        assert [b["label"] for b in post.buttons] == LABELS
    async with run_bot_against(sim, HustingsBot(settings=settings, db=db, clock=clock)) as bot:
        await bot.services.delivery.run_for(timedelta(days=1), step=timedelta(hours=1))
        await settle(sim, bot)
    assert len(posts(sim, guild)) == 1
    [h] = await hustings_repo.list_for_guild(db.reader, guild.id)
    assert await hustings_repo.post_of(db.reader, h.id or 0) == (guild.channel("announcements").id, post.id)
    assert sim.violations == []


async def test_interested_from_two_members_shows_two_on_the_post(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, db: Database, clock: ManualClock, hustings: HustingsBot
) -> None:
    _org, post = await posted(sim, db, guild, clock, hustings)
    assert "interested now" in await press(sim, member, post, "Interested")
    assert "2 members are interested" in await press(sim, guild.add_member("otto"), post, "Interested")
    [post] = posts(sim, guild)
    assert [b["label"] for b in post.buttons] == ["Remind me of the deadlines", "Interested (2)", HOUR]
    assert post.embeds and post.embeds[0]["title"] == "NEC hustings"  # the edit kept the embed
    assert sim.violations == []


async def test_edit_moves_the_post_and_cancel_marks_it(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, db: Database, clock: ManualClock, hustings: HustingsBot
) -> None:
    org, post = await posted(sim, db, guild, clock, hustings)
    await press(sim, member, post, "Interested")
    [h] = await hustings_repo.list_for_guild(db.reader, guild.id)
    await ask(sim, org.organiser, "/hustings edit", {"hustings": str(h.id), "when": "2026-11-27 18:00"})
    await settle(sim, hustings)
    [post] = posts(sim, guild)
    moved = int(datetime(2026, 11, 27, 18, 0, tzinfo=UTC).timestamp())
    assert {f["name"]: f["value"] for f in post.embeds[0]["fields"]}["When"].startswith(f"<t:{moved}:F>")
    assert [b["label"] for b in post.buttons] == ["Remind me of the deadlines", "Interested (1)", HOUR]
    await ask(sim, org.organiser, "/hustings cancel", {"hustings": str(h.id)})
    await settle(sim, hustings)
    [post] = posts(sim, guild)
    assert "Cancelled" in post.embeds[0]["title"] and post.buttons == []
    assert sim.violations == []


async def test_switched_off_for_the_election_nothing_is_posted(
    sim: DiscordSimulator, guild: SimGuild, db: Database, clock: ManualClock, hustings: HustingsBot
) -> None:
    org = await with_announcements(sim, db, guild, clock)
    done = await ask(sim, org.organiser, "/announce reminders", {"election": "nec", "hustings_post": "off"})
    assert "hustings" in done.text
    reply = await schedule(sim, org)
    await hustings.services.delivery.run_for(timedelta(hours=2))
    await settle(sim, hustings)
    assert posts(sim, guild) == [] and "announcement channel" not in reply.text
    await ask(sim, org.organiser, "/announce reminders", {"election": "nec", "hustings_post": "on"})
    await schedule(sim, org, "2026-11-28 12:00")
    await settle(sim, hustings)
    assert len(posts(sim, guild)) == 1
    assert sim.violations == []


async def test_no_announcement_channel_the_reply_says_where_to_set_one(
    sim: DiscordSimulator, guild: SimGuild, db: Database, clock: ManualClock, hustings: HustingsBot
) -> None:
    org = await hustings_org(db, guild, clock)
    await ask(sim, org.organiser, "/hustings events", {"state": "off"})
    reply = await schedule(sim, org)
    await settle(sim, hustings)
    assert posts(sim, guild) == []
    assert "`/admin config channels announce:`" in reply.text
    assert sim.violations == []


async def test_remind_me_1h_before_on_the_post_dms_once(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, db: Database, clock: ManualClock, hustings: HustingsBot
) -> None:
    _org, post = await posted(sim, db, guild, clock, hustings)
    button = post.button(HOUR)
    done = await (await sim.click(member, post, button["custom_id"])).response()
    assert done.ephemeral and "an hour before **NEC hustings**" in done.text
    await hustings.services.delivery.run_for(timedelta(days=3), step=timedelta(minutes=30))
    await sim.wait_for_idle()
    [dm] = sim.dms(member)
    assert dm.created_at == datetime(2026, 11, 26, 11, 0, tzinfo=UTC) and "NEC hustings" in dm.content
    assert sim.violations == []


async def test_a_deleted_post_is_not_alerted_on_each_edit(
    sim: DiscordSimulator, guild: SimGuild, db: Database, clock: ManualClock, hustings: HustingsBot
) -> None:
    org, post = await posted(sim, db, guild, clock, hustings)
    sim.world.messages[post.id].deleted = True  # a moderator deleted it in Discord (as the sim's DELETE does)
    [h] = await hustings_repo.list_for_guild(db.reader, guild.id)
    for when in ("2026-11-27 18:00", "2026-11-28 18:00"):
        handle = await sim.invoke(org.organiser, "/hustings edit", {"hustings": str(h.id), "when": when})
        assert "Hustings updated" in (await handle.response()).embeds[0]["title"]  # the change stands
    await settle(sim, hustings)
    assert posts(sim, guild) == []
    assert sim.channel_messages(guild.channel("organisers")) == []  # no alert
    assert [v.code for v in sim.violations] == [10008]  # tried once, then forgotten
    assert await hustings_repo.post_of(db.reader, h.id or 0) is None
