"""Organisers' scheduled announcements: schedule, list, preview, cancel, history; and their delivery.

An announcement is a message (with placeholders filled at send time) or a live view (rendered at
send time by the members' renderers), posted once or on a recurrence in the guild's time zone. As a
`Producer` it turns due occurrences into ledger rows and says what to post for each.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.domain.access import (
    RICH_POST,
    TEXT_POST,
    Actor,
    ChannelRights,
    bot_cannot_post,
    bot_ping_warning,
    ping_refusal,
)
from bot.domain.schedule.errors import ScheduleError
from bot.domain.schedule.ledger import Announcement, Delivery, Lane, LiveView, Source
from bot.domain.schedule.recurrence import Schedule, parse_repeat
from bot.domain.schedule.sending import FailureKind
from bot.domain.schedule.templates import check_message, needs_election
from bot.domain.timeparse import TimeParseError, parse_time
from bot.errors import NotFound, UserError
from bot.services.audit_trail import record_change
from bot.services.delivery.engine import DeliveryEngine
from bot.services.delivery.ports import Skip
from bot.services.read.model import ReadModel
from bot.services.read.view_models import ResultsMode
from bot.store import announcements, deliveries, meta
from bot.store.database import Database
from bot.store.engine import Connection

#: How far ahead a first post may be scheduled.
MAX_AHEAD = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class PlaceholderValues:
    """Raw values for an announcement's placeholders at send time (the renderer formats them)."""

    election: str | None = None
    nominations_close: datetime | None = None
    ballot_open: datetime | None = None
    ballot_close: datetime | None = None
    days_to_nominations_close: int | None = None
    qualified: int | None = None
    threshold: str | None = None  # e.g. "35 nominations" or "5% of branches (12)"
    on_ballot: int | None = None
    results_link: str | None = None  # the results post's link, or None when results are not out
    results_published: bool = False
    now: datetime | None = None  # the send instant and the server's zone, for calendar-day words
    zone: str | None = None


#: (guild id, channel id, organiser id, role id or None for @everyone) → whether the organiser may make that
#: ping in that channel now; None when it can't be told (the ping is then kept as checked when scheduled).
PingCheck = Callable[[int, int, int, int | None], Awaitable[bool | None]]


@dataclass(frozen=True, slots=True)
class MessagePost:
    """A text announcement: the organiser's text, its placeholder values and the chosen ping."""

    text: str
    values: PlaceholderValues
    ping_role_id: int | None = None
    ping_everyone: bool = False
    slug: str | None = None  # the election it names, for its Remind me button (None: no election named)


@dataclass(frozen=True, slots=True)
class ViewPost:
    """A live view: the members' view model, rendered by the same renderer as the member command."""

    view: LiveView
    model: Any
    intro: str = ""
    slug: str | None = None  # the election shown, for its Remind me button


@dataclass(frozen=True, slots=True)
class Scheduled:
    """What `/announce schedule` and `/announce post` reply with."""

    announcement: Announcement
    upcoming: list[datetime]
    election_name: str | None = None
    #: Something the organiser should fix before it posts (e.g. the bot can't make the ping notify anyone).
    warning: str | None = None


def _user_error(exc: ValueError) -> UserError:
    return UserError(str(exc))


class AnnouncementService:
    """Use-cases behind `/announce` and the producer of announcement deliveries."""

    sources = (Source.ANNOUNCEMENT,)

    def __init__(
        self,
        db: Database,
        clock: Clock,
        read: ReadModel,
        engine: DeliveryEngine,
        default_zone: str = "Europe/London",
        *,
        max_active: int = 50,
        ping_check: PingCheck | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.read = read
        self.engine = engine
        self.default_zone = default_zone
        #: How to learn, at send time, whether an organiser may still make their ping (the Discord adapter).
        self.may_ping = ping_check
        self.max_active = max_active  # per server: one server's schedule can't crowd out the others'
        engine.register(self)

    async def zone(self, guild_id: int) -> str:
        """The guild's configured time zone (or the bot's default)."""
        settings = await meta.get_settings(self.db.reader, guild_id)
        return settings.timezone or self.default_zone

    def _parse_when(self, text: str | None, zone: str, now: datetime, what: str = "when") -> datetime:
        if text is None or not text.strip() or text.strip().lower() == "now":
            return now
        try:
            return parse_time(text, zone, now)
        except TimeParseError as exc:
            raise UserError(f"`{what}`: {exc}") from None

    async def _election_id(self, guild_id: int, election: str | None) -> tuple[int, str]:
        snap = await self.read.snapshot(guild_id)
        data = self.read.resolve_election(snap, election, self.clock.now())
        assert data.election.id is not None
        return data.election.id, data.election.name

    # ---------------------------------------------------------------- organiser use-cases

    async def schedule(
        self,
        actor: Actor,
        *,
        channel_id: int,
        when: str | None,
        message: str | None = None,
        view: LiveView | str | None = None,
        election: str | None = None,
        repeat: str | None = None,
        until: str | None = None,
        ping_role_id: int | None = None,
        ping_everyone: bool = False,
        may_mention_everyone: bool = False,
        organiser: ChannelRights | None = None,
        bot: ChannelRights | None = None,
        ping_role_mentionable: bool = False,
    ) -> Scheduled:
        """Store an announcement (message or live view) after checking everything the organiser typed.

        `organiser` and `bot` are their rights in the target channel as Discord resolved them (None when
        the caller could not learn them, e.g. a service test): the bot must be able to post there, and
        it posts a ping only the organiser could have posted themselves. A ping the bot itself can't
        make notify anyone comes back as `Scheduled.warning`.
        """
        if bot is not None:
            problem = bot_cannot_post(f"<#{channel_id}>", bot, TEXT_POST if view is None else RICH_POST)
            if problem:
                raise UserError(problem)
        pinging = ping_everyone or ping_role_id is not None
        if organiser is not None and (pinging or not (organiser.view and organiser.send)):
            refusal = ping_refusal(organiser, everyone=ping_everyone, role_mentionable=ping_role_mentionable)
            if refusal:
                raise UserError(refusal)
            may_mention_everyone = organiser.mention_everyone
        now = self.clock.now()
        zone = await self.zone(actor.guild_id)
        first = self._parse_when(when, zone, now)
        if first < now - timedelta(minutes=1):
            raise UserError("That time is in the past. Pick a time from now on (or leave `when` out to post now).")
        if first > now + MAX_AHEAD:
            raise UserError("That is more than a year ahead; schedule it nearer the time.")
        first = max(first, now).replace(microsecond=0)
        try:
            recurrence = parse_repeat(repeat)
            if message is not None:
                check_message(message)
        except ScheduleError as exc:
            raise _user_error(exc) from None
        end = self._parse_when(until, zone, now, "until") if until else None
        if end is not None and end < first:
            raise UserError("`until` is before the first post.")
        if ping_everyone and not may_mention_everyone:
            raise UserError("Only someone allowed to mention @everyone in this server can schedule an @everyone ping.")
        live = LiveView(view) if view else None
        election_id = election_name = None
        if live is not None or (message is not None and needs_election(message)) or election:
            election_id, election_name = await self._election_id(actor.guild_id, election)
        sched = Schedule(first, recurrence, zone, end)
        upcoming = sched.upcoming(first - timedelta(seconds=1), 3)
        if not upcoming:
            raise UserError("That schedule never posts (check `when`, `repeat` and `until`).")
        if await announcements.count_active(self.db.reader, actor.guild_id) >= self.max_active:
            raise UserError(
                f"This server already has {self.max_active} scheduled announcements, the most this bot allows "
                "per server. Cancel one you no longer need (`/announce list`, then `/announce cancel`) first."
            )
        item = Announcement(
            guild_id=actor.guild_id,
            channel_id=channel_id,
            schedule=sched,
            content=message or "",
            view=live,
            election_id=election_id,
            ping_role_id=ping_role_id,
            ping_everyone=ping_everyone,
            created_by=actor.user_id,
            created_by_name=actor.name,
            created_at=now,
            checked_until=upcoming[0] - timedelta(seconds=1),
            next_due=upcoming[0],
        )
        async with self.db.transaction() as tx:
            item.id = await announcements.create(tx, item)
            await record_change(
                tx, actor, "announce.schedule", f"announcement #{item.id}", after=_describe(item), at=now
            )
        self.engine.kick()
        warning = None
        if bot is not None and pinging:
            warning = bot_ping_warning(bot, everyone=ping_everyone, role_mentionable=ping_role_mentionable)
        return Scheduled(item, upcoming, election_name, warning)

    async def get(self, guild_id: int, announcement_id: int) -> Announcement:
        """One of the guild's announcements, or NotFound."""
        item = await announcements.get(self.db.reader, guild_id, announcement_id)
        if item is None:
            raise NotFound(f"There is no announcement #{announcement_id} in this server (see `/announce list`).")
        return item

    async def list_active(self, guild_id: int) -> list[Announcement]:
        """The guild's active announcements, soonest first."""
        return await announcements.list_for_guild(self.db.reader, guild_id)

    @staticmethod
    def upcoming(item: Announcement, count: int = 3) -> list[datetime]:
        """An announcement's next occurrences from now."""
        if item.status != "active" or item.next_due is None:
            return []
        return [item.next_due, *item.schedule.upcoming(item.next_due, count - 1)][:count]

    async def preview(self, guild_id: int, announcement_id: int) -> MessagePost | ViewPost:
        """What the announcement would post if it were due now."""
        return await self._post_for(await self.get(guild_id, announcement_id))

    async def cancel(self, actor: Actor, announcement_id: int) -> Announcement:
        """Stop an announcement; its pending deliveries are cancelled too."""
        item = await self.get(actor.guild_id, announcement_id)
        if item.status != "active":
            raise UserError(f"Announcement #{announcement_id} is already {item.status}.")
        async with self.db.transaction() as tx:
            await announcements.set_status(tx, announcement_id, "cancelled")
            await deliveries.cancel_open(tx, Source.ANNOUNCEMENT, [announcement_id], "cancelled by an organiser")
            await record_change(
                tx,
                actor,
                "announce.cancel",
                f"announcement #{announcement_id}",
                before=_describe(item),
                at=self.clock.now(),
            )
        item.status = "cancelled"
        self.engine.kick()
        return item

    async def history(self, guild_id: int, announcement_id: int | None = None, limit: int = 25) -> list[Delivery]:
        """Deliveries of one announcement, or the guild's channel posts and alerts, newest first."""
        if announcement_id is not None:
            await self.get(guild_id, announcement_id)
            return await deliveries.history(
                self.db.reader, guild_id, source=Source.ANNOUNCEMENT, source_id=announcement_id, limit=limit
            )
        return await deliveries.history(self.db.reader, guild_id, exclude=Source.SUBSCRIPTION, limit=limit)

    # ---------------------------------------------------------------- producer

    async def plan(self, tx: Connection, now: datetime) -> list[Delivery]:
        """Ledger rows for every announcement occurrence due up to `now`."""
        rows: list[Delivery] = []
        for item in await announcements.due(tx, now):
            assert item.id is not None and item.checked_until is not None
            for at in item.schedule.between(item.checked_until, now):
                rows.append(
                    Delivery(
                        guild_id=item.guild_id,
                        source=Source.ANNOUNCEMENT,
                        source_id=item.id,
                        occurrence=at.isoformat(),
                        due_at=at,
                        lane=Lane.CHANNEL,
                        target_id=item.channel_id,
                    )
                )
            await announcements.advance(tx, item.id, now, item.schedule.next_after(now))
        return rows

    async def next_due(self, conn: Connection, now: datetime) -> datetime | None:
        """The earliest next occurrence of any active announcement."""
        return await announcements.next_due(conn)

    async def prepare(self, delivery: Delivery) -> MessagePost | ViewPost:
        """What to post for a due occurrence, with today's data."""
        item = await announcements.get_by_id(self.db.reader, delivery.source_id)
        if item is None or item.status == "cancelled":
            raise Skip("the announcement was cancelled")
        post = await self._post_for(item)
        if isinstance(post, MessagePost) and (post.ping_role_id or post.ping_everyone):
            post = await self._ping_still_allowed(item, post, delivery)
        return post

    async def _ping_still_allowed(self, item: Announcement, post: MessagePost, delivery: Delivery) -> MessagePost:
        """Post without the ping, and alert, when its organiser may no longer make it in that channel.

        Rights change after scheduling (a role taken away, the role made unmentionable, the organiser
        gone); the bot's own Mention Everyone must never stand in for theirs.
        """
        if self.may_ping is None or item.created_by is None:
            return post
        allowed = await self.may_ping(item.guild_id, item.channel_id, item.created_by, post.ping_role_id)
        if allowed is not False:
            return post
        who = item.created_by_name or "the organiser who scheduled it"
        await self.engine.alert(
            item.guild_id,
            f"ping:{delivery.id}",
            f"⚠️ Announcement #{item.id} was posted in <#{item.channel_id}> without the ping: {who} may no "
            "longer mention that role there. Schedule it again from someone who can, or make the role mentionable.",
        )
        return MessagePost(post.text, post.values, slug=post.slug)

    async def _post_for(self, item: Announcement) -> MessagePost | ViewPost:
        slug = await self._slug(item.guild_id, item.election_id)
        if item.view is not None:
            model = await self.view_model(item.guild_id, item.election_id, item.view)
            return ViewPost(item.view, model, slug=slug or await self._current_slug(item.guild_id))
        return MessagePost(
            item.content,
            await self.placeholder_values(item.guild_id, item.election_id),
            item.ping_role_id,
            item.ping_everyone,
            slug=slug,
        )

    async def _current_slug(self, guild_id: int) -> str | None:
        """The election a live view without a named election shows now (None when there is none)."""
        try:
            data = self.read.resolve_election(await self.read.snapshot(guild_id), None, self.clock.now())
        except NotFound:
            return None
        return data.election.slug

    async def on_sent(self, tx: Connection, delivery: Delivery) -> None:
        """Nothing to record beyond the ledger."""

    async def on_failed(self, tx: Connection, delivery: Delivery, kind: FailureKind, reason: str) -> str | None:
        """Organisers hear once per failing streak."""
        return (
            f"⚠️ Announcement #{delivery.source_id} could not be posted in <#{delivery.target_id}>: {reason}. "
            f"Fix the channel or my permissions there, or stop it with `/announce cancel {delivery.source_id}`. "
            "I won't repeat this alert until it posts successfully again."
        )

    # ---------------------------------------------------------------- data at send time

    async def _slug(self, guild_id: int, election_id: int | None) -> str | None:
        if election_id is None:
            return None
        snap = await self.read.snapshot(guild_id)
        for data in snap.elections:
            if data.election.id == election_id:
                return data.election.slug
        raise Skip("the election it refers to was deleted")

    async def placeholder_values(self, guild_id: int, election_id: int | None) -> PlaceholderValues:
        """Placeholder values for an election as of now (empty when the message names none)."""
        slug = await self._slug(guild_id, election_id)
        if slug is None:
            return PlaceholderValues()
        progress = await self.read.nominations_progress(guild_id, slug)
        snap = await self.read.snapshot(guild_id)
        timeline = snap.by_slug[slug].election.timeline
        header = progress.header
        threshold = None
        if header.required is not None:
            needed = f"{header.required:,} nomination{'s' if header.required != 1 else ''}"
            threshold = (
                f"{needed} ({header.threshold} of {header.body_kind}s)"
                if header.threshold and header.threshold.percent
                else needed
            )
        return PlaceholderValues(
            election=header.name,
            nominations_close=timeline.nominations_close,
            ballot_open=timeline.ballot_open,
            ballot_close=timeline.ballot_close,
            days_to_nominations_close=progress.days_left
            if progress.days_left is not None
            else (0 if timeline.nominations_close else None),
            qualified=len(progress.qualified) if header.required is not None else None,
            threshold=threshold,
            on_ballot=(await self.read.election_info(guild_id, slug)).on_ballot,
            results_link=await self._results_link(guild_id, snap.by_slug[slug].election.id),
            results_published=header.results_published,
            now=self.clock.now(),
            zone=await self.zone(guild_id),
        )

    async def _results_link(self, guild_id: int, election_id: int | None) -> str | None:
        """The link to the bot's results post in the announcement channel, once it was sent."""
        if election_id is None:
            return None
        rows = await deliveries.for_items(self.db.reader, Source.ELECTION, [election_id])
        for row in reversed(rows):
            if row.occurrence == "results" and row.channel_id and row.message_id:
                return f"https://discord.com/channels/{guild_id}/{row.channel_id}/{row.message_id}"
        return None

    async def view_model(self, guild_id: int, election_id: int | None, view: LiveView) -> Any:
        """The members' view model for a live view, built now."""
        slug = await self._slug(guild_id, election_id)
        try:
            if view is LiveView.NOMINATIONS:
                return await self.read.nominations_progress(guild_id, slug)
            if view is LiveView.RESULTS:
                return await self.read.results(guild_id, slug, ResultsMode.SUMMARY)
            if view is LiveView.TIMELINE:
                return await self.read.election_info(guild_id, slug)
            snap = await self.read.snapshot(guild_id)
            data = self.read.resolve_election(snap, slug, self.clock.now())
            names = [s.name for s in data.slates][:3]  # the compare view shows up to three side by side
            return await self.read.slate_compare(guild_id, names, slug)
        except NotFound as exc:
            raise Skip(str(exc)) from None


def _describe(item: Announcement) -> dict[str, Any]:
    """The audit row's picture of an announcement."""
    return {
        "channel": item.channel_id,
        "first": item.schedule.first.isoformat(),
        "repeat": str(item.schedule.recurrence),
        "until": item.schedule.until.isoformat() if item.schedule.until else None,
        "zone": item.schedule.zone,
        "message": item.content or None,
        "view": item.view.value if item.view else None,
        "election_id": item.election_id,
        "ping_role": item.ping_role_id,
        "ping_everyone": item.ping_everyone or None,
    }
