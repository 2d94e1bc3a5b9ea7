"""Where questions threads go (issue #17 part 2): organisers choose a text or forum channel (the bot's
permissions checked when they do, a missing one named), and a thread deleted in Discord is forgotten on
THREAD_DELETE so the next question opens a new one without a failed post."""

from __future__ import annotations

import asyncio

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.domain.questions import Topic
from bot.sim import DiscordSimulator, SimGuild, SimMember
from bot.sim import permissions as perms
from bot.store import question_places
from bot.store import questions as questions_repo
from bot.store.database import Database
from tests.e2e.admin_fixtures import audit_rows
from tests.e2e.test_questions import grant_threads, question_posts, setup, threads
from tests.helpers import ask, ask_question_without

SET = "/hustings questions_channel"


async def test_organisers_choose_a_text_channel_and_questions_open_there(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, db: Database, clock: ManualClock, hustings: HustingsBot
) -> None:
    org, hid = await setup(sim, guild, db, clock)
    place = guild.add_channel("hustings-questions")
    refused = await ask(sim, org.organiser, SET, {"channel": place})
    assert "Create Public Threads" in refused.text and "Nothing was changed" in refused.text
    assert await question_places.question_channel(db.reader, guild.id) is None
    grant_threads(guild)
    await sim.wait_for_idle()
    done = await ask(sim, org.organiser, SET, {"channel": place})
    assert f"threads in <#{place.id}>" in done.text
    assert "organiser" in (await ask(sim, member, SET, {"clear": True})).text
    assert await question_places.question_channel(db.reader, guild.id) == place.id  # a member changes nothing
    asked = await ask(sim, member, "/ask", {"hustings": str(hid), "question": "Where do you stand?"})
    [thread] = threads(sim, guild)
    assert thread.parent_id == place.id and f"<#{thread.id}>" in asked.text  # not where the member asked
    [row] = [r for r in await audit_rows(db, guild.id) if r.action == "questions.channel" and not r.denied]
    assert row.after == {"channel": place.id}
    cleared = await ask(sim, org.organiser, SET, {"clear": True})
    assert "where the first question" in cleared.text
    assert await question_places.question_channel(db.reader, guild.id) is None
    both = await ask(sim, org.organiser, SET, {"channel": place, "clear": True})
    assert "not both" in both.text
    assert sim.violations == []


async def test_a_forum_channel_gets_a_post_per_hustings_and_its_missing_create_posts_is_named(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, db: Database, clock: ManualClock, hustings: HustingsBot
) -> None:
    org, hid = await setup(sim, guild, db, clock)
    forum = guild.add_channel("hustings-forum", "forum")
    guild.set_overwrite(forum, guild.bot_member, 0, perms.SEND_MESSAGES)
    await sim.wait_for_idle()
    refused = await ask(sim, org.organiser, SET, {"channel": forum})
    assert "**Create Posts**" in refused.text and "Create Public Threads" not in refused.text
    guild.set_overwrite(forum, guild.bot_member, perms.SEND_MESSAGES, 0)
    await sim.wait_for_idle()
    assert "posts in the forum" in (await ask(sim, org.organiser, SET, {"channel": forum})).text
    await ask(sim, member, "/ask", {"hustings": str(hid), "question": "Will you publish your votes?"})
    [post] = threads(sim, guild)
    assert post.parent_id == forum.id and post.name == "Questions: NEC hustings"
    starter, question = question_posts(sim, post)
    assert starter.id == post.id and "/ask" in starter.text
    assert "Will you publish your votes?" in question.text and question.button("▲ 0")
    assert sim.violations == []


async def test_a_chosen_channel_that_lost_the_bots_permission_refuses_the_question_clearly(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, db: Database, clock: ManualClock, hustings: HustingsBot
) -> None:
    org, hid = await setup(sim, guild, db, clock)
    grant_threads(guild)
    place = guild.add_channel("hustings-questions")
    await sim.wait_for_idle()
    await ask(sim, org.organiser, SET, {"channel": place})
    refused = await ask_question_without(sim, guild, place, perms.CREATE_PUBLIC_THREADS, member, hid, "Anyone?")
    assert f"<#{place.id}>, the channel organisers chose" in refused.text and "not posted" in refused.text
    assert threads(sim, guild) == [] and await questions_repo.for_topic(db.reader, guild.id, _topic(hid)) == []


def _topic(hid: int) -> Topic:
    return Topic(0, hid, "", (), None)


async def test_a_thread_deleted_in_discord_is_forgotten_and_the_next_question_opens_a_new_one(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, db: Database, clock: ManualClock, hustings: HustingsBot
) -> None:
    _, hid = await setup(sim, guild, db, clock)
    grant_threads(guild)
    await sim.wait_for_idle()
    await ask(sim, member, "/ask", {"hustings": str(hid), "question": "First?"})
    [gone] = threads(sim, guild)
    guild.delete_thread(gone)  # a moderator deletes it in their client: the bot hears THREAD_DELETE
    await _forgotten(db, guild, f"hustings:{hid}")
    reply = await ask(sim, guild.add_member("erin"), "/ask", {"hustings": str(hid), "question": "Second?"})
    assert sim.violations == []  # no post into the deleted thread was tried
    [thread] = threads(sim, guild)
    assert thread.id != gone.id and f"<#{thread.id}>" in reply.text
    assert [p.embeds[0]["description"] for p in question_posts(sim, thread)] == ["Second?"]


async def test_deleting_another_thread_changes_nothing(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, db: Database, clock: ManualClock, hustings: HustingsBot
) -> None:
    _, hid = await setup(sim, guild, db, clock)
    grant_threads(guild)
    await sim.wait_for_idle()
    await ask(sim, member, "/ask", {"hustings": str(hid), "question": "First?"})
    [kept] = threads(sim, guild)
    assert not await hustings.services.questions.thread_deleted(guild.id, kept.id + 1)
    assert not await hustings.services.questions.thread_deleted(guild.id + 1, kept.id)  # another server's
    assert await questions_repo.thread_for(db.reader, guild.id, f"hustings:{hid}") == kept.id


async def _forgotten(db: Database, guild: SimGuild, key: str) -> None:
    """Wait (bounded) until the bot has handled THREAD_DELETE: the gateway event is handled in its own task."""
    for _ in range(500):
        if await questions_repo.thread_for(db.reader, guild.id, key) is None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the deleted thread was never forgotten")
