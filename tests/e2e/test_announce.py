"""`/announce` end to end: the real bot, the simulator, a shared manual clock and a fresh database.

Time passes through `DeliveryEngine.run_for`, which stops the clock at every instant the bot's real
timer would wake, so posts land at their due time. Every message the bot sends is also captured at
the HTTP layer to check which mentions could ping (the simulator stores content, not
allowed_mentions).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.domain.access import Actor
from bot.domain.models import Body, Candidate, Timeline, VotingSystem
from bot.domain.schedule.ledger import DeliveryStatus
from bot.domain.settings import GuildSettings
from bot.sim import DiscordSimulator, SimChannel, SimGuild, SimMember, SimRole
from bot.sim import permissions as perms
from bot.store import audit, deliveries, elections, meta
from bot.store.database import Database
from tests.helpers import ask, seed_race

LONDON = ZoneInfo("Europe/London")


def local(text: str) -> datetime:
    """A London wall time as an aware UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).astimezone(UTC)


@dataclass
class Org:
    """The guild as organisers set it up."""

    organiser: SimMember
    role: SimRole
    announcements: SimChannel
    alerts: SimChannel
    moderator: Actor


async def setup_org(sim: DiscordSimulator, guild: SimGuild, db: Database, clock: ManualClock) -> Org:
    """An organiser role and member, announcement and alert channels, London time, and an election."""
    role = guild.add_role("Organisers")
    organiser = guild.add_member("olive", roles=[role])
    alerts = guild.add_channel("organisers")
    announcements = guild.channel("announcements")
    async with db.transaction() as tx:
        await meta.save_settings(
            tx,
            GuildSettings(
                guild.id,
                timezone="Europe/London",
                organiser_role_ids=[role.id],
                announce_channel_id=announcements.id,
                alert_channel_id=alerts.id,
            ),
        )
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
            nominations_open=local("2026-11-01T09:00"),
            nominations_close=local("2026-12-10T17:00"),
            ballot_open=local("2026-12-14T09:00"),
            ballot_close=local("2027-01-10T12:00"),
        ),
        candidates=[Candidate("Ann Black"), Candidate("Jon Lansman"), Candidate("Eddie Izzard")],
        bodies=[
            Body("Islington North", meeting=local("2026-11-26T19:30")),
            Body("Hackney South"),
            Body("Leeds Central"),
        ],
        nominations=[("Islington North", "Ann Black", None)],
    )
    moderator = Actor(guild.id, guild.owner_id, "owner", manage_guild=True)
    return Org(organiser, role, announcements, alerts, moderator)


@pytest.fixture
async def org(sim: DiscordSimulator, guild: SimGuild, db: Database, clock: ManualClock, hustings: HustingsBot) -> Org:
    """The running bot in a guild set up for announcements."""
    return await setup_org(sim, guild, db, clock)


class PayloadSpy:
    """Records the JSON body of every message the bot creates (channel posts and DMs)."""

    def __init__(self, bot: HustingsBot) -> None:
        self.payloads: list[dict[str, Any]] = []
        original = bot.http.request

        async def request(route: Any, **kwargs: Any) -> Any:
            if route.method == "POST" and route.path == "/channels/{channel_id}/messages":
                self.payloads.append(_body(kwargs))
            return await original(route, **kwargs)

        bot.http.request = request  # type: ignore[method-assign]


def _body(kwargs: dict[str, Any]) -> dict[str, Any]:
    if kwargs.get("json") is not None:
        return kwargs["json"]
    for field in kwargs.get("form") or []:
        if field.get("name") == "payload_json":
            return json.loads(field["value"])
    return {}


def pings(payload: dict[str, Any]) -> set[str]:
    """Who a message would ping on Discord, from its content and allowed_mentions."""
    content = payload.get("content") or ""
    allowed = payload.get("allowed_mentions") or {"parse": ["everyone", "users", "roles"]}
    parse = set(allowed.get("parse") or [])
    out: set[str] = set()
    if "everyone" in parse and re.search(r"@(everyone|here)", content):
        out.add("everyone")
    for role in re.findall(r"<@&(\d+)>", content):
        if "roles" in parse or role in {str(r) for r in allowed.get("roles") or []}:
            out.add(f"role:{role}")
    for user in re.findall(r"<@!?(\d+)>", content):
        if "users" in parse or user in {str(u) for u in allowed.get("users") or []}:
            out.add(f"user:{user}")
    return out


async def schedule(sim: DiscordSimulator, who: SimMember, **options: Any):
    """Run `/announce schedule` and return the reply."""
    return await ask(sim, who, "/announce schedule", options)


# ------------------------------------------------------------------------------------------ tests


async def test_one_off_with_placeholders_posts_once_at_its_time(
    sim: DiscordSimulator, org: Org, hustings: HustingsBot
) -> None:
    reply = await schedule(
        sim,
        org.organiser,
        channel=org.announcements,
        when="2026-11-24 18:00",
        message="{election}: nominations close {nominations_close}, {days_to_nominations_close} days left, "
        "{qualified} qualified so far.",
    )
    assert reply.ephemeral and reply.embeds[0]["title"] == "Announcement #1 scheduled"
    next_posts = next(f for f in reply.embeds[0]["fields"] if f["name"] == "Next posts")["value"]
    assert next_posts.count("<t:") == 2 and str(int(local("2026-11-24T18:00").timestamp())) in next_posts
    engine = hustings.services.delivery
    await engine.run_for(timedelta(hours=5, minutes=59))
    assert sim.channel_messages(org.announcements) == []
    await engine.run_for(timedelta(hours=2))
    [post] = sim.channel_messages(org.announcements)
    close = int(local("2026-12-10T17:00").timestamp())
    assert (
        post.content == f"NEC 2026: nominations close <t:{close}:F>, 16 days left, 0 qualified so far."
    )  # calendar days (15 whole 24 h periods)
    assert post.created_at == local("2026-11-24T18:00") and post.nonce
    assert sim.violations == []


async def test_members_cannot_schedule_and_bad_input_stores_nothing(
    sim: DiscordSimulator, org: Org, member: SimMember, db: Database, guild: SimGuild
) -> None:
    reply = await schedule(sim, member, channel=org.announcements, when="in 1h", message="hello")
    assert reply.ephemeral and "organiser can do that" in reply.content
    [denied] = await audit.recent(db.reader, guild.id, limit=1)
    assert denied.denied and denied.action == "announce.schedule"
    reply = await schedule(sim, org.organiser, channel=org.announcements, when="in 1h", message="{winner} won")
    assert "{winner}" in reply.content and "{election}" in reply.content
    reply = await schedule(sim, org.organiser, channel=org.announcements, when="someday", message="hi")
    assert "2026-12-01 18:00" in reply.content
    reply = await schedule(sim, org.organiser, channel=org.announcements, when="in 1h", message="hi", repeat="often")
    assert "cron" in reply.content
    assert (await ask(sim, org.organiser, "/announce list")).embeds[0]["description"] == "Nothing scheduled."


async def test_live_views_render_like_the_member_commands(
    sim: DiscordSimulator, org: Org, hustings: HustingsBot
) -> None:
    reply = await ask(
        sim, org.organiser, "/announce post", {"channel": org.announcements, "view": "nominations", "election": "nec"}
    )
    assert reply.embeds[0]["title"] == "Announcement #1 scheduled"
    await hustings.services.delivery.settled()
    await sim.wait_for_idle()
    [post] = sim.channel_messages(org.announcements)
    assert post.embeds[0]["title"].startswith("Nominations") or "NEC 2026" in post.embeds[0]["title"]
    assert "Ann Black" in post.embeds[0]["description"]
    assert post.filenames == ["nominations.png"]
    for view in ("timeline", "slates", "results"):
        await ask(sim, org.organiser, "/announce post", {"channel": org.announcements, "view": view})
    await hustings.services.delivery.settled()
    await sim.wait_for_idle()
    posts = sim.channel_messages(org.announcements)
    assert posts[1].embeds[0]["title"] == "NEC 2026"  # the /election info view
    history = (await ask(sim, org.organiser, "/announce history")).embeds[0]["description"]
    assert history.count("**sent**") == 3 and history.count("**skipped**") == 1  # no slates to compare
    assert "has no slates" in history or "two different slates" in history
    assert sim.violations == []


async def test_list_preview_cancel_and_history(sim: DiscordSimulator, org: Org, hustings: HustingsBot) -> None:
    await schedule(
        sim,
        org.organiser,
        channel=org.announcements,
        when="tomorrow 09:00",
        repeat="daily",
        message="Good morning — {days_to_nominations_close} days to close",
    )
    listing = (await ask(sim, org.organiser, "/announce list")).embeds[0]["description"]
    assert "**#1**" in listing and "every day" in listing
    preview = await ask(sim, org.organiser, "/announce preview", {"id": 1})
    assert preview.ephemeral and preview.content == "Good morning — 16 days to close"
    engine = hustings.services.delivery
    await engine.run_for(timedelta(days=2))
    assert len(sim.channel_messages(org.announcements)) == 2
    reply = await ask(sim, org.organiser, "/announce cancel", {"id": 1})
    assert "cancelled" in reply.content
    await engine.run_for(timedelta(days=2))
    assert len(sim.channel_messages(org.announcements)) == 2
    history = (await ask(sim, org.organiser, "/announce history", {"id": 1})).embeds[0]["description"]
    first = sim.channel_messages(org.announcements)[0]
    assert f"/channels/{first.guild_id}/{first.channel_id}/{first.id}" in history
    assert history.count("**sent**") == 2
    assert sim.violations == []


async def test_only_the_chosen_role_pings(
    sim: DiscordSimulator, org: Org, guild: SimGuild, hustings: HustingsBot, db: Database, clock: ManualClock
) -> None:
    spy = PayloadSpy(hustings)
    guild.everyone_role.permissions &= ~perms.MENTION_EVERYONE  # only "boss" below may ping everyone
    voters = guild.add_role("Voters", mentionable=True)
    other = guild.add_role("Other", mentionable=True)
    someone = guild.add_member("sam")
    async with db.transaction() as tx:  # stored text that tries to ping
        election = await elections.get_by_slug(tx, guild.id, "nec")
        election.name = f"NEC @here {other.mention}"
        await elections.upsert(tx, election)
        await meta.bump_version(tx, guild.id, clock.now(), "test")
    text = f"@everyone {other.mention} {someone.mention} vote in {{election}}!"
    await schedule(sim, org.organiser, channel=org.announcements, when="in 1h", message=text, ping_role=voters)
    await schedule(sim, org.organiser, channel=org.announcements, when="in 2h", message=text)
    refused = await schedule(
        sim, org.organiser, channel=org.announcements, when="in 2h", message=text, ping_role=guild.everyone_role
    )
    assert "Mention Everyone" in refused.content or "@everyone" in refused.content
    boss = guild.add_member("boss", roles=[org.role], permissions=perms.MENTION_EVERYONE)
    await schedule(sim, boss, channel=org.announcements, when="in 3h", message=text, ping_role=guild.everyone_role)
    await hustings.services.delivery.run_for(timedelta(hours=4))
    posts = [p for p in spy.payloads if p.get("content")]
    assert [pings(p) for p in posts] == [{f"role:{voters.id}"}, set(), {"everyone"}]
    assert posts[0]["content"].startswith(voters.mention)
    assert all("@\u200beveryone" in p["content"] and "@\u200bhere" in p["content"] for p in posts)


async def test_missing_permission_fails_at_once_with_one_alert(
    sim: DiscordSimulator, org: Org, guild: SimGuild, hustings: HustingsBot, db: Database
) -> None:
    bot_role = next(r for r in guild.roles.values() if r.managed)
    locked = guild.add_channel("locked")
    await schedule(sim, org.organiser, channel=locked, when="in 1h", message="daily", repeat="daily")
    guild.set_overwrite(locked, bot_role, 0, perms.SEND_MESSAGES)  # taken away after scheduling
    sim.stats.reset()
    await hustings.services.delivery.run_for(timedelta(days=3))
    rows = await deliveries.history(db.reader, guild.id, limit=20)
    failed = [r for r in rows if r.source.value == "announcement"]
    assert [r.status for r in failed] == [DeliveryStatus.FAILED] * 3 and all(r.attempts == 1 for r in failed)
    assert sim.stats.invalid_requests == 3  # one refused request per occurrence, no retry storm
    [alert] = sim.channel_messages(org.alerts)
    assert "missing permissions" in alert.content.lower() and "I need Send Messages there" in alert.content
    assert sim.violations == []


async def test_server_errors_are_retried_with_backoff(
    sim: DiscordSimulator, org: Org, hustings: HustingsBot, db: Database, guild: SimGuild
) -> None:
    await schedule(sim, org.organiser, channel=org.announcements, when="in 1h", message="through the storm")
    sim.faults.server_errors("POST /channels/*/messages", count=3, status=503)
    await hustings.services.delivery.run_for(timedelta(hours=2), step=timedelta(minutes=1))
    [post] = sim.channel_messages(org.announcements)
    assert post.content == "through the storm"
    [row] = await deliveries.history(db.reader, guild.id)
    assert row.attempts == 4 and row.status is DeliveryStatus.LATE
    assert sim.channel_messages(org.alerts) == []


async def test_reminders_and_milestones(
    sim: DiscordSimulator, org: Org, hustings: HustingsBot, guild: SimGuild
) -> None:
    reply = await ask(sim, org.organiser, "/announce reminders", {"election": "nec", "state": "on"})
    assert "are **on**" in reply.content and "<t:" in reply.content
    admin = hustings.services.admin.elections
    await admin.add_nomination(org.moderator, "Hackney South", "Ann Black", "nec")  # reaches the threshold of 2
    await hustings.services.admin.core.drain()
    engine = hustings.services.delivery
    await engine.settled()
    await sim.wait_for_idle()
    [milestone] = sim.channel_messages(org.announcements)
    assert "**Ann Black** has reached the nomination threshold" in milestone.content
    assert await hustings.services.reminders.check_milestones(guild.id) == 0  # idempotent
    await engine.run_for(local("2026-12-03T17:00") - hustings.clock.now(), step=timedelta(days=1))
    posts = sim.channel_messages(org.announcements)
    assert len(posts) == 2 and posts[1].content.startswith("⏰ **Nominations close in 7 days**")
    assert posts[1].filenames == ["nominations.png"] and "Ann Black" in posts[1].embeds[0]["description"]
    assert sim.violations == []


async def test_timezone_change_offers_to_move_announcements(
    sim: DiscordSimulator, org: Org, guild: SimGuild, hustings: HustingsBot
) -> None:
    """#18 item 10: `/announce list` shows each announcement's zone; changing the server's zone says which
    stay behind and moves them, at the same clock times, when asked."""
    from bot.sim import permissions as perms

    mod = guild.add_member("mod", global_name="Mo Derator", permissions=perms.MANAGE_GUILD)
    await schedule(sim, org.organiser, channel=org.announcements, when="tomorrow 18:00", message="hi", repeat="daily")
    listing = await ask(sim, org.organiser, "/announce list")
    assert "every day (Europe/London time)" in listing.text
    reply = await ask(sim, mod, "/admin config timezone", {"zone": "America/Toronto"})
    assert "1 scheduled announcement still repeats" in reply.text and "move_announcements: True" in reply.text
    assert "every day (Europe/London time)" in (await ask(sim, org.organiser, "/announce list")).text
    reply = await ask(sim, mod, "/admin config timezone", {"zone": "America/Toronto", "move_announcements": True})
    assert "1 scheduled announcement moved to America/Toronto" in reply.text
    listing = await ask(sim, org.organiser, "/announce list")
    assert "every day (America/Toronto time)" in listing.text
    toronto_six = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)  # 18:00 in Toronto (EST, UTC-5)
    assert f"<t:{int(toronto_six.timestamp())}:" in listing.text
    await hustings.services.delivery.run_for(toronto_six - hustings.clock.now() + timedelta(minutes=1))
    [post] = sim.channel_messages(org.announcements)
    assert post.created_at == toronto_six
