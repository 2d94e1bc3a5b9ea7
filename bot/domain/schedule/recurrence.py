"""Recurrences: repeat rules and schedules, in the guild's wall-clock time.

Recurrences are computed by APScheduler's `CronTrigger` over *local wall-clock time* in the guild's zone,
then mapped to UTC instants: a daily post at 18:00 stays at 18:00 local across a DST change, a wall time
that happens twice (autumn) posts once, and one that never happens (spring) posts an hour later in the
same local day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.domain.schedule.errors import ScheduleError


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
