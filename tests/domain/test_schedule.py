"""Recurrences across DST, placeholders, offsets, lateness and failure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.models import Timeline
from bot.domain.schedule.errors import ScheduleError
from bot.domain.schedule.ledger import nonce_for
from bot.domain.schedule.recurrence import RepeatKind, Schedule, parse_repeat
from bot.domain.schedule.reminders import (
    DEFAULT_ELECTION_OFFSETS,
    meeting_point,
    member_deadline_points,
    parse_offset,
    parse_offsets,
    reminder_points,
    short_duration,
)
from bot.domain.schedule.sending import Lateness, lateness, retry_delay
from bot.domain.schedule.templates import check_message, fill, placeholders_in

LONDON = ZoneInfo("Europe/London")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (None, RepeatKind.NONE),
        ("none", RepeatKind.NONE),
        ("Daily", RepeatKind.DAILY),
        ("weekly", RepeatKind.WEEKLY),
        ("weekdays", RepeatKind.WEEKDAYS),
        ("0 18 * * mon-fri", RepeatKind.CRON),
    ],
)
def test_parse_repeat(text, kind):
    assert parse_repeat(text).kind is kind


@pytest.mark.parametrize("text", ["every so often", "0 18 * *", "99 18 * * *"])
def test_parse_repeat_refuses(text):
    with pytest.raises(ScheduleError):
        parse_repeat(text)


def test_daily_keeps_local_time_across_spring_dst():
    first = local(2027, 3, 25, 18, 0)
    sched = Schedule(first, parse_repeat("daily"), "Europe/London")
    got = sched.between(first - timedelta(seconds=1), first + timedelta(days=5))
    assert [o.astimezone(LONDON).strftime("%d %H:%M") for o in got] == [
        "25 18:00",
        "26 18:00",
        "27 18:00",
        "28 18:00",
        "29 18:00",
        "30 18:00",
    ]
    assert got[3] - got[2] == timedelta(hours=23)  # the short day


def test_daily_posts_once_on_the_autumn_repeated_hour():
    first = local(2026, 10, 24, 1, 30)
    sched = Schedule(first, parse_repeat("daily"), "Europe/London")
    got = sched.between(first - timedelta(seconds=1), first + timedelta(days=3, hours=1))
    days = [o.astimezone(LONDON).date().day for o in got]
    assert days == [24, 25, 26, 27]


def test_daily_skipped_wall_time_posts_later_the_same_day():
    first = local(2027, 3, 27, 1, 30)
    got = Schedule(first, parse_repeat("daily"), "Europe/London").between(first, first + timedelta(days=2))
    assert [o.astimezone(LONDON).strftime("%d %H:%M") for o in got] == ["28 02:30", "29 01:30"]


def test_weekly_weekdays_and_cron():
    first = local(2026, 12, 1, 18, 0)  # a Tuesday
    week = Schedule(first, parse_repeat("weekly"), "Europe/London").upcoming(first - timedelta(seconds=1), 3)
    assert [o.astimezone(LONDON).strftime("%a %d") for o in week] == ["Tue 01", "Tue 08", "Tue 15"]
    wd = Schedule(local(2026, 12, 4, 9, 0), parse_repeat("weekdays"), "Europe/London").upcoming(
        local(2026, 12, 4, 9, 0), 3
    )
    assert [o.astimezone(LONDON).strftime("%a") for o in wd] == ["Mon", "Tue", "Wed"]
    cron = Schedule(first, parse_repeat("30 7 * * sat"), "Europe/London").upcoming(first, 2)
    assert [o.astimezone(LONDON).strftime("%a %d %H:%M") for o in cron] == ["Sat 05 07:30", "Sat 12 07:30"]


def test_until_and_one_off():
    first = local(2026, 12, 1, 18, 0)
    sched = Schedule(first, parse_repeat("daily"), "Europe/London", until=first + timedelta(days=2))
    assert len(sched.between(first - timedelta(seconds=1), first + timedelta(days=30))) == 3
    assert sched.next_after(first + timedelta(days=2)) is None
    once = Schedule(first)
    assert once.between(first - timedelta(hours=1), first) == [first]
    assert once.between(first, first + timedelta(days=1)) == []
    assert once.upcoming(first - timedelta(days=1)) == [first]


def test_placeholders():
    text = "Close {nominations_close} in {days_to_nominations_close} days; {qualified} qualified. {} {x y}"
    assert placeholders_in(text) == ["nominations_close", "days_to_nominations_close", "qualified"]
    check_message(text)
    with pytest.raises(ScheduleError, match=r"\{winner\}"):
        check_message("And the {winner} is")
    with pytest.raises(ScheduleError):
        check_message("   ")
    assert fill("{election}: {qualified} {other}", {"election": "NEC", "qualified": "3"}) == "NEC: 3 {other}"


def test_durations_and_offsets():
    assert parse_offset("24h") == timedelta(hours=24)
    assert parse_offset("1d12h") == timedelta(hours=36)
    assert parse_offset("90m") == timedelta(minutes=90)
    assert parse_offset("2 hours") == timedelta(hours=2)
    assert parse_offset("0") == timedelta(0)
    with pytest.raises(ScheduleError):
        parse_offset("soon")
    assert short_duration(timedelta(hours=36)) == "1d12h"
    assert parse_offsets(None) == DEFAULT_ELECTION_OFFSETS
    offsets = parse_offsets("3d 2h")
    assert offsets["nominations_close"] == (timedelta(days=3), timedelta(hours=2))
    assert offsets["ballot_close"] == DEFAULT_ELECTION_OFFSETS["ballot_close"]
    keyed = parse_offsets("close=1d open=off ballot_close=2h")
    assert keyed["ballot_open"] == () and keyed["ballot_close"] == (timedelta(hours=2),)
    with pytest.raises(ScheduleError):
        parse_offsets("results=1d")


def test_reminder_points():
    close = datetime(2026, 12, 10, 17, tzinfo=UTC)
    timeline = Timeline(nominations_close=close, ballot_open=close + timedelta(days=3))
    points = reminder_points(timeline, DEFAULT_ELECTION_OFFSETS)
    assert [(p.event, p.at) for p in points] == [
        ("nominations_close", close - timedelta(days=7)),
        ("nominations_close", close - timedelta(days=1)),
        ("nominations_close", close - timedelta(hours=1)),
        ("nominations_close", close),  # the post when nominations close (#17)
        ("ballot_open", close + timedelta(days=3)),
    ]
    assert len({p.key for p in points}) == 5
    member = member_deadline_points(timeline, timedelta(hours=24))
    assert [p.event for p in member] == ["nominations_close", "ballot_open"]
    assert meeting_point(None, timedelta(hours=1)) is None
    assert meeting_point(close, timedelta(hours=1)).at == close - timedelta(hours=1)


def test_lateness_retries_nonce():
    due = datetime(2026, 12, 1, 18, tzinfo=UTC)
    grace = timedelta(minutes=60)
    assert lateness(due, due + timedelta(seconds=30), grace) is Lateness.ON_TIME
    assert lateness(due, due + timedelta(minutes=30), grace) is Lateness.LATE
    assert lateness(due, due + timedelta(hours=3), grace) is Lateness.MISSED
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 10)] == [30, 60, 120, 600]
    assert nonce_for("a:1") == nonce_for("a:1") != nonce_for("a:2")
    assert len(nonce_for("x")) <= 25


def test_fortnightly_and_everyday_repeat_words() -> None:
    """#18 item 11: `fortnightly` (and "every 2 weeks") post every other week, across a clock change."""
    from bot.domain.schedule.recurrence import RepeatKind, Schedule, parse_repeat

    assert parse_repeat("every 2 weeks").kind is RepeatKind.FORTNIGHTLY
    assert parse_repeat("Fortnightly").describe() == "every two weeks"
    start = datetime(2027, 3, 16, 18, tzinfo=UTC)  # Tuesday 18:00 GMT; BST from 28 March
    got = Schedule(start, parse_repeat("fortnightly"), "Europe/London").upcoming(start - timedelta(seconds=1), 3)
    assert got == [start, datetime(2027, 3, 30, 17, tzinfo=UTC), datetime(2027, 4, 13, 17, tzinfo=UTC)]


def test_offsets_read_spelled_out_units() -> None:
    """#18 item 11: `2 weeks` is one offset, not "2" and "weeks"."""
    from bot.domain.schedule.reminders import parse_offsets

    offsets = parse_offsets("2 weeks, 1 day")
    assert offsets["nominations_close"] == (timedelta(days=14), timedelta(days=1))
    assert parse_offsets("close=2 weeks")["nominations_close"] == (timedelta(days=14),)
    assert parse_offsets("7d 1d 1h")["nominations_close"] == (timedelta(days=7), timedelta(days=1), timedelta(hours=1))
