"""Reminders: organisers' automatic election posts and members' opt-in DMs.

- Automatic election reminders (`/announce reminders`) post in the announcement channel before
  nominations close (7 d / 1 d / 1 h by default, with the progress view), when the ballot opens,
  24 h before it closes, when results are published, and when a candidate reaches the threshold.
  Time-based posts are derived from the election's timeline; event posts (milestones, results) are
  found by `check_milestones`, which anything that changes data may call — it is idempotent, since
  each event has one ledger key.
- Members' reminders (`/remind`) DM them before their branch's nomination meeting or the election
  deadlines. Closed DMs pause a member's reminders (never retried); leaving the server removes them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.domain.access import Actor
from bot.domain.audit import AuditEntry
from bot.domain.matching import name_key, search_names
from bot.domain.models import Body, CandidateStatus
from bot.domain.schedule.errors import ScheduleError
from bot.domain.schedule.ledger import (
    Delivery,
    DeliveryStatus,
    ElectionReminders,
    Lane,
    Source,
    Subscription,
    SubscriptionGroup,
    SubscriptionKind,
)
from bot.domain.schedule.reminders import (
    DEFAULT_MEMBER_BEFORE,
    MEMBER_DEADLINES,
    Quiet,
    ReminderPoint,
    due_between,
    meeting_point,
    member_deadline_points,
    next_point_after,
    parse_offset,
    parse_offsets,
    quiet_reason,
    reminder_points,
)
from bot.domain.schedule.sending import FailureKind
from bot.domain.settings import GuildSettings
from bot.domain.standing import ON_BALLOT_STANDINGS
from bot.domain.timeparse import format_duration
from bot.errors import NotFound, UserError
from bot.services.audit_trail import record_change, switch_election_flag
from bot.services.delivery.engine import DeliveryEngine
from bot.services.delivery.ports import Skip
from bot.services.hustings_posts import KIND as HUSTINGS_POST_KIND
from bot.services.hustings_posts import HustingsPosts
from bot.services.hustings_reminders import KIND as HUSTINGS_KIND
from bot.services.hustings_reminders import HustingsReminders
from bot.services.read.model import ReadModel
from bot.services.read.snapshot import ElectionData, GuildSnapshot
from bot.services.read.view_models import ProgressView, ResultsMode, ResultsView
from bot.store import announcements, deliveries, meta, subscriptions
from bot.store import hustings as hustings_store
from bot.store.database import Database
from bot.store.engine import TOPIC_DELIVERY, Connection

MAX_MEMBER_BEFORE = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class ReminderPost:
    """An automatic post before (or at) a timeline event, with the progress view before nominations close."""

    election: str
    event: str
    offset: timedelta
    event_at: datetime
    progress: ProgressView | None = None
    on_ballot: tuple[str, ...] = ()  # when nominations close: who is on the ballot
    how_to_vote: str = ""  # when the ballot opens: the organiser's text
    slates: tuple[str, ...] = ()  # when the ballot opens: the slates standing
    slug: str = ""  # the election's, for the post's Remind me button


@dataclass(frozen=True, slots=True)
class MilestonePost:
    """A candidate reached the nomination threshold."""

    election: str
    candidate: str
    nominations: int
    required: int
    qualified_count: int
    slug: str = ""  # the election's, for the post's Remind me button


@dataclass(frozen=True, slots=True)
class ResultsPost:
    """Results were published: the results view."""

    election: str
    results: ResultsView
    slug: str = ""  # the election's, for the post's Remind me button


@dataclass(frozen=True, slots=True)
class MemberReminderPost:
    """A member's DM: `subject` (election or branch name) has `event` at `event_at`."""

    guild_id: int
    kind: SubscriptionKind
    subject: str
    event: str
    event_at: datetime


@dataclass(frozen=True, slots=True)
class MemberSubscription:
    """A subscription with the names `/remind list` shows."""

    subscription: Subscription
    subject: str
    next_at: datetime | None
    quiet: tuple[Quiet, datetime | None] | None = None  # why nothing is coming, when next_at is None


def _point_row(
    guild_id: int,
    source: Source,
    source_id: int,
    point: ReminderPoint,
    lane: Lane = Lane.CHANNEL,
    target: int | None = None,
) -> Delivery:
    return Delivery(
        guild_id=guild_id,
        source=source,
        source_id=source_id,
        occurrence=point.key,
        due_at=point.at,
        lane=lane,
        target_id=target,
        detail={"kind": "point", **point.detail()},
    )


def _in_announce_channel(settings: GuildSettings, row: Delivery) -> Delivery:
    """Address an automatic post to the announcement channel (skipped, but recorded, when none is set)."""
    row.target_id = settings.announce_channel_id
    if row.target_id is None:
        row.status, row.reason = DeliveryStatus.SKIPPED, "no announcement channel is set"
    return row


class ReminderService:
    """Use-cases behind `/announce reminders` and `/remind`, and the producer of their deliveries."""

    sources = (Source.ELECTION, Source.SUBSCRIPTION)

    def __init__(
        self,
        db: Database,
        clock: Clock,
        read: ReadModel,
        engine: DeliveryEngine,
        *,
        still_member: Callable[[int, int], Awaitable[bool | None]] | None = None,
        hustings_dms: HustingsReminders | None = None,
        hustings_posts: HustingsPosts | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.read = read
        self.engine = engine
        self._checked_versions: dict[int, int] = {}
        #: (guild id, user id) → still in the server? None when unknown or not needed (the Discord adapter).
        self.still_member = still_member
        #: Members' "Remind me 1 h before" on hustings: their DMs are planned and prepared with these.
        self.hustings_dms = hustings_dms
        #: The public post announcing each hustings: its ledger rows are prepared there.
        self.hustings_posts = hustings_posts
        engine.register(self)

    # ---------------------------------------------------------------- look-ups

    async def _by_id(self, guild_id: int) -> tuple[GuildSnapshot, dict[int, ElectionData], dict[int, Body]]:
        snap = await self.read.snapshot(guild_id)
        return (
            snap,
            {d.election.id: d for d in snap.elections if d.election.id is not None},
            {b.id: b for b in snap.bodies if b.id is not None},
        )

    # ---------------------------------------------------------------- organisers

    async def configure(
        self, actor: Actor, election: str | None, enabled: bool | None, offsets: str | None
    ) -> tuple[ElectionReminders, str]:
        """Switch an election's automatic reminders on or off, or change their offsets."""
        now = self.clock.now()
        snap = await self.read.snapshot(actor.guild_id)
        data = self.read.resolve_election(snap, election, now)
        election_id = data.election.id
        assert election_id is not None
        current = await announcements.get_reminders(self.db.reader, election_id)
        try:
            parsed = parse_offsets(offsets) if offsets else (current.offsets if current else parse_offsets(None))
        except ScheduleError as exc:
            raise UserError(str(exc)) from None
        turning_on = enabled if enabled is not None else True
        fresh = current is None or (turning_on and not current.enabled)
        item = ElectionReminders(
            election_id=election_id,
            guild_id=actor.guild_id,
            enabled=turning_on,
            offsets=parsed,
            checked_until=now if fresh or current is None else current.checked_until,
            updated_by=actor.user_id,
            updated_at=now,
        )
        async with self.db.transaction() as tx:
            await announcements.save_reminders(tx, item)
            if fresh and turning_on:
                # What is already true when reminders are switched on is not news: record it as the baseline.
                await deliveries.add_many(tx, await self._event_rows(actor.guild_id, data, now, baseline=True))
            await record_change(
                tx,
                actor,
                "announce.reminders",
                f"election {data.election.slug}",
                before=_describe_reminders(current),
                after=_describe_reminders(item),
                at=now,
            )
        self.engine.kick()
        return item, data.election.name

    async def set_how_to_vote(self, actor: Actor, election: str | None, text: str) -> str:
        """Set the text the ballot-opens post carries ("clear" removes it); returns the election's name."""
        text = text.strip()
        if text.lower() == "clear":
            text = ""
        if len(text) > 1000:
            raise UserError(f"The how-to-vote text is {len(text)} characters; keep it to 1000.")
        data = self.read.resolve_election(await self.read.snapshot(actor.guild_id), election, self.clock.now())
        assert data.election.id is not None
        before = await hustings_store.how_to_vote(self.db.reader, data.election.id)
        async with self.db.transaction() as tx:
            await hustings_store.set_how_to_vote(tx, data.election.id, text)
            await record_change(
                tx,
                actor,
                "announce.how_to_vote",
                f"election {data.election.slug}",
                before=before or None,
                after=text or None,
                at=self.clock.now(),
            )
        return data.election.name

    async def switch_hustings_post(self, actor: Actor, election: str | None, on: bool) -> str:
        """Switch the election's automatic hustings post on (the default) or off; returns the election's name."""
        data = self.read.resolve_election(await self.read.snapshot(actor.guild_id), election, self.clock.now())
        assert data.election.id is not None
        await switch_election_flag(
            self.db,
            actor,
            "announce.hustings_post",
            f"election {data.election.slug}",
            "hustings_post",
            data.election.id,
            on,
            read=hustings_store.posts_on,
            write=hustings_store.set_posts_on,
            at=self.clock.now(),
        )
        return data.election.name

    async def posts_results(self, election_id: int) -> bool:
        """Whether the automatic reminders will post this election's results when they are published."""
        current = await announcements.get_reminders(self.db.reader, election_id)
        return current is not None and current.enabled

    async def reminder_settings(self, guild_id: int) -> list[tuple[str, ElectionReminders]]:
        """The guild's automatic reminder settings, with election names."""
        _, elections, _ = await self._by_id(guild_id)
        out = []
        for election_id, data in elections.items():
            item = await announcements.get_reminders(self.db.reader, election_id)
            if item is not None:
                out.append((data.election.name, item))
        return out

    async def upcoming_points(self, guild_id: int, election_id: int, count: int = 5) -> list[ReminderPoint]:
        """An election's next automatic reminders."""
        _, elections, _ = await self._by_id(guild_id)
        item = await announcements.get_reminders(self.db.reader, election_id)
        data = elections.get(election_id)
        if item is None or data is None or not item.enabled:
            return []
        now = self.clock.now()
        return [p for p in reminder_points(data.election.timeline, item.offsets) if p.at > now][:count]

    async def check_milestones(self, guild_id: int) -> int:
        """Queue milestone and results posts for what became true since last time; returns how many.

        Call after any data change (admin command, import, sync). Idempotent: each candidate's
        milestone and each election's results post has one ledger key, so repeats add nothing.
        """
        now = self.clock.now()
        settings = await announcements.enabled_reminders(self.db.reader, guild_id)
        if not settings:
            return 0
        _, elections, _ = await self._by_id(guild_id)
        rows: list[Delivery] = []
        for item in settings:
            data = elections.get(item.election_id)
            if data is not None:
                rows.extend(await self._event_rows(guild_id, data, now, baseline=False))
        if not rows:
            return 0
        async with self.db.transaction() as tx:
            added = await deliveries.add_many(tx, rows)
            if added:  # the sender may be another process: its planner hears of the rows on commit
                await tx.notify(TOPIC_DELIVERY, guild_id)
        if added:
            self.engine.kick()
        return added

    async def after_audit(self, entry: AuditEntry) -> None:
        """An admin change was made (an audit listener): look for new milestones in its guild."""
        if not entry.denied:
            await self.check_milestones(entry.guild_id)

    async def _event_rows(self, guild_id: int, data: ElectionData, now: datetime, *, baseline: bool) -> list[Delivery]:
        """Rows for qualified candidates and published results (skipped rows when recording a baseline)."""
        assert data.election.id is not None
        settings = await meta.get_settings(self.db.reader, guild_id)
        progress = await self.read.nominations_progress(guild_id, data.election.slug)
        keys = [(f"milestone:{name}", {"kind": "milestone", "candidate": name}) for name in progress.qualified]
        if data.published:
            keys.append(("results", {"kind": "results"}))
        rows = []
        for key, detail in keys:
            row = _in_announce_channel(
                settings,
                Delivery(
                    guild_id=guild_id,
                    source=Source.ELECTION,
                    source_id=data.election.id,
                    occurrence=key,
                    due_at=now,
                    lane=Lane.CHANNEL,
                    detail=detail,
                ),
            )
            if baseline:
                row.status, row.reason = DeliveryStatus.SKIPPED, "already true when reminders were switched on"
            rows.append(row)
        return rows

    # ---------------------------------------------------------------- members

    async def subscribe_branch(
        self, guild_id: int, user_id: int, branch: str, before: str | None
    ) -> MemberSubscription:
        """DM the member `before` (default 24 h) their branch's nomination meeting."""
        snap = await self.read.snapshot(guild_id)
        body = self.read._body(snap, branch)  # the read model's name matching, with suggestions
        lead = _member_before(before)
        sub = await self._subscribe(
            Subscription(
                guild_id=guild_id,
                user_id=user_id,
                kind=SubscriptionKind.BRANCH,
                before=lead,
                body_id=body.id,
            )
        )
        point = meeting_point(body.meeting, lead)
        now = self.clock.now()
        return MemberSubscription(
            sub, body.name, point.at if point and point.at > now else None, quiet_reason([body.meeting], lead, now)
        )

    async def subscribe_deadlines(
        self, guild_id: int, user_id: int, election: str | None, before: str | None = None
    ) -> MemberSubscription:
        """DM the member before nominations close, the ballot opens and the ballot closes."""
        snap = await self.read.snapshot(guild_id)
        now = self.clock.now()
        data = self.read.resolve_election(snap, election, now)
        lead = _member_before(before)
        quiet = quiet_reason(_deadlines(data), lead, now)
        if quiet is not None and quiet[0] is Quiet.PASSED and quiet[1] is not None:
            raise UserError(
                f"All of {data.election.name}'s deadlines have passed (the last was "
                f"<t:{int(quiet[1].timestamp())}:D>), so there is nothing to remind you of."
            )
        sub = await self._subscribe(
            Subscription(
                guild_id=guild_id,
                user_id=user_id,
                kind=SubscriptionKind.DEADLINES,
                before=lead,
                election_id=data.election.id,
            )
        )
        nxt = next_point_after(member_deadline_points(data.election.timeline, lead), now)
        return MemberSubscription(sub, data.election.name, nxt, quiet)

    async def _subscribe(self, sub: Subscription) -> Subscription:
        now = self.clock.now()
        sub.created_at = sub.checked_until = now
        async with self.db.transaction() as tx:
            sub.id = await subscriptions.upsert(tx, sub)
        self.engine.kick()
        # Open their DM channel now, while they are here, so a fan-out later never opens hundreds at once.
        self.engine.open_dm_soon(sub.user_id)
        return sub

    async def member_subscriptions(self, guild_id: int, user_id: int) -> list[MemberSubscription]:
        """A member's reminders with what each is about and when it next fires."""
        _, elections, bodies = await self._by_id(guild_id)
        now = self.clock.now()
        out = []
        for sub in await subscriptions.list_for_member(self.db.reader, guild_id, user_id):
            subject, points = self._points(sub, elections, bodies)
            events: list[datetime | None] = []
            if sub.kind is SubscriptionKind.BRANCH:
                body = bodies.get(sub.body_id) if sub.body_id is not None else None
                events = [body.meeting if body else None]
            elif sub.election_id is not None and sub.election_id in elections:
                events = _deadlines(elections[sub.election_id])
            quiet = quiet_reason(events, sub.before, now) if events else None
            out.append(MemberSubscription(sub, subject, next_point_after(points, now), quiet))
        return out

    async def stop(self, guild_id: int, user_id: int, which: str | None) -> list[MemberSubscription]:
        """Stop one reminder (picked in autocomplete, or its name as typed, matched like every other name) or,
        with `all`, every one; with nothing given and more than one reminder, asks which instead of guessing."""
        mine = await self.member_subscriptions(guild_id, user_id)
        text = (which or "").strip()
        if text.casefold() in ("all", "everything"):
            chosen = mine
        elif not text:
            if len(mine) > 1:  # stopping everything is asked for by name, never by leaving `which` out
                names = ", ".join(m.subject for m in mine)
                raise UserError(
                    f"You have {len(mine)} reminders ({names}). To stop them all, run `/remind stop which: all`; "
                    "to stop one, pick it in `which`."
                )
            chosen = mine
        else:
            chosen = _match_reminders(mine, text)
        ids = [m.subscription.id for m in chosen if m.subscription.id is not None]
        async with self.db.transaction() as tx:
            await subscriptions.delete(tx, ids)
            await deliveries.cancel_open(tx, Source.SUBSCRIPTION, ids, "the member stopped the reminder")
        return chosen

    async def member_left(self, guild_id: int, user_id: int) -> int:
        """A member left the server: remove their reminders (and anything queued for them)."""
        async with self.db.transaction() as tx:
            ids = await subscriptions.delete_member(tx, guild_id, user_id)
            await deliveries.cancel_open(tx, Source.SUBSCRIPTION, ids, "the member left the server")
        return len(ids)

    @staticmethod
    def _points(
        sub: Subscription | SubscriptionGroup, elections: dict[int, ElectionData], bodies: dict[int, Body]
    ) -> tuple[str, list[ReminderPoint]]:
        if sub.kind is SubscriptionKind.BRANCH:
            body = bodies.get(sub.body_id) if sub.body_id is not None else None
            if body is None:
                return "(a branch that was removed)", []
            point = meeting_point(body.meeting, sub.before)
            return body.name, [point] if point else []
        data = elections.get(sub.election_id) if sub.election_id is not None else None
        if data is None:
            return "(an election that was removed)", []
        return data.election.name, member_deadline_points(data.election.timeline, sub.before)

    # ---------------------------------------------------------------- producer

    async def plan(self, tx: Connection, now: datetime) -> list[Delivery]:
        """Ledger rows for automatic election reminders and member DMs due up to `now`."""
        rows = [*await self._plan_elections(tx, now), *await self._plan_subscriptions(tx, now)]
        return rows + (await self.hustings_dms.plan(tx, now) if self.hustings_dms else [])

    async def _plan_elections(self, tx: Connection, now: datetime) -> list[Delivery]:
        rows: list[Delivery] = []
        items = await announcements.enabled_reminders(tx)
        for item in items:
            _, elections, _ = await self._by_id(item.guild_id)
            data = elections.get(item.election_id)
            if data is not None:
                settings = await meta.get_settings(tx, item.guild_id)
                points = due_between(reminder_points(data.election.timeline, item.offsets), item.checked_until, now)
                rows.extend(
                    _in_announce_channel(settings, _point_row(item.guild_id, Source.ELECTION, item.election_id, p))
                    for p in points
                )
            await announcements.advance_reminders(tx, item.election_id, now)
        for guild_id in sorted({item.guild_id for item in items}):
            rows.extend(await self._changed_events(guild_id, now))
        return rows

    async def _plan_subscriptions(self, tx: Connection, now: datetime) -> list[Delivery]:
        rows: list[Delivery] = []
        for group in await subscriptions.groups(tx):
            _, elections, bodies = await self._by_id(group.guild_id)
            due = due_between(self._points(group, elections, bodies)[1], group.since, now)
            if not due:
                continue
            for sub in await subscriptions.in_group(tx, group):
                assert sub.id is not None and sub.checked_until is not None
                rows.extend(
                    _point_row(group.guild_id, Source.SUBSCRIPTION, sub.id, p, Lane.DM, sub.user_id)
                    for p in due
                    if p.at > sub.checked_until
                )
        await subscriptions.advance_all(tx, now)
        return rows

    async def _changed_events(self, guild_id: int, now: datetime) -> list[Delivery]:
        """A safety net for data changed without a `check_milestones` call: look again when the version moved."""
        version = (await meta.get_version(self.db.reader, guild_id)).version
        if self._checked_versions.get(guild_id) == version:
            return []
        self._checked_versions[guild_id] = version
        _, elections, _ = await self._by_id(guild_id)
        rows: list[Delivery] = []
        for item in await announcements.enabled_reminders(self.db.reader, guild_id):
            if (data := elections.get(item.election_id)) is not None:
                rows.extend(await self._event_rows(guild_id, data, now, baseline=False))
        return rows

    async def next_due(self, conn: Connection, now: datetime) -> datetime | None:
        """The first reminder instant after `now`, over every election and subscription."""
        instants: list[datetime] = []
        for item in await announcements.enabled_reminders(conn):
            _, elections, _ = await self._by_id(item.guild_id)
            if (data := elections.get(item.election_id)) is not None:
                nxt = next_point_after(reminder_points(data.election.timeline, item.offsets), now)
                if nxt:
                    instants.append(nxt)
        for group in await subscriptions.groups(conn):
            _, elections, bodies = await self._by_id(group.guild_id)
            nxt = next_point_after(self._points(group, elections, bodies)[1], now)
            if nxt:
                instants.append(nxt)
        if self.hustings_dms and (nxt := await self.hustings_dms.next_due(conn, now)):
            instants.append(nxt)
        return min(instants, default=None)

    async def prepare(self, delivery: Delivery) -> Any:
        """What to post or DM for a due row, checked against today's data."""
        _, elections, bodies = await self._by_id(delivery.guild_id)
        detail = delivery.detail
        if detail.get("kind") == HUSTINGS_KIND and self.hustings_dms is not None:
            return await self.hustings_dms.prepare(delivery)
        if detail.get("kind") == HUSTINGS_POST_KIND:
            if self.hustings_posts is None:
                raise Skip("hustings posts are not handled here")
            return await self.hustings_posts.prepare(delivery)
        if delivery.source is Source.SUBSCRIPTION:
            sub = await subscriptions.get(self.db.reader, delivery.source_id)
            if sub is None or sub.status != "active":
                raise Skip("the reminder was stopped", DeliveryStatus.CANCELLED)
            if self.still_member is not None and await self.still_member(sub.guild_id, sub.user_id) is False:
                await self.member_left(sub.guild_id, sub.user_id)  # no leave event without the members intent
                raise Skip("the member left the server", DeliveryStatus.CANCELLED)
            subject, points = self._points(sub, elections, bodies)
            point = _still_current(points, delivery)
            return MemberReminderPost(delivery.guild_id, sub.kind, subject, point.event, point.event_at)
        data = elections.get(delivery.source_id)
        if data is None:
            raise Skip("the election was deleted")
        name = data.election.name
        if detail.get("kind") == "milestone":
            progress = await self.read.nominations_progress(delivery.guild_id, data.election.slug)
            row = next((r for r in progress.rows if r.name == detail["candidate"]), None)
            if row is None or not row.qualified or progress.header.required is None:
                raise Skip("the candidate is no longer over the threshold")
            return MilestonePost(
                name, row.name, row.nominations, progress.header.required, len(progress.qualified), data.election.slug
            )
        if detail.get("kind") == "results":
            results = await self.read.results(delivery.guild_id, data.election.slug, ResultsMode.SUMMARY)
            if results.summary is None:
                raise Skip("the results are no longer published")
            return ResultsPost(name, results, data.election.slug)
        item = await announcements.get_reminders(self.db.reader, delivery.source_id)
        if item is None or not item.enabled:
            raise Skip("automatic reminders were switched off", DeliveryStatus.CANCELLED)
        point = _still_current(reminder_points(data.election.timeline, item.offsets), delivery)
        standing: ProgressView | None = None  # shown only before nominations close
        if point.event == "nominations_close":
            standing = await self.read.nominations_progress(delivery.guild_id, data.election.slug)
        if point.offset:
            return ReminderPost(name, point.event, point.offset, point.event_at, standing, slug=data.election.slug)
        # The moments themselves: who is on the ballot when nominations close; how to vote when the ballot opens.
        on_ballot: tuple[str, ...] = ()
        if standing is not None:
            withdrawn = CandidateStatus.WITHDRAWN.value
            on_ballot = tuple(
                r.name
                for r in standing.rows
                if r.status in ON_BALLOT_STANDINGS or (r.qualified and r.status != withdrawn)
            )
        how = await hustings_store.how_to_vote(self.db.reader, data.election.id or 0)
        slates = tuple(s.label for s in data.slates) if point.event == "ballot_open" else ()
        return ReminderPost(
            name,
            point.event,
            point.offset,
            point.event_at,
            standing,
            on_ballot=on_ballot,
            how_to_vote=how if point.event == "ballot_open" else "",
            slates=slates,
            slug=data.election.slug,
        )

    async def on_sent(self, tx: Connection, delivery: Delivery) -> None:
        """A hustings post's message id is kept on the hustings; nothing else to record beyond the ledger."""
        if delivery.detail.get("kind") == HUSTINGS_POST_KIND and self.hustings_posts is not None:
            await self.hustings_posts.on_sent(tx, delivery)

    async def on_failed(self, tx: Connection, delivery: Delivery, kind: FailureKind, reason: str) -> str | None:
        """DMs refused: pause the member's reminders (no retry). Channel posts: alert organisers once."""
        if delivery.detail.get("kind") == HUSTINGS_POST_KIND and self.hustings_posts is not None:
            return self.hustings_posts.failed_alert(delivery, reason)
        if delivery.detail.get("kind") == HUSTINGS_KIND:
            return None  # one DM refused: the member's other reminders are left as they are
        if delivery.source is Source.SUBSCRIPTION:
            if kind is not FailureKind.TRANSIENT:
                sub = await subscriptions.get(tx, delivery.source_id)
                if sub is not None:
                    ids = await subscriptions.pause_member(tx, sub.guild_id, sub.user_id, reason)
                    await deliveries.cancel_open(tx, Source.SUBSCRIPTION, ids, f"reminders paused: {reason}")
            return None
        return (
            f"⚠️ An automatic election reminder could not be posted in <#{delivery.target_id}>: {reason}. "
            "Check the announcement channel and my permissions there, or switch them off with "
            "`/announce reminders state: off`. I won't repeat this alert until a post succeeds again."
        )


def _still_current(points: Iterable[ReminderPoint], delivery: Delivery) -> ReminderPoint:
    """The point a row was planned for, if the data still yields it (a moved deadline skips the old one)."""
    for point in points:
        if point.key == delivery.occurrence:
            return point
    raise Skip("the date changed since it was planned")


def _deadlines(data: ElectionData) -> list[datetime | None]:
    """The instants a member's deadline reminders lead up to."""
    return [getattr(data.election.timeline, event) for event in MEMBER_DEADLINES]


def _match_reminders(mine: list[MemberSubscription], text: str) -> list[MemberSubscription]:
    """The reminder(s) `text` names: an autocomplete choice (its id), or a name matched as names are everywhere
    (any case, accents, apostrophes, a start of a word); several matches ask which, none says what there is."""
    by_id = [m for m in mine if str(m.subscription.id) == text]
    if by_id:
        return by_id
    key = name_key(text)
    exact = [m for m in mine if name_key(m.subject) == key or m.subscription.kind.value == text.casefold()]
    if exact:
        return exact
    found = set(search_names(text, [m.subject for m in mine]))
    chosen = [m for m in mine if m.subject in found]
    if not chosen:
        listed = ", ".join(m.subject for m in mine) or "none"
        raise NotFound(f"You have no reminder called “{text}”. Yours: {listed}.")
    if len({m.subject for m in chosen}) > 1:
        listed = ", ".join(sorted({m.subject for m in chosen}))
        raise UserError(f"“{text}” matches more than one of your reminders ({listed}): say which.")
    return chosen


def _member_before(text: str | None) -> timedelta:
    if text is None or not text.strip():
        return DEFAULT_MEMBER_BEFORE
    try:
        lead = parse_offset(text)
    except ScheduleError as exc:
        raise UserError(str(exc)) from None
    if lead > MAX_MEMBER_BEFORE:
        raise UserError("Reminders can be at most 14 days before.")
    return lead


def _describe_reminders(item: ElectionReminders | None) -> dict[str, Any] | None:
    if item is None:
        return None
    offsets = {k: [format_duration(v) if v else "at the time" for v in vs] for k, vs in item.offsets.items()}
    return {"enabled": item.enabled, "offsets": offsets}
