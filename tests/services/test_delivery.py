"""The delivery engine against a real database, a manual clock and a fake outbox.

The fake outbox behaves like Discord where it matters: a repeated nonce in the same channel returns
the first message instead of posting again, and failures can be injected per channel or user.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FAKE_NOW_ENV, OffsetClock, SystemClock, clock_from_env
from bot.discord_adapters.outbox import send_error
from bot.domain.access import Actor
from bot.domain.schedule.ledger import DeliveryStatus, Lane, Source
from bot.domain.schedule.sending import CLAIM_LEASE
from bot.errors import UserError
from bot.render.announcements import PostComposer
from bot.services.access import AccessService
from bot.services.admin.service import AdminService
from bot.services.announcements import AnnouncementService
from bot.services.delivery.engine import DeliveryEngine
from bot.services.delivery.pacing import InvalidRequestGuard, Pacer
from bot.services.delivery.ports import Outgoing, SendError, Sent, outgoing_marker
from bot.services.read.model import ReadModel
from bot.services.reminders import ReminderService
from bot.store import deliveries, subscriptions

GUILD = 10
ANNOUNCE = 500
ALERT = 501
OTHER_CHANNEL = 502
MOD = Actor(GUILD, 1, "mod#1", manage_guild=True)
LONDON = ZoneInfo("Europe/London")


@dataclass
class Posted:
    channel_id: int
    message_id: int
    content: str
    nonce: str
    outgoing: Outgoing


@dataclass
class FakeOutbox:
    """Records posts; dedupes by (channel, nonce) like Discord's enforce_nonce; injects failures."""

    posts: list[Posted] = field(default_factory=list)
    failures: dict[int, list[SendError]] = field(default_factory=dict)  # channel/user id → errors to raise next
    always_fail: dict[int, SendError] = field(default_factory=dict)
    closed_dms: set[int] = field(default_factory=set)
    hang: asyncio.Event | None = None  # set: posts are recorded, then the call never returns
    calls: int = 0
    grew: asyncio.Event = field(default_factory=asyncio.Event)  # set on every new post

    async def posted(self, count: int, within: float = 10.0) -> None:
        """Wait until at least `count` posts were recorded (no polling)."""
        async with asyncio.timeout(within):
            while len(self.posts) < count:
                self.grew.clear()
                await self.grew.wait()

    async def post(self, channel_id: int, message: Outgoing, nonce: str) -> Sent:
        self.calls += 1
        if channel_id in self.always_fail:
            raise self.always_fail[channel_id]
        if self.failures.get(channel_id):
            raise self.failures[channel_id].pop(0)
        for p in self.posts:
            if p.channel_id == channel_id and p.nonce == nonce:
                return Sent(channel_id, p.message_id)
        posted = Posted(channel_id, 9000 + len(self.posts), message.content, nonce, message)
        self.posts.append(posted)
        self.grew.set()
        if self.hang is not None:
            await self.hang.wait()
        return Sent(channel_id, posted.message_id)

    async def dm_requests(self, user_id: int) -> int:
        return 1

    async def dm(self, user_id: int, message: Outgoing, nonce: str) -> Sent:
        if user_id in self.closed_dms:
            self.calls += 1
            raise send_error(403, 50007, "Cannot send messages to this user")
        return await self.post(10_000_000 + user_id, message, nonce)

    async def open_dm(self, user_id: int) -> None:
        return None

    async def find_sent(self, lane: Lane, target_id: int, after: datetime, marks: set[str]) -> list[Sent]:
        """Our posts in the channel that say what one of `marks` fingerprints (Discord's history read)."""
        channel_id = target_id + 10_000_000 if lane is Lane.DM else target_id
        return [
            Sent(channel_id, p.message_id) for p in self.in_channel(channel_id) if outgoing_marker(p.outgoing) in marks
        ]

    def in_channel(self, channel_id: int) -> list[Posted]:
        return [p for p in self.posts if p.channel_id == channel_id]


@dataclass
class World:
    db: object
    clock: object
    admin: AdminService
    read: ReadModel
    engine: DeliveryEngine
    announcements: AnnouncementService
    reminders: ReminderService
    outbox: FakeOutbox

    async def advance(self, delta: timedelta, step: timedelta = timedelta(minutes=30)) -> None:
        """Let time pass for a running bot."""
        await self.engine.run_for(delta, step=step)

    async def restart(self, outbox: FakeOutbox | None = None) -> None:
        """A new engine and services over the same database, as after a process restart."""
        await self.engine.stop()
        self.outbox = outbox or self.outbox
        self.engine = DeliveryEngine(
            self.db, self.clock, dm_rate=5000, dm_concurrency=16, outbox=self.outbox, composer=PostComposer()
        )
        self.read = ReadModel(self.db, self.clock)
        self.announcements = AnnouncementService(self.db, self.clock, self.read, self.engine, "Europe/London")
        self.reminders = ReminderService(self.db, self.clock, self.read, self.engine)
        await self.engine.start()
        await self.engine.settled()


async def _seed(admin: AdminService) -> None:
    await admin.config.set_timezone(MOD, "Europe/London")
    await admin.config.set_channels(MOD, announce_channel=ANNOUNCE, alert_channel=ALERT)
    await admin.elections.create_election(MOD, slug="nec", name="NEC 2026", seats=3, threshold="2")
    await admin.elections.set_timeline(
        MOD,
        "nec",
        nominations_open="2026-11-01 09:00",
        nominations_close="2026-12-10 17:00",
        ballot_open="2026-12-14 09:00",
        ballot_close="2027-01-10 12:00",
    )
    for name in ("Ann Black", "Jon Lansman", "Eddie Izzard"):
        await admin.elections.add_candidate(MOD, "nec", name=name)
    for name in ("Islington North", "Hackney South", "Leeds Central"):
        await admin.elections.add_branch(MOD, name=name, meeting="2026-11-26 19:30")


@pytest.fixture
async def world(db, clock):
    access = AccessService(db, clock)
    admin = AdminService(db, clock, access, "Europe/London")
    await _seed(admin)
    read = ReadModel(db, clock)
    outbox = FakeOutbox()
    engine = DeliveryEngine(db, clock, dm_rate=5000, dm_concurrency=16, outbox=outbox, composer=PostComposer())
    w = World(
        db,
        clock,
        admin,
        read,
        engine,
        AnnouncementService(db, clock, read, engine, "Europe/London"),
        ReminderService(db, clock, read, engine),
        outbox,
    )
    await engine.start()
    yield w
    await w.engine.stop()


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).astimezone(UTC)


# ------------------------------------------------------------------------------ announcements


async def test_one_off_posts_once_at_its_time_with_placeholders(world: World):
    msg = "Nominations for {election} close {nominations_close} — {days_to_nominations_close} days; {qualified} in."
    done = await world.announcements.schedule(MOD, channel_id=ANNOUNCE, when="2026-11-24 13:00", message=msg)
    assert done.upcoming == [local("2026-11-24T13:00")]
    await world.advance(timedelta(minutes=59))
    assert world.outbox.posts == []
    await world.advance(timedelta(hours=3))
    [post] = world.outbox.posts
    close = int(local("2026-12-10T17:00").timestamp())
    assert post.content == f"Nominations for NEC 2026 close <t:{close}:F> — 16 days; 0 in."
    [row] = await world.announcements.history(GUILD, done.announcement.id)
    assert row.status is DeliveryStatus.SENT and row.message_id == post.message_id
    assert row.sent_at == local("2026-11-24T13:00")
    assert (await world.announcements.get(GUILD, done.announcement.id)).status == "finished"


async def test_unknown_placeholder_and_past_time_refused(world: World):
    with pytest.raises(UserError, match=r"\{winner\}"):
        await world.announcements.schedule(MOD, channel_id=ANNOUNCE, when="in 1h", message="{winner} wins")
    with pytest.raises(UserError, match="past"):
        await world.announcements.schedule(MOD, channel_id=ANNOUNCE, when="2026-11-01 10:00", message="hi")
    with pytest.raises(UserError):
        await world.announcements.schedule(MOD, channel_id=ANNOUNCE, when="in 1h", message="x", repeat="every so often")


async def test_daily_across_dst_posts_once_per_local_day(db):
    from bot.clock import ManualClock

    clock = ManualClock(datetime(2027, 3, 25, 12, 0, tzinfo=UTC))
    access = AccessService(db, clock)
    admin = AdminService(db, clock, access, "Europe/London")
    await admin.config.set_timezone(MOD, "Europe/London")
    read = ReadModel(db, clock)
    outbox = FakeOutbox()
    engine = DeliveryEngine(db, clock, outbox=outbox, composer=PostComposer())
    w = World(
        db,
        clock,
        admin,
        read,
        engine,
        AnnouncementService(db, clock, read, engine),
        ReminderService(db, clock, read, engine),
        outbox,
    )
    await engine.start()
    try:
        done = await w.announcements.schedule(
            MOD,
            channel_id=ANNOUNCE,
            when="2027-03-25 18:00",
            message="Daily update",
            repeat="daily",
            until="2027-03-31 20:00",
        )
        assert [at.astimezone(LONDON).hour for at in done.upcoming] == [18, 18, 18]
        await w.advance(timedelta(days=8), step=timedelta(hours=1))
        rows = await deliveries.history(db.reader, GUILD, limit=50)
        sent = sorted(r.sent_at.astimezone(LONDON) for r in rows)
        assert [(d.day, d.hour, d.minute) for d in sent] == [(day, 18, 0) for day in range(25, 32)]
        assert len(w.outbox.posts) == 7
    finally:
        await engine.stop()


async def test_cancel_stops_future_posts(world: World):
    done = await world.announcements.schedule(
        MOD, channel_id=ANNOUNCE, when="in 1h", message="hourly", repeat="0 * * * *"
    )
    await world.advance(timedelta(hours=2, minutes=30))
    assert len(world.outbox.posts) == 2
    await world.announcements.cancel(MOD, done.announcement.id)
    await world.advance(timedelta(hours=3))
    assert len(world.outbox.posts) == 2
    assert await world.announcements.list_active(GUILD) == []


async def test_live_view_posts_the_progress_view(world: World):
    await world.admin.elections.add_nomination(MOD, "Islington North", "Ann Black", "nec")
    await world.admin.elections.add_nomination(MOD, "Hackney South", "Ann Black", "nec")
    await world.announcements.schedule(MOD, channel_id=ANNOUNCE, when=None, view="nominations", election="nec")
    await world.engine.settled()
    [post] = world.outbox.posts
    assert post.outgoing.embeds and "NEC 2026" in (post.outgoing.embeds[0].title or "")
    assert post.outgoing.files is not None  # the chart, as the member command attaches it


async def test_ping_only_the_chosen_role_and_everyone_needs_permission(world: World):
    await world.announcements.schedule(
        MOD, channel_id=ANNOUNCE, when=None, message="Vote! @everyone <@&777> {election}", ping_role_id=555
    )
    await world.engine.settled()
    [post] = world.outbox.posts
    mentions = post.outgoing.allowed_mentions
    assert post.content.startswith("<@&555> ") and "@\u200beveryone" in post.content
    assert mentions.everyone is False and mentions.users is False
    assert [r.id for r in mentions.roles] == [555]
    with pytest.raises(UserError, match="everyone"):
        await world.announcements.schedule(MOD, channel_id=ANNOUNCE, when=None, message="x", ping_everyone=True)


# ------------------------------------------------------------------------------ exactly once


async def test_crash_mid_send_resends_with_the_same_nonce_and_posts_once(world: World):
    world.outbox.hang = asyncio.Event()
    await world.announcements.schedule(MOD, channel_id=ANNOUNCE, when="in 1h", message="once")
    world.clock.advance(timedelta(hours=1))
    await world.outbox.posted(1)
    assert len(world.outbox.posts) == 1
    [row] = await deliveries.history(world.db.reader, GUILD)
    assert row.status is DeliveryStatus.SENDING  # Discord has it; the ledger doesn't know yet
    world.outbox.hang = None
    await world.restart()  # the "crash": the task is cancelled mid-send
    assert len(world.outbox.posts) == 1
    [row] = await deliveries.history(world.db.reader, GUILD)
    assert row.status is DeliveryStatus.SENT and row.message_id == world.outbox.posts[0].message_id


async def test_restart_after_30_minutes_sends_late(world: World):
    await world.announcements.schedule(MOD, channel_id=ANNOUNCE, when="in 1h", message="late one")
    await world.engine.stop()
    world.clock.advance(timedelta(hours=1, minutes=30))
    await world.restart()
    [row] = await deliveries.history(world.db.reader, GUILD)
    assert row.status is DeliveryStatus.LATE and len(world.outbox.posts) == 1


async def test_restart_after_3_hours_marks_missed_and_alerts_once(world: World):
    await world.announcements.schedule(MOD, channel_id=ANNOUNCE, when="in 1h", message="hourly", repeat="*/15 * * * *")
    await world.engine.stop()
    world.clock.advance(timedelta(hours=4))
    await world.restart()
    # 13:00..15:45 are more than an hour late (missed); 15:00..16:00 within the grace window are sent late
    rows = await world.announcements.history(GUILD, 1, limit=100)
    missed = [r for r in rows if r.status is DeliveryStatus.MISSED]
    late = [r for r in rows if r.status in (DeliveryStatus.LATE, DeliveryStatus.SENT)]
    assert len(missed) == 8 and len(late) == 5
    alerts = world.outbox.in_channel(ALERT)
    assert len(alerts) == 1 and "8 scheduled posts" in alerts[0].content
    await world.advance(timedelta(hours=1))
    assert len(world.outbox.in_channel(ALERT)) == 1


async def test_transient_errors_retry_then_send(world: World):
    world.outbox.failures[ANNOUNCE] = [send_error(503, None), send_error(None, None, "timeout")]
    await world.announcements.schedule(MOD, channel_id=ANNOUNCE, when="in 1h", message="retry me")
    await world.advance(timedelta(hours=1), step=timedelta(minutes=1))
    await world.advance(timedelta(minutes=5), step=timedelta(seconds=30))
    assert len(world.outbox.in_channel(ANNOUNCE)) == 1
    [row] = await world.announcements.history(GUILD, 1)
    assert row.attempts == 3 and row.status is DeliveryStatus.LATE
    assert world.outbox.in_channel(ALERT) == []


async def test_transient_errors_give_up_after_the_grace_window_with_one_alert(world: World):
    world.outbox.always_fail[ANNOUNCE] = send_error(502, None)
    await world.announcements.schedule(MOD, channel_id=ANNOUNCE, when="in 1h", message="doomed")
    await world.advance(timedelta(hours=3), step=timedelta(minutes=1))
    [row] = await world.announcements.history(GUILD, 1)
    assert row.status is DeliveryStatus.FAILED and "gave up" in row.reason
    assert 4 <= row.attempts <= 10  # backoff, not a storm
    assert len(world.outbox.in_channel(ALERT)) == 1


async def test_missing_permissions_fail_at_once_with_one_alert_per_streak(world: World):
    world.outbox.always_fail[OTHER_CHANNEL] = send_error(403, 50013, "Missing Permissions")
    await world.announcements.schedule(MOD, channel_id=OTHER_CHANNEL, when="in 1h", message="daily", repeat="daily")
    await world.advance(timedelta(days=3), step=timedelta(hours=1))
    rows = await world.announcements.history(GUILD, 1)
    assert [r.status for r in rows] == [DeliveryStatus.FAILED] * 3
    assert all(r.attempts == 1 for r in rows)
    assert world.outbox.calls == 3 + 1  # one try per occurrence, plus the single alert
    [alert] = world.outbox.in_channel(ALERT)
    assert "missing permissions" in alert.content.lower() and "#1" in alert.content
    del world.outbox.always_fail[OTHER_CHANNEL]
    await world.advance(timedelta(days=1), step=timedelta(hours=1))
    world.outbox.always_fail[OTHER_CHANNEL] = send_error(404, 10003, "Unknown Channel")
    await world.advance(timedelta(days=1), step=timedelta(hours=1))
    assert len(world.outbox.in_channel(ALERT)) == 2  # a new streak after a success


# ------------------------------------------------------------------------------ reminders


async def test_election_reminders_and_idempotent_milestones(world: World):
    await world.admin.elections.add_nomination(MOD, "Islington North", "Ann Black", "nec")
    await world.admin.elections.add_nomination(MOD, "Hackney South", "Ann Black", "nec")
    await world.reminders.configure(MOD, "nec", True, None)  # Ann Black already qualified: baseline
    await world.admin.elections.add_nomination(MOD, "Islington North", "Jon Lansman", "nec")
    await world.admin.elections.add_nomination(MOD, "Leeds Central", "Jon Lansman", "nec")
    assert await world.reminders.check_milestones(GUILD) == 1
    assert await world.reminders.check_milestones(GUILD) == 0
    await world.engine.settled()
    [milestone] = world.outbox.in_channel(ANNOUNCE)
    assert "Jon Lansman" in milestone.content and "2 candidates have qualified" in milestone.content
    # 7 days before nominations close: 2026-12-03 17:00 London
    await world.advance(local("2026-12-03T17:00") - world.clock.now(), step=timedelta(hours=6))
    posts = world.outbox.in_channel(ANNOUNCE)
    assert len(posts) == 2 and "Nominations close in 7 days" in posts[1].content
    assert posts[1].outgoing.embeds  # with the progress view


async def test_milestone_found_without_an_explicit_check(world: World):
    await world.reminders.configure(MOD, "nec", True, None)
    await world.admin.elections.add_nomination(MOD, "Islington North", "Eddie Izzard", "nec")
    await world.admin.elections.add_nomination(MOD, "Leeds Central", "Eddie Izzard", "nec")
    await world.advance(timedelta(minutes=5))  # the planner notices the data version moved
    assert len([p for p in world.outbox.in_channel(ANNOUNCE) if "Eddie Izzard" in p.content]) == 1


async def test_member_deadline_and_branch_dms(world: World):
    await world.reminders.subscribe_deadlines(GUILD, 42, None)
    await world.reminders.subscribe_branch(GUILD, 42, "islington north", "2h")
    [deadlines, b] = await world.reminders.member_subscriptions(GUILD, 42)
    assert deadlines.subject == "NEC 2026" and deadlines.next_at == local("2026-12-09T17:00")
    assert b.subject == "Islington North" and b.next_at == local("2026-11-26T17:30")
    await world.advance(local("2026-12-09T18:00") - world.clock.now(), step=timedelta(hours=2))
    dms = world.outbox.in_channel(10_000_042)
    assert len(dms) == 2
    assert "nomination meeting" in dms[0].content and "nominations close" in dms[1].content


async def test_closed_dms_pause_without_retry(world: World):
    world.outbox.closed_dms.add(43)
    await world.reminders.subscribe_deadlines(GUILD, 43, None)
    await world.reminders.subscribe_branch(GUILD, 43, "Hackney South", None)
    await world.advance(local("2026-12-15T00:00") - world.clock.now(), step=timedelta(hours=3))
    subs = await world.reminders.member_subscriptions(GUILD, 43)
    assert all(s.subscription.status == "paused" for s in subs)
    assert "DM" in subs[0].subscription.paused_reason
    assert world.outbox.calls == 1  # one refused DM; nothing retried, nothing more tried
    assert world.outbox.in_channel(ALERT) == []
    # subscribing again resumes
    await world.reminders.subscribe_deadlines(GUILD, 43, None)
    assert (await world.reminders.member_subscriptions(GUILD, 43))[0].subscription.status == "active"


async def test_member_leaving_unsubscribes_and_stop(world: World):
    await world.reminders.subscribe_deadlines(GUILD, 44, None)
    await world.reminders.subscribe_branch(GUILD, 44, "Leeds Central", None)
    stopped = await world.reminders.stop(GUILD, 44, "Leeds Central")
    assert [s.subject for s in stopped] == ["Leeds Central"]
    assert await world.reminders.member_left(GUILD, 44) == 1
    assert await subscriptions.list_for_member(world.db.reader, GUILD, 44) == []


async def test_dm_fan_out_resumes_after_a_restart(world: World):
    users = list(range(1000, 1300))
    for user in users:
        await world.reminders.subscribe_deadlines(GUILD, user, "nec", "1h")
    world.outbox.closed_dms.update(users[::10])
    world.clock.set(local("2026-12-10T16:00"))
    # stop part-way through the fan-out
    await world.outbox.posted(100)
    await world.restart()
    # A send cut off by the stop may have reached Discord, so its claim is kept: on PostgreSQL it lapses after
    # the lease and the row is retried with its nonce (SQLite resets it at start-up, one process per file).
    world.clock.advance(CLAIM_LEASE + timedelta(seconds=1))
    await world.engine.settled()
    counts = await deliveries.counts(world.db.reader, GUILD)
    assert counts.get("sent", 0) + counts.get("late", 0) == 270 and counts.get("failed") == 30
    assert len({p.channel_id for p in world.outbox.posts}) == len(world.outbox.posts) == 270
    rows = await deliveries.for_items(world.db.reader, Source.SUBSCRIPTION, [2])
    assert rows and rows[0].status is DeliveryStatus.SENT


# ------------------------------------------------------------------------------ small parts


def test_invalid_request_guard_holds_near_its_ceiling():
    guard = InvalidRequestGuard(ceiling=3, window=600)
    for status in (403, 500, 404, 200, 429):
        guard.record(status)
    assert guard.count == 3 and guard.wait_time() > 590
    assert InvalidRequestGuard().wait_time() == 0


async def test_pacer_spaces_sends():
    now = [100.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:  # a manual clock: waiting moves it
        waits.append(seconds)
        now[0] += seconds

    pacer = Pacer(rate=200, burst=1, monotonic=lambda: now[0], sleep=sleep)
    for _ in range(11):
        await pacer.take()
    assert waits == pytest.approx([0.005] * 10)  # 10 waits of 5 ms after the first token
    now[0] += 1.0  # an idle second refills only up to the burst
    await pacer.take()
    await pacer.take(count=3)  # more than the burst: one token's wait
    assert waits[10:] == pytest.approx([0.005])


def test_clock_from_env():
    assert isinstance(clock_from_env({}), SystemClock)
    fake = clock_from_env({FAKE_NOW_ENV: "2026-12-01T18:00:00Z"})
    assert isinstance(fake, OffsetClock)
    assert timedelta(0) <= fake.now() - datetime(2026, 12, 1, 18, tzinfo=UTC) < timedelta(seconds=5)


async def test_a_server_has_at_most_the_hosts_number_of_announcements(world) -> None:
    """#15.6: a per-server cap (HUSTINGS_MAX_ANNOUNCEMENTS) keeps one server from flooding the shared lane."""
    world.announcements.max_active = 2
    for i in range(2):
        await world.announcements.schedule(MOD, channel_id=ANNOUNCE, when="in 1h", message=f"post {i}")
    with pytest.raises(UserError, match="already has 2 scheduled announcements"):
        await world.announcements.schedule(MOD, channel_id=ANNOUNCE, when="in 1h", message="one too many")
