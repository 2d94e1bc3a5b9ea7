"""Reminder offsets and points: lead times before a timeline's events, and when each reminder falls due."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.domain.models import Timeline
from bot.domain.schedule.errors import ScheduleError
from bot.domain.timeparse import TimeParseError, format_duration, parse_duration


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
