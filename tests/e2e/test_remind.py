"""`/remind` end to end: opt-in DMs, closed DMs, members leaving, and a 1,000-member fan-out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.sim import DiscordSimulator, SimGuild, SimMember
from bot.store import deliveries, subscriptions
from bot.store.database import Database
from tests.e2e.test_announce import Org, PayloadSpy, local, pings, setup_org
from tests.helpers import ask, seed_race


@pytest.fixture
async def org(sim: DiscordSimulator, guild: SimGuild, db: Database, clock: ManualClock, hustings: HustingsBot) -> Org:
    """The running bot in a guild with an election and branches."""
    return await setup_org(sim, guild, db, clock)


async def test_deadline_and_branch_dms(
    sim: DiscordSimulator, org: Org, member: SimMember, hustings: HustingsBot
) -> None:
    reply = await ask(sim, member, "/remind deadlines")
    assert reply.ephemeral and "before each deadline of **NEC 2026**" in reply.content
    assert str(int(local("2026-12-09T17:00").timestamp())) in reply.content  # 24 h before nominations close
    reply = await ask(sim, member, "/remind branch", {"name": "islington", "before": "2h"})
    assert "**Islington North**'s nomination meeting" in reply.content
    listing = (await ask(sim, member, "/remind list")).content
    assert "**NEC 2026** (deadlines, 1 day before)" in listing and "**Islington North** (branch meeting" in listing
    engine = hustings.services.delivery
    await engine.run_for(local("2026-12-09T18:00") - hustings.clock.now(), step=timedelta(days=1))
    dms = sim.dms(member)
    assert [m.created_at for m in dms] == [local("2026-11-26T17:30"), local("2026-12-09T17:00")]
    assert "**Islington North** holds its nomination meeting" in dms[0].content
    assert "nominations close" in dms[1].content and "Labour North" in dms[1].content
    reply = await ask(sim, member, "/remind stop")  # #18 item 7: stopping everything is asked for by name
    assert "You have 2 reminders" in reply.content and "which: all" in reply.content
    reply = await ask(sim, member, "/remind stop", {"which": "all"})
    assert "Stopped 2 reminders" in reply.content
    await engine.run_for(timedelta(days=10), step=timedelta(days=1))
    assert len(sim.dms(member)) == 2
    assert sim.violations == []


async def test_closed_dms_pause_reminders_without_retrying(
    sim: DiscordSimulator, org: Org, member: SimMember, hustings: HustingsBot
) -> None:
    sim.faults.close_dms(member)
    await ask(sim, member, "/remind deadlines")
    await ask(sim, member, "/remind branch", {"name": "Islington North"})
    sim.stats.reset()
    await hustings.services.delivery.run_for(local("2027-01-11T00:00") - hustings.clock.now(), step=timedelta(days=1))
    assert sim.stats.requests["POST /channels/{channel_id}/messages"] == 1  # one refused DM, then paused
    assert sim.stats.invalid_requests == 1
    listing = (await ask(sim, member, "/remind list")).content
    assert listing.count("paused") == 2 and "won't let me DM you" in listing
    assert sim.channel_messages(org.alerts) == []  # a member's closed DMs are not the organisers' problem
    assert sim.violations == []


async def test_member_leaving_is_unsubscribed(
    sim: DiscordSimulator, org: Org, member: SimMember, guild: SimGuild, db: Database
) -> None:
    await ask(sim, member, "/remind deadlines")
    assert len(await subscriptions.list_for_member(db.reader, guild.id, member.id)) == 1
    guild.remove_member(member)
    for _ in range(200):
        if not await subscriptions.list_for_member(db.reader, guild.id, member.id):
            break
        await asyncio.sleep(0.01)
    assert await subscriptions.list_for_member(db.reader, guild.id, member.id) == []


async def test_thousand_subscribers_with_rate_limits_on(
    sim: DiscordSimulator, org: Org, guild: SimGuild, member: SimMember, hustings: HustingsBot, db: Database
) -> None:
    """1,000 DMs, 10% to closed DMs, under Discord's limits run 10x faster (the engine's pace scaled alike).

    How fast they go, and how quickly commands are answered meanwhile, is measured in `bench/delivery.py`.
    """
    spy = PayloadSpy(hustings)
    people = [guild.add_member(f"m{i}") for i in range(1000)]
    reminders = hustings.services.reminders
    # They subscribed over weeks, each DM channel opened as they did (not in one burst): fast-forward that.
    sim.set_dm_open_limit(None)
    hustings.services.delivery.set_dm_open_rate(10_000)
    for person in people:
        await reminders.subscribe_deadlines(guild.id, person.id, "nec", "1h")
    await hustings.services.delivery.settled()
    sim.set_dm_open_limit(10, 10.0)  # the fan-out opens no channel, so Discord's DM-opening limit never bites
    hustings.services.delivery.set_dm_open_rate(1.0)
    for person in people[::10]:
        sim.faults.close_dms(person)
    scale = 10
    sim.set_rate_limits(
        True,
        global_limit=50,
        global_window=1 / scale,
        route_limit=5,
        route_window=5 / scale,
        routes={"POST /users/@me/channels": (50, 1 / scale)},
    )
    hustings.services.delivery.set_dm_rate(40 * scale)  # requests a second, scaled like the limits
    sim.stats.reset()
    hustings.clock.advance(local("2026-12-10T16:00") - hustings.clock.now())
    reply = await ask(sim, member, "/remind list")  # the fan-out is under way, and a member's command is answered
    assert "NEC 2026" not in reply.content
    await hustings.services.delivery.settled(within=60)
    received = [len(sim.dms(p)) for p in people]
    assert received.count(1) == 900 and received.count(0) == 100
    counts = await deliveries.counts(db.reader, guild.id)
    assert counts == {"sent": 900, "failed": 100}
    paused = [s for p in people[::10] for s in await subscriptions.list_for_member(db.reader, guild.id, p.id)]
    assert len(paused) == 100 and all(s.status == "paused" for s in paused)
    assert sim.stats.invalid_requests - sim.stats.rate_limited == 100  # one refusal per closed DM, no retries
    assert sim.stats.rate_limited <= 20, sim.stats.rate_limited  # paced under the limits, not bouncing off them
    assert all(pings(p) == set() for p in spy.payloads)
    assert sim.violations == []


async def test_stop_matches_names_and_autocompletes_own_reminders(
    sim: DiscordSimulator, org: Org, guild: SimGuild, member: SimMember
) -> None:
    """#18 item 7: `/remind stop which: isl` stops Islington North; the autocomplete lists the member's own."""
    await ask(sim, member, "/remind branch", {"name": "Islington North"})
    await ask(sim, member, "/remind branch", {"name": "Hackney South"})
    await ask(sim, member, "/remind deadlines")
    choices = await sim.autocomplete(member, "/remind stop", "which", "")
    names = [c["name"] for c in choices]
    assert "Islington North (branch)" in names and "NEC 2026 (deadlines)" in names
    assert names[-1] == "All my reminders"
    assert [c["name"] for c in await sim.autocomplete(member, "/remind stop", "which", "hack")] == [
        "Hackney South (branch)"
    ]
    reply = await ask(sim, member, "/remind stop", {"which": "isl"})
    assert "Stopped 1 reminder: **Islington North**" in reply.content
    reply = await ask(sim, member, "/remind stop", {"which": "Leeds"})
    assert "no reminder called “Leeds”" in reply.content and "Hackney South" in reply.content
    reply = await ask(sim, member, "/remind stop")
    assert "You have 2 reminders" in reply.content
    assert len((await ask(sim, member, "/remind list")).content.splitlines()) == 3  # nothing was stopped


async def test_replies_say_why_nothing_is_coming(
    sim: DiscordSimulator, org: Org, guild: SimGuild, member: SimMember, db: Database, clock: ManualClock
) -> None:
    """#18 item 8: a meeting too close for the lead, a meeting past, and an election whose deadlines are all past."""
    from bot.domain.models import Timeline, VotingSystem

    reply = await ask(sim, member, "/remind branch", {"name": "Islington North", "before": "10d"})
    assert "sooner than 10 days" in reply.content and "No meeting date" not in reply.content
    clock.set(clock.now() + timedelta(days=8))  # the meeting (26 Nov) is now 6 days ago
    reply = await ask(sim, member, "/remind branch", {"name": "Islington North"})
    assert "The meeting was <t:" in reply.content and "No meeting date" not in reply.content
    assert "the meeting was <t:" in (await ask(sim, member, "/remind list")).content
    await seed_race(
        db,
        guild.id,
        clock,
        "nec-2018",
        "NEC 2018",
        seats=3,
        system=VotingSystem.BLOC,
        timeline=Timeline(
            nominations_close=local("2017-11-10T17:00"),
            ballot_open=local("2017-12-01T09:00"),
            ballot_close=local("2018-01-12T12:00"),
        ),
    )
    reply = await ask(sim, member, "/remind deadlines", {"election": "nec-2018"})
    assert "All of NEC 2018's deadlines have passed" in reply.content and "No upcoming" not in reply.content
    assert "NEC 2018" not in (await ask(sim, member, "/remind list")).content
