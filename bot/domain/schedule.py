"""Announcement and reminder rules: recurrences, placeholders, reminder points, lateness, retries.

Plain rules only — no discord, no SQL. Recurrences are computed by APScheduler's `CronTrigger`
over *local wall-clock time* in the guild's zone, then mapped to UTC instants: a daily post at
18:00 stays at 18:00 local across a DST change, a wall time that happens twice (autumn) posts
once, and one that never happens (spring) posts an hour later in the same local day.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.domain.models import Timeline
from bot.domain.sources import backoff_delay
from bot.domain.timeparse import TimeParseError, format_duration, parse_duration


class ScheduleError(ValueError):
    """A schedule, repeat rule, offset or message the organiser (or member) can fix."""


# --------------------------------------------------------------------------- recurrences


class RepeatKind(StrEnum):
    """How an announcement repeats."""

    NONE = "none"
    DAILY = "daily"
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    WEEKDAYS = "weekdays"
    CRON = "cron"


_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A repeat rule: one of the named kinds, or a five-field cron expression."""

    kind: RepeatKind = RepeatKind.NONE
    cron: str | None = None

    def __str__(self) -> str:
        return self.cron if self.kind is RepeatKind.CRON and self.cron else self.kind.value

    @property
    def repeats(self) -> bool:
        """True for every kind but NONE."""
        return self.kind is not RepeatKind.NONE

    def describe(self) -> str:
        """Member-facing wording, e.g. "every day" or "cron `0 18 * * 1`"."""
        return {
            RepeatKind.NONE: "once",
            RepeatKind.DAILY: "every day",
            RepeatKind.WEEKLY: "every week",
            RepeatKind.FORTNIGHTLY: "every two weeks",
            RepeatKind.WEEKDAYS: "every weekday",
        }.get(self.kind, f"cron `{self.cron}`")


def parse_repeat(text: str | None) -> Recurrence:
    """Read `none`, `daily`, `weekly`, `fortnightly`, `weekdays` (or the everyday words for them, such as
    "every 2 weeks") or a five-field cron expression."""
    value = " ".join((text or "none").strip().lower().split())
    if value in ("", "none", "once", "never"):
        return Recurrence()
    value = _REPEAT_WORDS.get(value, value)
    for kind in (RepeatKind.DAILY, RepeatKind.WEEKLY, RepeatKind.FORTNIGHTLY, RepeatKind.WEEKDAYS):
        if value == kind.value:
            return Recurrence(kind)
    fields = value.split()
    if len(fields) != 5:
        raise ScheduleError(
            f"I don't understand the repeat “{text}”: use none, daily, weekly, fortnightly, weekdays, "
            "or a cron expression with five fields like `0 18 * * mon-fri`."
        )
    try:
        CronTrigger.from_crontab(" ".join(fields), timezone=UTC)
    except ValueError as exc:
        raise ScheduleError(f"The cron expression {text!r} is not valid: {exc}.") from exc
    return Recurrence(RepeatKind.CRON, " ".join(fields))


_REPEAT_WORDS = {
    "every day": "daily", "each day": "daily", "every week": "weekly", "each week": "weekly",
    "every 2 weeks": "fortnightly", "every two weeks": "fortnightly", "every other week": "fortnightly",
    "biweekly": "fortnightly", "every weekday": "weekdays", "mon-fri": "weekdays",
}  # fmt: skip


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """Local wall-clock time of an instant, as a naive datetime."""
    return instant.astimezone(zone).replace(tzinfo=None)


def _instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant a local wall time means (first of two when ambiguous, +1 h when skipped)."""
    return wall.replace(tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Schedule:
    """When an announcement posts: a first instant, a recurrence in a zone, an optional end."""

    first: datetime  # aware UTC
    recurrence: Recurrence = field(default_factory=Recurrence)
    zone: str = "Europe/London"
    until: datetime | None = None  # aware UTC, inclusive

    def __post_init__(self) -> None:
        if self.first.tzinfo is None or (self.until is not None and self.until.tzinfo is None):
            raise ValueError("schedule instants must be timezone-aware")

    def _trigger(self, zone: ZoneInfo) -> CronTrigger:
        # The trigger runs on naive wall time, carried as if it were UTC: no DST surprises inside
        # APScheduler, and each local wall time occurs exactly once.
        start = _wall(self.first, zone)
        fake = start.replace(tzinfo=UTC)
        hms = {"hour": start.hour, "minute": start.minute, "second": start.second}
        kind = self.recurrence.kind
        if kind is RepeatKind.DAILY:
            return CronTrigger(**hms, timezone=UTC, start_date=fake)
        if kind in (RepeatKind.WEEKLY, RepeatKind.FORTNIGHTLY):  # fortnightly: every other week, in `between`
            return CronTrigger(day_of_week=_DAY_NAMES[start.weekday()], **hms, timezone=UTC, start_date=fake)
        if kind is RepeatKind.WEEKDAYS:
            return CronTrigger(day_of_week="mon-fri", **hms, timezone=UTC, start_date=fake)
        trigger = CronTrigger.from_crontab(self.recurrence.cron or "", timezone=UTC)
        trigger.start_date = fake
        return trigger

    def between(self, after: datetime, until: datetime, limit: int = 10_000) -> list[datetime]:
        """Occurrences (aware UTC) in the half-open window (after, until], oldest first."""
        end = min(until, self.until) if self.until else until
        if end <= after:
            return []
        if not self.recurrence.repeats:
            return [self.first] if after < self.first <= end else []
        zone = ZoneInfo(self.zone)
        trigger = self._trigger(zone)
        # Walk wall time from a little before the window (an instant's wall time can sit up to an
        # hour either side of its neighbours' across a DST change) to a little after it.
        margin = timedelta(hours=3)
        cursor = (_wall(max(after, self.first - timedelta(seconds=1)), zone) - margin).replace(tzinfo=UTC)
        stop = _wall(end, zone) + margin
        # Bound APScheduler's own search to the window: an impossible cron (31 February) would
        # otherwise be searched up to the year 9999 on every call (a second of CPU).
        trigger.end_date = stop.replace(tzinfo=UTC)
        first_day = _wall(self.first, zone).date()
        fortnightly = self.recurrence.kind is RepeatKind.FORTNIGHTLY
        found: list[datetime] = []
        while len(found) < limit:
            fake = trigger.get_next_fire_time(None, cursor)
            if fake is None:
                break
            wall = fake.replace(tzinfo=None)
            if wall > stop:
                break
            instant = _instant(wall, zone)
            if fortnightly and (wall.date() - first_day).days // 7 % 2:
                cursor = fake + timedelta(seconds=1)
                continue  # the weeks in between
            if after < instant <= end and instant >= self.first:
                found.append(instant)
            cursor = fake + timedelta(seconds=1)
        return sorted(set(found))

    def in_zone(self, zone: str) -> Schedule:
        """The same schedule kept at its clock times in another zone (18:00 stays 18:00, now in `zone`).

        Times the new zone skips or repeats are read as `_instant` reads them (the first reading, or an
        hour on): the organiser chose the times in the old zone, and a move must not fail part way.
        """
        old, new = ZoneInfo(self.zone), ZoneInfo(zone)
        first = _instant(_wall(self.first, old), new)
        until = _instant(_wall(self.until, old), new) if self.until else None
        return Schedule(first, self.recurrence, zone, until)

    def upcoming(self, after: datetime, count: int = 3) -> list[datetime]:
        """The next `count` occurrences strictly after `after`."""
        if not self.recurrence.repeats:
            return self.between(after, self.first)
        found: list[datetime] = []
        window = timedelta(days=8)
        start = max(after, self.first - timedelta(seconds=1))
        horizon = start + timedelta(days=3660)
        while len(found) < count and start < horizon and (self.until is None or start < self.until):
            found.extend(self.between(start, start + window, limit=count - len(found)))
            start += window
            window = min(window * 2, timedelta(days=400))
        return found[:count]

    def next_after(self, after: datetime) -> datetime | None:
        """The first occurrence strictly after `after`, or None when the schedule is over."""
        nxt = self.upcoming(after, 1)
        return nxt[0] if nxt else None


# --------------------------------------------------------------------------- placeholders

#: Placeholders an announcement may use, filled at send time, with what each becomes.
PLACEHOLDERS: dict[str, str] = {
    "election": "the election's name",
    "nominations_close": "when nominations close (a Discord timestamp)",
    "ballot_open": "when the ballot opens (a Discord timestamp)",
    "ballot_close": "when the ballot closes (a Discord timestamp)",
    "days_to_nominations_close": "when nominations close, in calendar days: today, tomorrow, in 4 days",
    "days_to_ballot_close": "when the ballot closes, in calendar days: today, tomorrow, in 4 days",
    "qualified": "how many candidates have reached the nomination threshold",
    "threshold": "the nominations a candidate needs for the ballot",
    "on_ballot": "how many candidates are on the ballot",
    "results_link": "a link to the results post (or where to find the results)",
}

#: Placeholders that count calendar days in the server's zone. Alone they read as words ("today",
#: "tomorrow", "in 4 days"); followed by a typed unit ("{days_to_nominations_close} days left") the pair
#: reads as a count with the right unit ("16 days", "1 day", "less than a day"), never "1 days" or "0 days".
DAY_PLACEHOLDERS = frozenset({"days_to_nominations_close", "days_to_ballot_close"})
#: The values key of a day placeholder's counted form.
COUNTED = "{}__count"
_DAY_UNIT = re.compile(r"\{(days_to_[a-z_]+)\} days?\b")

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholders_in(text: str) -> list[str]:
    """Placeholder names used in `text`, in order of first use."""
    seen: dict[str, None] = {}
    for match in _PLACEHOLDER.finditer(text):
        seen.setdefault(match.group(1), None)
    return list(seen)


def check_message(text: str) -> None:
    """Refuse an empty or over-long message, or one using a placeholder we don't know."""
    if not text.strip():
        raise ScheduleError("The message is empty.")
    if len(text) > 1800:
        raise ScheduleError(f"The message is {len(text)} characters; keep it under 1800.")
    unknown = [name for name in placeholders_in(text) if name not in PLACEHOLDERS]
    if unknown:
        known = ", ".join(f"{{{n}}}" for n in PLACEHOLDERS)
        listed = ", ".join(f"{{{n}}}" for n in unknown)
        raise ScheduleError(f"Unknown placeholder(s) {listed}. You can use: {known}.")


def needs_election(text: str) -> bool:
    """True when the message uses a placeholder that needs an election's data."""
    return any(name in PLACEHOLDERS for name in placeholders_in(text))


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace each known placeholder with its value; anything else is left as typed."""

    def counted(m: re.Match[str]) -> str:
        value = values.get(COUNTED.format(m.group(1))) if m.group(1) in DAY_PLACEHOLDERS else None
        return value if value is not None else m.group(0)

    text = _DAY_UNIT.sub(counted, text)
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


# --------------------------------------------------------------------------- durations & offsets


def parse_offset(text: str) -> timedelta:
    """Read a reminder lead time such as `24h`, `90m`, `7d` or `1d 12h`; `0` means at the event."""
    value = text.strip().lower()
    if value in ("0", "at"):
        return timedelta(0)
    try:
        return parse_duration(value)
    except TimeParseError as exc:
        raise ScheduleError(str(exc)) from None


def short_duration(delta: timedelta) -> str:
    """Compact wording for an offset: 7d, 1d12h, 90m → 1h30m, 0 → "at the time"."""
    seconds = int(delta.total_seconds())
    if seconds == 0:
        return "0"
    out = ""
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        amount, seconds = divmod(seconds, size)
        if amount:
            out += f"{amount}{unit}"
    return out or "0"


#: Timeline events an organiser's automatic reminders follow, with their default offsets.
DEFAULT_ELECTION_OFFSETS: dict[str, tuple[timedelta, ...]] = {
    # 0: the post when nominations close, naming who is on the ballot (with the chart).
    "nominations_close": (timedelta(days=7), timedelta(days=1), timedelta(hours=1), timedelta(0)),
    "ballot_open": (timedelta(0),),
    "ballot_close": (timedelta(hours=24),),
}

#: Deadlines a member's `/remind deadlines` follows.
MEMBER_DEADLINES: tuple[str, ...] = ("nominations_close", "ballot_open", "ballot_close")
DEFAULT_MEMBER_BEFORE = timedelta(hours=24)
_EVENT_ALIASES = {
    "close": "nominations_close",
    "nominations": "nominations_close",
    "nominations_close": "nominations_close",
    "open": "ballot_open",
    "ballot_open": "ballot_open",
    "ballot": "ballot_open",
    "ballot_close": "ballot_close",
    "vote_close": "ballot_close",
}


def parse_offsets(text: str | None) -> dict[str, tuple[timedelta, ...]]:
    """Read reminder offsets for the automatic election reminders.

    A bare list (`7d 1d 1h` or `7d,1d,1h`) sets the nominations-close reminders; keyed groups
    (`close=7d,1d open=0 ballot_close=24h`) set any event. Events not mentioned keep their defaults.
    """
    result = dict(DEFAULT_ELECTION_OFFSETS)
    if not text or not text.strip():
        return result
    # "2 weeks" and "1 day" are one offset each; spaces otherwise separate offsets ("7d 1d 1h")
    groups = re.sub(r"(\d)\s+(?=[a-z])", r"\1", text.lower()).replace(";", " ").split()
    bare: list[timedelta] = []
    for group in groups:
        if "=" in group or ":" in group:
            key, _, values = group.replace(":", "=").partition("=")
            event = _EVENT_ALIASES.get(key.strip().lower())
            if event is None:
                raise ScheduleError(f"Unknown reminder event {key!r}: use close, open or ballot_close.")
            result[event] = _offset_list(values)
        else:
            bare.extend(_offset_list(group))
    if bare:
        result["nominations_close"] = tuple(sorted(set(bare), reverse=True))
    return result


def _offset_list(text: str) -> tuple[timedelta, ...]:
    parts = [p for p in text.split(",") if p.strip()]
    if not parts or parts == ["off"]:
        return ()
    values = sorted({parse_offset(p) for p in parts}, reverse=True)
    if any(v > timedelta(days=60) for v in values):
        raise ScheduleError("Reminders can be at most 60 days before an event.")
    return tuple(values)


def offsets_to_json(offsets: Mapping[str, Iterable[timedelta]]) -> dict[str, list[int]]:
    """Offsets as whole seconds, for storage."""
    return {event: [int(d.total_seconds()) for d in values] for event, values in offsets.items()}


def offsets_from_json(data: Mapping[str, Iterable[int]] | None) -> dict[str, tuple[timedelta, ...]]:
    """Stored offsets back to timedeltas."""
    if not data:
        return dict(DEFAULT_ELECTION_OFFSETS)
    return {event: tuple(timedelta(seconds=s) for s in values) for event, values in data.items()}


_EVENT_WORDS = {
    "nominations_open": "nominations open",
    "nominations_close": "nominations close",
    "ballot_open": "ballot opens",
    "ballot_close": "ballot closes",
    "results": "results due",
}


def describe_offsets(offsets: Mapping[str, Iterable[timedelta]]) -> str:
    """`nominations close: 7 days, 1 day, 1 hour before · ballot opens: at the time · ballot closes: 1 day before`,
    in timeline order (the words people read, not the stored keys)."""
    order = list(_EVENT_WORDS)
    parts = []
    for event in sorted(offsets, key=lambda e: order.index(e) if e in order else len(order)):
        leads = sorted(offsets[event], reverse=True)
        words = [format_duration(d) for d in leads if d]
        text = f"{', '.join(words)} before" if words else ""
        if any(not d for d in leads):
            text = f"{text} and at the time" if text else "at the time"
        parts.append(f"{_EVENT_WORDS.get(event, event.replace('_', ' '))}: {text or 'off'}")
    return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class ReminderPoint:
    """One reminder instant derived from a timeline event: `offset` before `event` (at `event_at`)."""

    event: str
    offset: timedelta
    event_at: datetime

    @property
    def at(self) -> datetime:
        """When the reminder is due."""
        return self.event_at - self.offset

    @property
    def key(self) -> str:
        """Ledger occurrence key: stable while the event's date stays the same."""
        return f"{self.event}-{short_duration(self.offset)}@{self.event_at.astimezone(UTC).isoformat()}"

    def detail(self) -> dict[str, object]:
        """What the sender needs to word the reminder."""
        return {
            "event": self.event,
            "offset": int(self.offset.total_seconds()),
            "event_at": self.event_at.astimezone(UTC).isoformat(),
        }


def reminder_points(timeline: Timeline, offsets: Mapping[str, Iterable[timedelta]]) -> list[ReminderPoint]:
    """Every reminder instant an election's timeline yields for the given offsets, oldest first."""
    points = [
        ReminderPoint(event, offset, at)
        for event, values in offsets.items()
        if (at := getattr(timeline, event, None)) is not None
        for offset in values
    ]
    return sorted(points, key=lambda p: (p.at, p.event))


def member_deadline_points(timeline: Timeline, before: timedelta) -> list[ReminderPoint]:
    """A member's deadline reminders: `before` each of nominations close, ballot open, ballot close."""
    return reminder_points(timeline, {event: (before,) for event in MEMBER_DEADLINES})


def meeting_point(meeting: datetime | None, before: timedelta) -> ReminderPoint | None:
    """A member's branch reminder: `before` the branch's nomination meeting."""
    return ReminderPoint("meeting", before, meeting) if meeting else None


class Quiet(StrEnum):
    """Why a member's reminder has nothing coming, so the reply can say what is actually the case."""

    NO_DATE = "no_date"  # the meeting or deadlines are not set yet
    PASSED = "passed"  # they are all in the past
    TOO_SOON = "too_soon"  # the next one is nearer than `before`: no time left to remind ahead of it


def quiet_reason(
    events: Sequence[datetime | None], before: timedelta, now: datetime
) -> tuple[Quiet, datetime | None] | None:
    """Why no reminder `before` any of `events` is still to come (with the instant it concerns), or None."""
    known = [e for e in events if e is not None]
    if not known:
        return Quiet.NO_DATE, None
    ahead = [e for e in known if e > now]
    if not ahead:
        return (Quiet.NO_DATE if len(known) < len(events) else Quiet.PASSED), max(known)
    if all(e - before <= now for e in ahead):
        return Quiet.TOO_SOON, min(ahead)
    return None


def due_between(points: Iterable[ReminderPoint], after: datetime, until: datetime) -> list[ReminderPoint]:
    """Points due in the half-open window (after, until]."""
    return [p for p in points if after < p.at <= until]


def next_point_after(points: Iterable[ReminderPoint], after: datetime) -> datetime | None:
    """The first due instant strictly after `after`."""
    return min((p.at for p in points if p.at > after), default=None)


# --------------------------------------------------------------------------- delivery rules


class DeliveryStatus(StrEnum):
    """Where one (item, occurrence) stands in the ledger."""

    PENDING = "pending"  # due, waiting to be sent (or to be retried at next_attempt_at)
    SENDING = "sending"  # a send was started; after a crash it is retried with the same nonce
    SENT = "sent"
    LATE = "late"  # sent, but after its due time (within the grace window)
    MISSED = "missed"  # older than the grace window when the bot could send it
    FAILED = "failed"  # Discord refused it for good, or kept failing until the grace ran out
    CANCELLED = "cancelled"
    SKIPPED = "skipped"  # nothing to send (e.g. baseline milestones, no alert channel)

    @property
    def done(self) -> bool:
        """True when nothing more will happen to the delivery."""
        return self not in (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


class Lateness(StrEnum):
    """How late an occurrence is when the bot gets to it."""

    ON_TIME = "on time"
    LATE = "late"
    MISSED = "missed"


ON_TIME_TOLERANCE = timedelta(minutes=1)


def lateness(due: datetime, now: datetime, grace: timedelta) -> Lateness:
    """On time within a minute, late within the grace window, missed beyond it."""
    behind = now - due
    if behind <= ON_TIME_TOLERANCE:
        return Lateness.ON_TIME
    if behind <= grace:
        return Lateness.LATE
    return Lateness.MISSED


class FailureKind(StrEnum):
    """What a failed send means for retrying."""

    TRANSIENT = "transient"  # 5xx, timeouts, connection errors: retry with backoff
    PERMANENT = "permanent"  # unknown channel, missing access/permissions: stop, alert once
    DM_CLOSED = "dm_closed"  # the member doesn't accept DMs from us: pause their reminders
    THROTTLED = "throttled"  # opening DMs too fast: the whole DM lane backs off; never the member's fault


#: Discord JSON error codes that will not go away by retrying.
PERMANENT_CODES: dict[int, str] = {
    10003: "the channel no longer exists",
    10013: "the member no longer exists",
    50001: "I can't see that channel (missing access)",
    50013: "I'm missing permissions to post there",
    50035: "Discord refused the message as invalid",
}
DM_CLOSED_CODES: dict[int, str] = {
    50007: "Discord won't let me DM you (DMs from server members are off, or you blocked the bot)",
    50278: "Discord won't let me DM you",
}


#: "You are opening direct messages too fast" (Discord's JSON error codes): a lane-wide back-off.
DM_THROTTLED_CODE = 40003


def classify_failure(status: int | None, code: int | None, *, opening_dm: bool = False) -> FailureKind:
    """Decide from an HTTP status and Discord error code (None for timeouts / connection errors).

    Only 50007/50278 are about the member; 40003, or a 429 while opening a DM channel, is about our
    pace of opening DMs, so it throttles the lane and never pauses anyone.
    """
    if code in DM_CLOSED_CODES:
        return FailureKind.DM_CLOSED
    if code == DM_THROTTLED_CODE or (opening_dm and status == 429):
        return FailureKind.THROTTLED
    if status is None or status >= 500 or status == 429 or status == 408:
        return FailureKind.TRANSIENT
    return FailureKind.PERMANENT


#: Not a Discord code: the bot saw Discord accept a post but drop its embeds (no Embed Links there).
EMBEDS_DROPPED = -50013


def failure_reason(status: int | None, code: int | None, text: str = "") -> str:
    """Organiser-facing reason for a failure."""
    if code == EMBEDS_DROPPED:
        return "I'm missing Embed Links there, so Discord dropped the post's embeds (I removed the broken post)"
    if code in DM_CLOSED_CODES:
        return DM_CLOSED_CODES[code]
    if code == DM_THROTTLED_CODE:
        return "Discord asked me to open direct messages more slowly; I'll try again shortly"
    if code in PERMANENT_CODES:
        return f"{PERMANENT_CODES[code]} (Discord error {code})"
    if status is None:
        return f"couldn't reach Discord ({text or 'timeout'})"
    if status >= 500:
        return f"Discord had a server error ({status})"
    return f"Discord refused it ({status}{f', error {code}' if code else ''})"


RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(minutes=10)


def retry_delay(attempts: int) -> timedelta:
    """Backoff after `attempts` failed tries: 30 s, 1 min, 2 min, … capped at 10 min."""
    return backoff_delay(RETRY_BASE, max(1, attempts), RETRY_CAP)


THROTTLE_BASE = timedelta(minutes=1)
THROTTLE_CAP = timedelta(minutes=15)


def throttle_delay(strikes: int) -> timedelta:
    """How long the DM lane stops opening channels after its `strikes`-th 40003 in a row: 1, 2, 4 … 15 min."""
    return backoff_delay(THROTTLE_BASE, max(1, strikes), THROTTLE_CAP)


#: Discord de-duplicates an enforced nonce only "in the past few minutes" (Create Message,
#: `enforce_nonce`). Within this margin of an attempt a retry may rely on the nonce; later, an
#: attempt whose outcome is unknown must be reconciled against the channel's messages first.
NONCE_TRUST = timedelta(minutes=2)
#: Read the channel from this long before the first attempt: our clock and Discord's may disagree.
CLOCK_SKEW = timedelta(minutes=1)


def needs_reconcile(first_attempt_at: datetime | None, now: datetime) -> bool:
    """True when an earlier attempt may have posted and the nonce can no longer be trusted to say so."""
    return first_attempt_at is not None and now - first_attempt_at > NONCE_TRUST


def message_marker(content: str, embeds: Iterable[tuple[str | None, str | None]]) -> str:
    """A fingerprint of what a message says (its text and its embeds' titles and descriptions).

    Discord does not return a message's nonce when the channel is read, so a post is recognised by
    what it says; each attempt's fingerprint is kept, since a live view may render differently.
    """
    parts = [content.strip()] + [f"{(title or '').strip()}\x1e{(text or '').strip()}" for title, text in embeds]
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).hexdigest()


K = TypeVar("K")
R = TypeVar("R")


def round_robin(items: Iterable[R], key: Callable[[R], K]) -> list[R]:
    """Interleave items by key (one of each key in turn), keeping each key's own order.

    The channel lane takes rows guild by guild, so one guild's long queue never delays another's post.
    """
    queues: dict[K, list[R]] = {}
    for item in items:
        queues.setdefault(key(item), []).append(item)
    out: list[R] = []
    depth = 0
    while len(out) < sum(len(q) for q in queues.values()):
        out.extend(q[depth] for q in queues.values() if depth < len(q))
        depth += 1
    return out


def nonce_for(key: str) -> str:
    """A Discord message nonce (≤ 25 chars) derived from an (item, occurrence) key."""
    return hashlib.blake2b(key.encode(), digest_size=12).hexdigest()


# --------------------------------------------------------------------------- stored items


class LiveView(StrEnum):
    """Member views an announcement can post, rendered at send time."""

    NOMINATIONS = "nominations"
    RESULTS = "results"
    TIMELINE = "timeline"
    SLATES = "slates"


class Source(StrEnum):
    """What a ledger row delivers."""

    ANNOUNCEMENT = "announcement"
    ELECTION = "election"  # automatic election reminders and milestone posts
    SUBSCRIPTION = "subscription"  # a member's DM reminder
    ALERT = "alert"  # a note to organisers in the alert channel


class Lane(StrEnum):
    """Channel posts and DMs are sent by separate workers so a DM fan-out never blocks a post."""

    CHANNEL = "channel"
    DM = "dm"


@dataclass(slots=True)
class Announcement:
    """A scheduled post: a message with placeholders, or a live view, into one channel."""

    guild_id: int
    channel_id: int
    schedule: Schedule
    content: str = ""
    view: LiveView | None = None
    election_id: int | None = None
    ping_role_id: int | None = None
    ping_everyone: bool = False
    created_by: int | None = None
    created_by_name: str = ""
    created_at: datetime | None = None
    status: str = "active"
    checked_until: datetime | None = None
    next_due: datetime | None = None
    id: int | None = None

    @property
    def kind(self) -> str:
        """`view` for live views, else `message`."""
        return "view" if self.view else "message"


@dataclass(slots=True)
class ElectionReminders:
    """An election's automatic reminders in the announcement channel."""

    election_id: int
    guild_id: int
    enabled: bool
    offsets: dict[str, tuple[timedelta, ...]]
    checked_until: datetime
    updated_by: int | None = None
    updated_at: datetime | None = None


class SubscriptionKind(StrEnum):
    """What a member asked to be reminded of."""

    BRANCH = "branch"
    DEADLINES = "deadlines"


@dataclass(slots=True)
class Subscription:
    """A member's opt-in DM reminder."""

    guild_id: int
    user_id: int
    kind: SubscriptionKind
    before: timedelta
    body_id: int | None = None
    election_id: int | None = None
    status: str = "active"  # or "paused" (e.g. DMs closed)
    paused_reason: str | None = None
    created_at: datetime | None = None
    checked_until: datetime | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class SubscriptionGroup:
    """Active subscriptions that share a target and lead time, so share their reminder instants."""

    guild_id: int
    kind: SubscriptionKind
    before: timedelta
    body_id: int | None
    election_id: int | None
    since: datetime  # the oldest generation cursor among them
    members: int


@dataclass(slots=True)
class Delivery:
    """One ledger row: an (item, occurrence) and what became of it."""

    guild_id: int
    source: Source
    source_id: int
    occurrence: str
    due_at: datetime
    lane: Lane
    target_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    channel_id: int | None = None
    message_id: int | None = None
    reason: str | None = None
    alerted: bool = False
    first_attempt_at: datetime | None = None  # when the first attempt began (its outcome may be unknown)
    marks: list[str] = field(default_factory=list)  # fingerprints of what each attempt sent
    id: int | None = None

    @property
    def key(self) -> str:
        """The (item, occurrence) identity the ledger is unique on."""
        return f"{self.source}:{self.source_id}:{self.occurrence}"

    @property
    def nonce(self) -> str:
        """The message nonce every attempt of this delivery carries."""
        return nonce_for(self.key)
