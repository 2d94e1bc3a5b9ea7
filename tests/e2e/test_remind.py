"""`/remind` end to end: opt-in DMs, closed DMs, members leaving, and a 1,000-member fan-out."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.sim import DiscordSimulator, SimGuild, SimMember
from bot.store import deliveries, subscriptions
from bot.store.database import Database
from tests.e2e.conftest import ask
from tests.e2e.test_announce import Org, PayloadSpy, local, pings, setup_org


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
    reply = await ask(sim, member, "/remind stop")
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
    """1,000 DMs, 10% to closed DMs, under Discord's limits run 10x faster (the engine's pace scaled alike)."""
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
    started = time.monotonic()
    hustings.clock.advance(local("2026-12-10T16:00") - hustings.clock.now())
    await asyncio.sleep(0.5)  # the fan-out is under way …
    asked = time.monotonic()
    reply = await ask(sim, member, "/remind list")  # … and a member's command is answered at once
    assert time.monotonic() - asked < 1.0 and "NEC 2026" not in reply.content
    await hustings.services.delivery.settled(within=60)
    elapsed = time.monotonic() - started
    received = [len(sim.dms(p)) for p in people]
    assert received.count(1) == 900 and received.count(0) == 100
    counts = await deliveries.counts(db.reader, guild.id)
    assert counts == {"sent": 900, "failed": 100}
    paused = [s for p in people[::10] for s in await subscriptions.list_for_member(db.reader, guild.id, p.id)]
    assert len(paused) == 100 and all(s.status == "paused" for s in paused)
    assert sim.stats.invalid_requests - sim.stats.rate_limited == 100  # one refusal per closed DM, no retries
    assert sim.stats.rate_limited <= 20, sim.stats.rate_limited  # paced under the limits, not bouncing off them
    assert all(pings(p) == set() for p in spy.payloads)
    assert elapsed < 30
    assert sim.violations == []
