"""`/hustings` and the Discord scheduled events end to end: the real bot, the simulator, a fresh database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.domain.models import Body, Candidate, CandidateStatus, Election, Timeline, VotingSystem
from bot.domain.settings import GuildSettings
from bot.errors import NotFound
from bot.sim import DiscordSimulator, SimChannel, SimGuild, SimMember
from bot.sim import permissions as perms
from bot.sim.rest_events import CANCELED, CREATE_EVENTS, EXTERNAL, SCHEDULED, VOICE, SimScheduledEvent
from bot.store import audit, meta
from bot.store import hustings as hustings_repo
from bot.store.database import Database
from tests.helpers import ask, choices, seed_election, seed_race

NOMINATIONS_CLOSE = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)
BALLOT_OPEN = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)
BALLOT_CLOSE = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


@dataclass
class Org:
    """The guild as organisers set it up."""

    organiser: SimMember
    hall: SimChannel


def events(sim: DiscordSimulator, guild: SimGuild) -> list[SimScheduledEvent]:
    """The guild's scheduled events in the simulator, by start time."""
    found = [e for e in sim.world.scheduled_events.values() if e.guild_id == guild.id]
    return sorted(found, key=lambda e: (e.start, e.name))


def grant_events(guild: SimGuild) -> None:
    """An admin gives the bot a role with Create Events (the managed role keeps its defaults)."""
    role = guild.add_role("Event makers", permissions=CREATE_EVENTS | perms.CONNECT)
    guild.set_roles(guild.bot_member, [*guild.bot_member.roles, role])


async def setup_org(db: Database, guild: SimGuild, clock: ManualClock) -> Org:
    """An organiser role and member, a voice channel, London time, an election with two on the ballot."""
    role = guild.add_role("Organisers")
    organiser = guild.add_member("olive", roles=[role])
    hall = guild.add_channel("hustings-hall", "voice")
    async with db.transaction() as tx:
        await meta.save_settings(tx, GuildSettings(guild.id, timezone="Europe/London", organiser_role_ids=[role.id]))
    await seed_race(
        db,
        guild.id,
        clock,
        "nec",
        "NEC 2026",
        seats=3,
        system=VotingSystem.BLOC,
        threshold=2,
        timeline=Timeline(
            nominations_open=datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
            nominations_close=NOMINATIONS_CLOSE,
            ballot_open=BALLOT_OPEN,
            ballot_close=BALLOT_CLOSE,
        ),
        candidates=[
            Candidate("Ann Black", status=CandidateStatus.ON_BALLOT),
            Candidate("Jon Lansman", status=CandidateStatus.ON_BALLOT),
            Candidate("Eddie Izzard"),
        ],
    )
    return Org(organiser, hall)


@pytest.fixture
async def org(sim: DiscordSimulator, guild: SimGuild, db: Database, clock: ManualClock, hustings: HustingsBot) -> Org:
    """The running bot in a guild with an organiser and an election."""
    return await setup_org(db, guild, clock)


async def test_schedule_edit_cancel_keeps_one_event_each(
    sim: DiscordSimulator, guild: SimGuild, org: Org, db: Database, hustings: HustingsBot
) -> None:
    grant_events(guild)
    await sim.wait_for_idle()
    reply = await ask(
        sim,
        org.organiser,
        "/hustings schedule",
        {"title": "NEC hustings", "when": "2026-12-01 19:00", "minutes": 90, "channel": org.hall},
    )
    assert "Hustings scheduled" in reply.text
    assert "Ann Black" in reply.text and "Jon Lansman" in reply.text  # everyone on the ballot
    assert "Eddie Izzard" not in reply.text

    made = events(sim, guild)
    # Three milestones ahead (no results date) and the hustings, in the server's Events list.
    assert [e.name for e in made] == [
        "NEC hustings",
        "NEC 2026: nominations close",
        "NEC 2026: ballot opens",
        "NEC 2026: ballot closes",
    ]
    meeting = made[0]
    assert meeting.entity_type == VOICE and meeting.channel_id == org.hall.id
    assert meeting.start == datetime(2026, 12, 1, 19, 0, tzinfo=UTC)  # London is on UTC in December
    assert meeting.end == meeting.start + timedelta(minutes=90)
    assert made[1].entity_type == EXTERNAL and made[1].start == NOMINATIONS_CLOSE
    [stored] = await hustings_repo.list_for_guild(db.reader, guild.id)

    # Edit: the same event moves (no duplicate); the hustings goes online.
    label = (await choices(sim, org.organiser, "/hustings edit", "hustings", "NEC"))[0]
    assert "NEC hustings" in label
    reply = await ask(
        sim,
        org.organiser,
        "/hustings edit",
        {"hustings": str(stored.id), "when": "2026-12-02 18:30", "location": "https://meet.example.org/nec"},
    )
    assert "Hustings updated" in reply.text
    after = events(sim, guild)
    assert len(after) == 4
    moved = next(e for e in after if e.name == "NEC hustings")
    assert moved.id == meeting.id
    assert moved.entity_type == EXTERNAL and moved.location == "https://meet.example.org/nec"
    assert moved.channel_id is None and moved.start == datetime(2026, 12, 2, 18, 30, tzinfo=UTC)

    # A timeline change by a moderator moves the milestone's event too.
    moderator = guild.owner
    await ask(sim, moderator, "/admin election timeline", {"election": "nec", "nominations_close": "2026-12-11 17:00"})
    await sim.wait_for_idle()
    for _ in range(50):
        close = next(e for e in events(sim, guild) if e.name.endswith("nominations close"))
        if close.start == datetime(2026, 12, 11, 17, 0, tzinfo=UTC):
            break
        await sim.wait_for_idle()
    assert close.start == datetime(2026, 12, 11, 17, 0, tzinfo=UTC)
    assert len(events(sim, guild)) == 4

    # Cancel: the event is cancelled, the hustings leaves the list.
    reply = await ask(sim, org.organiser, "/hustings cancel", {"hustings": str(stored.id)})
    assert "Cancelled" in reply.text
    assert moved.status == CANCELED
    assert "No hustings are planned" in (await ask(sim, org.organiser, "/hustings list")).text
    actions = [row.action for row in await audit.recent(db.reader, guild.id, limit=20)]
    assert {"hustings.schedule", "hustings.edit", "hustings.cancel"} <= set(actions)


async def test_restart_reconciles_without_duplicates(
    sim: DiscordSimulator, guild: SimGuild, org: Org, db: Database, hustings: HustingsBot
) -> None:
    grant_events(guild)
    await sim.wait_for_idle()
    await ask(
        sim, org.organiser, "/hustings schedule", {"title": "Online hustings", "when": "in 3 days", "location": "Zoom"}
    )
    before = {e.id for e in events(sim, guild)}
    assert len(before) == 4
    # Someone deletes one event by hand in Discord; a sync at start makes it again, the rest stay as they are.
    gone = next(e for e in events(sim, guild) if e.name.endswith("ballot opens"))
    del sim.world.scheduled_events[gone.id]
    await hustings.services.hustings.sync(guild.id, reconcile=True)
    after = events(sim, guild)
    assert len(after) == 4
    assert before - {e.id for e in after} == {gone.id}
    assert all(e.status == SCHEDULED for e in after)
    # A second sync with nothing changed makes no call that changes anything.
    report = await hustings.services.hustings.sync(guild.id, reconcile=True)
    assert (report.created, report.updated, report.cancelled) == (0, 0, 0)


async def test_member_sees_list_and_info_but_cannot_schedule(
    sim: DiscordSimulator, guild: SimGuild, org: Org, member: SimMember, db: Database
) -> None:
    grant_events(guild)
    await sim.wait_for_idle()
    await ask(
        sim,
        org.organiser,
        "/hustings schedule",
        {
            "title": "Leeds hustings",
            "when": "2026-12-03 19:00",
            "location": "Leeds Civic Hall",
            "chair": "Jo Bird",
            "candidates": "ann black",
        },
    )
    listed = await ask(sim, member, "/hustings list")
    assert "Leeds hustings" in listed.text and "Leeds Civic Hall" in listed.text
    [h] = await hustings_repo.list_for_guild(db.reader, guild.id)
    info = await ask(sim, member, "/hustings info", {"hustings": str(h.id)})
    assert "Ann Black" in info.text and "Jon Lansman" not in info.text and "Jo Bird" in info.text
    assert "<t:" in info.text  # a countdown in the member's own time

    refused = await ask(sim, member, "/hustings schedule", {"title": "Mine", "when": "in 2 days", "location": "Pub"})
    assert "Only an organiser" in refused.text
    assert await choices(sim, member, "/hustings edit", "hustings", "") == []  # autocomplete checks the level too
    assert len(await hustings_repo.list_for_guild(db.reader, guild.id)) == 1


async def test_bad_input_changes_nothing(sim: DiscordSimulator, guild: SimGuild, org: Org, db: Database) -> None:
    grant_events(guild)
    await sim.wait_for_idle()
    past = await ask(
        sim, org.organiser, "/hustings schedule", {"title": "Late", "when": "2026-11-01 19:00", "location": "Hall"}
    )
    assert "in the past" in past.text
    nowhere = await ask(sim, org.organiser, "/hustings schedule", {"title": "Lost", "when": "in 2 days"})
    assert "voice or stage channel, or a link or address" in nowhere.text
    stranger = await ask(
        sim,
        org.organiser,
        "/hustings schedule",
        {"title": "X", "when": "in 2 days", "location": "Hall", "candidates": "Nobody"},
    )
    assert "No candidate called Nobody" in stranger.text
    assert await hustings_repo.list_for_guild(db.reader, guild.id) == []
    assert events(sim, guild) == []


async def test_missing_permission_is_named_and_nothing_changes(
    sim: DiscordSimulator, guild: SimGuild, org: Org, db: Database
) -> None:
    # The bot has the simulator's default permissions: no Create Events.
    reply = await ask(sim, org.organiser, "/hustings events", {"state": "on"})
    assert "Create Events" in reply.text
    refused = await ask(
        sim, org.organiser, "/hustings schedule", {"title": "Hall", "when": "in 2 days", "channel": org.hall}
    )
    assert "Create Events" in refused.text and "Connect" not in refused.text  # members' @everyone has Connect
    assert await hustings_repo.list_for_guild(db.reader, guild.id) == []
    assert events(sim, guild) == []

    # Switched off, a hustings is stored without an event; switched on again, the bot checks first.
    off = await ask(sim, org.organiser, "/hustings events", {"state": "off"})
    assert "Events are off" in off.text
    ok = await ask(
        sim, org.organiser, "/hustings schedule", {"title": "Hall", "when": "in 2 days", "channel": org.hall}
    )
    assert "Hustings scheduled" in ok.text
    assert events(sim, guild) == []
    grant_events(guild)
    await sim.wait_for_idle()
    on = await ask(sim, org.organiser, "/hustings events", {"state": "on"})
    assert "Events are on" in on.text and "4 events" in on.text
    assert len(events(sim, guild)) == 4
    off = await ask(sim, org.organiser, "/hustings events", {"state": "off"})
    assert "cancelled its 4 upcoming events" in off.text
    assert {e.status for e in events(sim, guild)} == {CANCELED}


async def test_election_calendar_parses_back_with_stable_uids(
    sim: DiscordSimulator, guild: SimGuild, org: Org, member: SimMember, clock: ManualClock
) -> None:
    await ask(sim, org.organiser, "/hustings events", {"state": "off"})
    await ask(
        sim,
        org.organiser,
        "/hustings schedule",
        {"title": "NEC hustings", "when": "2026-12-01 19:00", "location": "Hall"},
    )
    first = await ask(sim, member, "/election calendar", {"election": "nec"})
    assert first.filenames == ["NEC-2026.ics"]
    cal = icalendar.Calendar.from_ical(first.attachments[0].data)
    found = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    assert set(found) == {
        "NEC 2026: nominations close",
        "NEC 2026: ballot opens",
        "NEC 2026: ballot closes",
        "NEC hustings",
    }
    start = found["NEC hustings"].decoded("dtstart")
    assert start == datetime(2026, 12, 1, 19, 0, tzinfo=UTC) and start.utcoffset() == timedelta(0)
    assert found["NEC 2026: ballot closes"].decoded("dtstart") == BALLOT_CLOSE
    assert str(found["NEC hustings"]["location"]) == "Hall"

    clock.advance(timedelta(hours=1))
    again = icalendar.Calendar.from_ical(
        (await ask(sim, member, "/election calendar", {"election": "nec"})).attachments[0].data
    )
    assert sorted(str(e["uid"]) for e in again.walk("VEVENT")) == sorted(str(e["uid"]) for e in found.values())

    await ask(
        sim, org.organiser, "/hustings schedule", {"title": "Voice hustings", "when": "in 2 days", "channel": org.hall}
    )
    voice = icalendar.Calendar.from_ical((await ask(sim, member, "/election calendar", {})).attachments[0].data)
    [entry] = [e for e in voice.walk("VEVENT") if str(e["summary"]) == "Voice hustings"]
    assert str(entry["location"]) == "#hustings-hall on Discord (Labour North)"


async def test_branch_meeting_calendar(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, db: Database, clock: ManualClock, hustings: HustingsBot
) -> None:
    meeting = datetime(2026, 11, 26, 19, 30, tzinfo=UTC)
    await seed_election(
        db,
        guild.id,
        clock,
        Election(guild_id=0, slug="nec", name="NEC 2026", seats=3, voting_system=VotingSystem.BLOC),
        bodies=[Body("Islington North", meeting=meeting), Body("Hackney South")],
    )
    reply = await ask(sim, member, "/nominations branch", {"name": "Islington North"})
    assert reply.filenames == ["Islington-North-meeting.ics"]
    [event] = icalendar.Calendar.from_ical(reply.attachments[0].data).walk("VEVENT")
    assert event.decoded("dtstart") == meeting and "Islington North" in str(event["summary"])
    uid = str(event["uid"])
    again = await ask(sim, member, "/nominations branch", {"name": "Islington North"})
    assert str(icalendar.Calendar.from_ical(again.attachments[0].data).walk("VEVENT")[0]["uid"]) == uid
    assert (await ask(sim, member, "/nominations branch", {"name": "Hackney South"})).filenames == []  # no meeting


async def test_other_servers_never_see_a_hustings(
    sim: DiscordSimulator, guild: SimGuild, org: Org, db: Database, hustings: HustingsBot
) -> None:
    await ask(sim, org.organiser, "/hustings events", {"state": "off"})
    await ask(sim, org.organiser, "/hustings schedule", {"title": "Private", "when": "in 2 days", "location": "Hall"})
    [h] = await hustings_repo.list_for_guild(db.reader, guild.id)
    assert h.id is not None
    service = hustings.services.hustings
    other = sim.add_guild("Elsewhere")  # commands are synced to the test guild only: ask the service
    with pytest.raises(NotFound):
        await service.info(other.id, h.id)
    assert await service.upcoming(other.id) == [] and await service.complete(other.id, "") == []


async def test_remind_me_button_subscribes_and_stop_undoes_it(
    sim: DiscordSimulator, guild: SimGuild, org: Org, member: SimMember, db: Database, hustings: HustingsBot
) -> None:
    await ask(sim, org.organiser, "/hustings events", {"state": "off"})
    await ask(
        sim, org.organiser, "/hustings schedule", {"title": "NEC hustings", "when": "in 2 days", "location": "Hall"}
    )
    [h] = await hustings_repo.list_for_guild(db.reader, guild.id)
    info = await ask(sim, member, "/hustings info", {"hustings": str(h.id)})
    remind = info.button("Remind me of the deadlines")["custom_id"]
    assert remind == "hustings:rmd:nec"  # stateless: the custom id carries the election
    done = await (await sim.click(member, info, remind)).response()
    assert done.ephemeral and "remind you" in done.text
    assert "NEC 2026" in (await ask(sim, member, "/remind list")).text
    stop_id = done.button("Stop")["custom_id"]
    stopped = await (await sim.click(member, done, stop_id)).response()
    assert "Stopped 1 reminder" in stopped.text
    assert "no reminders" in (await ask(sim, member, "/remind list")).text
