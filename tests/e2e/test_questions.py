"""Questions to candidates end to end (issue #17 part 2): asked into a hustings thread, voted up, hidden,
answered by an organiser or by the candidate's linked member, and the buttons still work after a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.config import Settings
from bot.discordpy_private import views_held
from bot.domain.questions import Question, Topic
from bot.sim import DiscordSimulator, SimChannel, SimGuild, SimMember, SimMessage
from bot.sim import permissions as perms
from bot.sim.interactions import DEFERRED_UPDATE
from bot.store import hustings as hustings_repo
from bot.store import questions as questions_repo
from bot.store.database import Database
from tests.e2e.admin_fixtures import audit_rows, mod_fixture
from tests.e2e.test_hustings import Org, grant_events, setup_org
from tests.helpers import ask, ask_question_without, choices, running

__all__ = ["mod_fixture"]  # fixtures used by name


def grant_threads(guild: SimGuild) -> None:
    """An admin gives the bot a role with Create Public Threads (it has Send Messages in Threads already)."""
    role = guild.add_role("Thread makers", permissions=perms.CREATE_PUBLIC_THREADS)
    guild.set_roles(guild.bot_member, [*guild.bot_member.roles, role])


def threads(sim: DiscordSimulator, guild: SimGuild) -> list[SimChannel]:
    """The guild's threads in the simulator."""
    return [c for c in sim.world.channels.values() if c.guild_id == guild.id and c.type == 11]


async def stored(db: Database, guild: SimGuild, hustings_id: int) -> list[Question]:
    """The questions stored for a hustings."""
    return await questions_repo.for_topic(db.reader, guild.id, Topic(0, hustings_id, "", (), None))


def question_posts(sim: DiscordSimulator, thread: SimChannel) -> list[SimMessage]:
    """The question posts in a thread, oldest first."""
    return sim.channel_messages(thread)


async def schedule(sim: DiscordSimulator, org: Org, db: Database, guild: SimGuild) -> int:
    """An organiser schedules a hustings; returns its id."""
    options = {"title": "NEC hustings", "when": "2026-12-01 19:00", "channel": org.hall}
    reply = await ask(sim, org.organiser, "/hustings schedule", options)
    assert "Hustings scheduled" in reply.text
    [h] = await hustings_repo.list_for_guild(db.reader, guild.id)
    assert h.id is not None
    return h.id


async def press(sim: DiscordSimulator, who: SimMember, message: SimMessage, label_start: str) -> str:
    """Press the button whose label starts with `label_start`; the ephemeral answer the member saw."""
    button = next(b for b in sim.world.messages[message.id].buttons if str(b.get("label", "")).startswith(label_start))
    handle = await sim.click(who, message, button["custom_id"])
    assert await handle.acknowledged() == DEFERRED_UPDATE  # acknowledged before the work
    *_, said = await handle.wait_messages(2)  # the post edited in place, then the member's own answer
    await sim.wait_for_idle()
    assert sim.violations == [], sim.violations
    assert said.ephemeral
    return said.text


async def setup(sim: DiscordSimulator, guild: SimGuild, db: Database, clock: ManualClock) -> tuple[Org, int]:
    org = await setup_org(db, guild, clock)
    grant_events(guild)
    await sim.wait_for_idle()
    return org, await schedule(sim, org, db, guild)


async def test_ask_vote_hide_answer(
    sim: DiscordSimulator,
    guild: SimGuild,
    member: SimMember,
    mod: SimMember,
    db: Database,
    clock: ManualClock,
    hustings: HustingsBot,
) -> None:
    org, hid = await setup(sim, guild, db, clock)
    asked = {"hustings": str(hid), "question": "How will you  protect members' rights?", "candidate": "Ann Black"}

    # Without Create Public Threads the bot says which permission to give, and nothing is stored.
    refused = await ask(sim, member, "/ask", asked)
    assert "Create Public Threads" in refused.text and "not posted" in refused.text
    assert threads(sim, guild) == [] and await stored(db, guild, hid) == []

    grant_threads(guild)
    await sim.wait_for_idle()
    assert "Ann Black" in await choices(sim, member, "/ask", "candidate", "", hustings=str(hid))
    reply = await ask(sim, member, "/ask", asked)
    [thread] = threads(sim, guild)
    assert thread.parent_id == guild.text_channels[0].id and thread.name == "Questions: NEC hustings"
    assert f"<#{thread.id}>" in reply.text and "#1" in reply.text
    [post] = question_posts(sim, thread)
    assert "How will you protect members' rights?" in post.text and "Ann Black" in post.text
    assert post.pings == frozenset()

    # One question per member per hustings; too long or full of mentions is refused; nothing changes.
    again = await ask(sim, member, "/ask", {"hustings": str(hid), "question": "And another?"})
    assert "already asked" in again.text
    bob = guild.add_member("bob")
    long = await ask(sim, bob, "/ask", {"hustings": str(hid), "question": "why " * 100})
    assert "keep it to 300" in long.text
    pings = await ask(sim, bob, "/ask", {"hustings": str(hid), "question": "<@1> <@2> <@&3> @everyone what?"})
    assert "without mentioning" in pings.text
    nobody = await ask(sim, bob, "/ask", {"hustings": str(hid), "question": "Hi", "candidate": "Nobody"})
    assert "isn't taking part" in nobody.text
    assert len(question_posts(sim, thread)) == 1

    # Bob asks everyone: the same thread, a second post.
    await ask(sim, bob, "/ask", {"hustings": str(hid), "question": "What is your first priority?"})
    first, second = question_posts(sim, thread)

    # Votes: one per member, toggled by a second press; the count shows on the post.
    assert "counts (1 vote now)" in await press(sim, bob, second, "▲")
    assert "counts (2 votes now)" in await press(sim, member, second, "▲")
    assert "taken back" in await press(sim, member, second, "▲")
    assert "counts" in await press(sim, member, first, "▲")
    assert "counts" in await press(sim, org.organiser, second, "▲")
    assert sim.world.messages[second.id].button("▲ 2")
    # Question posts' buttons live in their custom ids: discord.py keeps no view per post or press (#19).
    assert views_held(hustings) == 0
    top = await ask(sim, member, "/questions", {"hustings": str(hid)})
    assert top.text.index("What is your first priority?") < top.text.index("protect members")

    sim.advance(timedelta(seconds=31))  # past the members' write cooldown (six in 30 seconds)
    # A member may not hide; a moderator may, audited; the post says so and loses its buttons.
    denied = await ask(sim, member, "/hustings hide", {"question": 2})
    assert "moderator" in denied.text.lower()
    hidden = await ask(sim, mod, "/hustings hide", {"question": 2})
    assert "hidden" in hidden.text
    assert "hid this question" in sim.world.messages[second.id].text
    assert sim.world.messages[second.id].components == []
    assert "What is your first priority?" not in (await ask(sim, member, "/questions", {"hustings": str(hid)})).text
    assert any(r.action == "questions.hide" and not r.denied for r in await audit_rows(db, guild.id))

    # An organiser marks question 1 answered with a link to the recording.
    done = await ask(
        sim, org.organiser, "/hustings answered", {"question": 1, "answer": "https://video.example.org/nec#t=10m"}
    )
    assert "answered" in done.text
    assert "https://video.example.org/nec" in str(sim.world.messages[first.id].embeds)

    # A moderator links Ann Black to a member, who answers in the form as the candidate.
    ann = guild.add_member("ann")
    await ask(sim, mod, "/hustings speaker", {"candidate": "ann black", "member": ann})
    other = await sim.click(bob, first, f"q:ans:{1}")
    assert "Only the member a moderator linked" in (await other.response()).text
    opened = await sim.click(ann, first, f"q:ans:{1}")
    submitted = await sim.submit_modal(ann, opened, {"answer": "By organising every workplace."})
    assert "Ann Black's answer" in (await submitted.response()).text
    await sim.wait_for_idle()
    answered = str(sim.world.messages[first.id].embeds)
    assert "Answer from Ann Black (candidate)" in answered and "By organising every workplace." in answered
    assert {"questions.link", "questions.answer", "questions.candidate_answer"} <= {
        r.action for r in await audit_rows(db, guild.id)
    }

    # Once the hustings has started it takes no more questions.
    clock.set(datetime(2026, 12, 1, 19, 5, tzinfo=UTC))
    late = await ask(sim, guild.add_member("carol"), "/ask", {"hustings": str(hid), "question": "Too late?"})
    assert "already started" in late.text
    assert len(question_posts(sim, thread)) == 2
    assert sim.violations == []


async def test_missing_send_in_threads_is_named(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, db: Database, clock: ManualClock, hustings: HustingsBot
) -> None:
    _, hid = await setup(sim, guild, db, clock)
    grant_threads(guild)
    channel = guild.text_channels[0]
    refused = await ask_question_without(
        sim, guild, channel, perms.SEND_MESSAGES_IN_THREADS, member, hid, "Anyone there?"
    )
    assert "Send Messages in Threads" in refused.text
    assert threads(sim, guild) == [] and await stored(db, guild, hid) == []

    # The thread exists, then the permission is taken away: the post is refused and no question is kept.
    await ask_question_without(sim, guild, channel, 0, member, hid, "Anyone there?")
    later = await ask_question_without(
        sim, guild, channel, perms.SEND_MESSAGES_IN_THREADS, guild.add_member("dan"), hid, "Still there?"
    )
    assert "Send Messages in Threads" in later.text and "not posted" in later.text
    assert [q.text for q in await stored(db, guild, hid)] == ["Anyone there?"]


async def test_a_deleted_thread_is_opened_again(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, db: Database, clock: ManualClock, hustings: HustingsBot
) -> None:
    _, hid = await setup(sim, guild, db, clock)
    grant_threads(guild)
    await sim.wait_for_idle()
    await ask(sim, member, "/ask", {"hustings": str(hid), "question": "First?"})
    [gone] = threads(sim, guild)
    del sim.world.channels[gone.id]  # someone deleted the thread in Discord
    handle = await sim.invoke(guild.add_member("erin"), "/ask", {"hustings": str(hid), "question": "Second?"})
    reply = await handle.response(timeout=10)
    # The one refused post (the simulator counts it) is how the bot learns the thread is gone.
    assert [(v.status, v.code) for v in sim.violations] == [(404, 10003)]
    sim.violations.clear()
    [thread] = threads(sim, guild)
    assert thread.id != gone.id and f"<#{thread.id}>" in reply.text
    assert [p.embeds[0]["description"] for p in question_posts(sim, thread)] == ["Second?"]


async def test_questions_about_the_election_as_a_whole(
    sim: DiscordSimulator,
    guild: SimGuild,
    member: SimMember,
    mod: SimMember,
    db: Database,
    clock: ManualClock,
    hustings: HustingsBot,
) -> None:
    await setup(sim, guild, db, clock)
    grant_threads(guild)
    await sim.wait_for_idle()
    assert "Jon Lansman" in await choices(sim, member, "/ask", "candidate", "Jon")  # on the ballot
    reply = await ask(sim, member, "/ask", {"question": "Will you report back to members?", "candidate": "jon lansman"})
    [thread] = threads(sim, guild)
    assert thread.name == "Questions: NEC 2026" and "NEC 2026" in reply.text
    [post] = question_posts(sim, thread)
    assert "Question #1 to Jon Lansman" in post.text
    again = await ask(sim, member, "/ask", {"question": "And one more?"})
    assert "already asked your question for NEC 2026" in again.text
    top = await ask(sim, member, "/questions")
    assert "Top questions: NEC 2026" in top.text and "report back" in top.text
    # The hustings' own list is separate.
    assert "No questions yet" in (await ask(sim, member, "/questions", {"hustings": "1"})).text
    jon = guild.add_member("jon")
    await ask(sim, mod, "/hustings speaker", {"candidate": "Jon Lansman", "member": jon})
    opened = await sim.click(jon, post, "q:ans:1")
    submitted = await sim.submit_modal(jon, opened, {"answer": "Every month, in writing."})
    assert "Jon Lansman's answer" in (await submitted.response()).text
    await sim.wait_for_idle()
    assert "Answer from Jon Lansman (candidate)" in str(sim.world.messages[post.id].embeds)
    assert sim.violations == []


async def test_vote_and_interested_buttons_work_after_a_restart(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, db: Database, clock: ManualClock, settings: Settings
) -> None:
    async with running(sim, settings, db, clock):
        _, hid = await setup(sim, guild, db, clock)
        grant_threads(guild)
        await sim.wait_for_idle()
        await ask(sim, member, "/ask", {"hustings": str(hid), "question": "Will you publish your expenses?"})
        info = await ask(sim, member, "/hustings info", {"hustings": str(hid)})
        assert info.button("Interested (0)")
    async with running(sim, settings, db, clock):  # a new process on the same database and simulator
        [thread] = threads(sim, guild)
        [post] = question_posts(sim, thread)
        assert "counts (1 vote now)" in await press(sim, member, post, "▲")
        assert sim.world.messages[post.id].button("▲ 1")
        assert "interested now" in await press(sim, member, info, "Interested")
        assert sim.world.messages[info.id].button("Interested (1)")
    assert sim.violations == []
