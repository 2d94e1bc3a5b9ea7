"""Typed times in a guild's zone (DST-aware), durations and countdown wording."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.timeparse import (
    TimeParseError,
    format_duration,
    localise,
    parse_duration,
    parse_instant,
    parse_time,
)

LONDON = "Europe/London"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # a Tuesday, GMT (UTC+0)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01 18:00", utc(2026, 12, 1, 18)),  # GMT in winter
        ("2026-07-01 18:00", utc(2026, 7, 1, 17)),  # BST in summer
        ("2026-07-01T18:00", utc(2026, 7, 1, 17)),
        ("2026-7-1 9:05", utc(2026, 7, 1, 8, 5)),
        ("2026-12-01 18:00:30", utc(2026, 12, 1, 18, 0, 30)),
        ("2026-12-01 at 18.00", utc(2026, 12, 1, 18)),
        ("2026-12-01T18:00:00+01:00", utc(2026, 12, 1, 17)),
        ("2026-12-01T18:00:00-0500", utc(2026, 12, 1, 23)),
        ("2026-12-01T18:00:00Z", utc(2026, 12, 1, 18)),
        ("2026-12-01t18:00z", utc(2026, 12, 1, 18)),
        ("2026-12-01 18:00 UTC", utc(2026, 12, 1, 18)),
        ("2026-12-01T18:00:00.123+00:00", utc(2026, 12, 1, 18)),
        ("today 9:30", utc(2026, 11, 24, 9, 30)),
        ("Tomorrow 18:00", utc(2026, 11, 25, 18)),
        ("tomorrow at 07:15", utc(2026, 11, 25, 7, 15)),
        ("in 2h", NOW + timedelta(hours=2)),
        ("in 90m", NOW + timedelta(minutes=90)),
        ("in 3d", NOW + timedelta(days=3)),
        ("in 1d 2h", NOW + timedelta(days=1, hours=2)),
        ("  IN 1h30m ", NOW + timedelta(hours=1, minutes=30)),
        ("in 2 days", NOW + timedelta(days=2)),
    ],
)
def test_parse_time(text: str, expected: datetime) -> None:
    got = parse_time(text, LONDON, NOW)
    assert got == expected
    assert got.tzinfo is UTC


def test_today_uses_the_guild_date_not_utc() -> None:
    # 23:30 UTC on 24 Nov is already 25 Nov in Auckland.
    late = utc(2026, 11, 24, 23, 30)
    assert parse_time("today 10:00", ZoneInfo("Pacific/Auckland"), late) == utc(2026, 11, 24, 21)
    assert parse_time("tomorrow 10:00", "America/New_York", late) == utc(2026, 11, 25, 15)


def test_spring_forward_gap_is_an_error() -> None:
    with pytest.raises(TimeParseError, match=r"2027-03-28 01:30 doesn't exist in Europe/London.*02:30"):
        parse_time("2027-03-28 01:30", LONDON, NOW)
    # Just either side of the gap is fine.
    assert parse_time("2027-03-28 00:59", LONDON, NOW) == utc(2027, 3, 28, 0, 59)
    assert parse_time("2027-03-28 02:00", LONDON, NOW) == utc(2027, 3, 28, 1)


def test_fall_back_ambiguity_is_refused_with_both_readings() -> None:
    # 01:30 happens twice on 25 Oct 2026: first at BST (00:30 UTC), then GMT (01:30 UTC).
    both = r"2026-10-25 01:30 happens twice.*2026-10-25 01:30\+01:00 \(BST\).*2026-10-25 01:30\+00:00 \(GMT\)"
    with pytest.raises(TimeParseError, match=both):
        parse_time("2026-10-25 01:30", LONDON, NOW)
    with pytest.raises(TimeParseError, match="happens twice"):
        localise(datetime(2026, 10, 25, 1, 30, fold=1), LONDON)
    # Each reading, typed as offered, is taken as written; either side of the doubled hour is plain.
    assert parse_time("2026-10-25 01:30+01:00", LONDON, NOW) == utc(2026, 10, 25, 0, 30)
    assert parse_time("2026-10-25 01:30+00:00", LONDON, NOW) == utc(2026, 10, 25, 1, 30)
    assert parse_time("2026-10-25 00:59", LONDON, NOW) == utc(2026, 10, 24, 23, 59)
    assert parse_time("2026-10-25 02:00", LONDON, NOW) == utc(2026, 10, 25, 2)


def test_file_instants_use_the_same_rules_without_relative_forms() -> None:
    assert parse_instant("2026-07-02 19:00", LONDON) == utc(2026, 7, 2, 18)
    assert parse_instant("2026-12-02T19:30:00", LONDON) == utc(2026, 12, 2, 19, 30)
    assert parse_instant("2026-07-02T19:00:00+00:00", LONDON) == utc(2026, 7, 2, 19)
    assert parse_instant("2026-07-02T19:00Z", None) == utc(2026, 7, 2, 19)
    assert parse_instant("20260702T190000Z", None) == utc(2026, 7, 2, 19)
    for text, fragment in [
        ("2026-07-02 19:00", "no UTC offset"),  # no zone given: nothing to read it in
        ("2027-03-28 01:30", "clocks go forward"),
        ("2026-10-25 01:30", "happens twice"),
        ("2026-07-02", "no time of day"),
        ("tomorrow 18:00", "is not a date and time"),
        ("in 2h", "is not a date and time"),
    ]:
        with pytest.raises(TimeParseError, match=fragment):
            parse_instant(text, None if fragment == "no UTC offset" else LONDON)


def test_relative_day_into_gap_is_an_error() -> None:
    with pytest.raises(TimeParseError, match="clocks go forward"):
        parse_time("tomorrow 01:30", LONDON, utc(2027, 3, 27, 12))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2026-12-01", "has no time of day"),
        ("next tuesday", "Couldn't read"),
        ("", "Please give a time"),
        ("2026-02-30 10:00", "not a real date"),
        ("2026-12-01 25:00", "impossible time of day"),
        ("2026-12-01 18:60", "impossible time of day"),
        ("2026-12-01T18:00+25:00", "impossible UTC offset"),
        ("in soon", "as a duration"),
        ("tomorrow", "has no time of day"),
        ("5 dec", "has no time of day"),
        ("friday", "has no time of day"),
        ("31 feb 18:00", "is not a real date"),
        ("31/02/2027 18:00", "is not a real date"),
        ("13pm", "impossible time of day"),
    ],
)
def test_parse_time_errors_list_formats(text: str, fragment: str) -> None:
    with pytest.raises(TimeParseError) as err:
        parse_time(text, LONDON, NOW)
    assert fragment in str(err.value)
    assert "tomorrow 18:00" in str(err.value) or "90m" in str(err.value)
    assert isinstance(err.value, ValueError)


def test_bad_zone_and_naive_now() -> None:
    with pytest.raises(TimeParseError, match="not a known time zone"):
        parse_time("today 10:00", "Mars/Olympus", NOW)
    with pytest.raises(ValueError):
        parse_time("today 10:00", LONDON, datetime(2026, 11, 24))


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("2d", timedelta(days=2)),
        ("90m", timedelta(minutes=90)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1d 2h", timedelta(days=1, hours=2)),
        ("2 days, 3 hours and 5 minutes", timedelta(days=2, hours=3, minutes=5)),
        ("1w", timedelta(weeks=1)),
        ("1.5h", timedelta(minutes=90)),
        ("45 secs", timedelta(seconds=45)),
        ("0m", timedelta(0)),
    ],
)
def test_parse_duration(text: str, delta: timedelta) -> None:
    assert parse_duration(text) == delta


@pytest.mark.parametrize("text", ["", "2", "h", "2 fortnights", "2h-", "-2h", "99999999999d"])
def test_parse_duration_errors(text: str) -> None:
    with pytest.raises(TimeParseError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(days=3, hours=4, minutes=59), "3 days 4 hours"),
        (timedelta(days=1), "1 day"),
        (timedelta(days=1, minutes=5), "1 day"),  # next unit is zero, the one after is out of reach
        (timedelta(hours=2, minutes=5), "2 hours 5 minutes"),
        (timedelta(hours=1, minutes=1), "1 hour 1 minute"),
        (timedelta(minutes=59, seconds=59), "59 minutes"),
        (timedelta(seconds=59), "less than a minute"),
        (timedelta(0), "less than a minute"),
        (-timedelta(hours=3), "3 hours"),
    ],
)
def test_format_duration(delta: timedelta, text: str) -> None:
    assert format_duration(delta) == text


def test_format_duration_units() -> None:
    d = timedelta(days=2, hours=3, minutes=4)
    assert format_duration(d, max_units=1) == "2 days"
    assert format_duration(d, max_units=3) == "2 days 3 hours 4 minutes"


# Monday 30 November 2026, 16:00 in London (GMT)
MONDAY = utc(2026, 11, 30, 16)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 dec 18:00", utc(2026, 12, 5, 18)),
        ("5 December 2026 6:30pm", utc(2026, 12, 5, 18, 30)),
        ("dec 5th 18:00", utc(2026, 12, 5, 18)),
        ("fri 4 dec 12pm", utc(2026, 12, 4, 12)),
        ("friday 18:00", utc(2026, 12, 4, 18)),
        ("monday 17:00", utc(2026, 11, 30, 17)),  # today, still ahead
        ("monday 15:00", utc(2026, 12, 7, 15)),  # today's has passed: next Monday
        ("tomorrow 6pm", utc(2026, 12, 1, 18)),
        ("18:00", utc(2026, 11, 30, 18)),  # a bare time: the next such time
        ("15:00", utc(2026, 12, 1, 15)),
        ("noon", utc(2026, 12, 1, 12)),
        ("12am", utc(2026, 12, 1, 0)),
        ("03/12/2026 18:00", utc(2026, 12, 3, 18)),  # day first, as in the UK
        ("3/12 18:00", utc(2026, 12, 3, 18)),
        ("2026-12-03 7:30pm", utc(2026, 12, 3, 19, 30)),
        ("1 nov 09:00", utc(2027, 11, 1, 9)),  # a date already gone this year: next year's
        ("1 jul 2027 09:00", utc(2027, 7, 1, 8)),  # summer time
    ],
)
def test_written_dates_and_clocks(text: str, expected: datetime) -> None:
    """#18 item 9: the explicit forms people type, read in the server's zone."""
    assert parse_time(text, LONDON, MONDAY) == expected


def test_written_forms_keep_daylight_saving_exact() -> None:
    with pytest.raises(TimeParseError, match="is a Friday, not a Saturday"):
        parse_time("sat 4 dec 2026 18:00", LONDON, MONDAY)
    with pytest.raises(TimeParseError, match="clocks go forward"):
        parse_time("28/03/2027 1:30am", LONDON, MONDAY)
    with pytest.raises(TimeParseError, match=r"\+01:00 \(BST\) or .*\+00:00 \(GMT\)"):
        parse_time("31 oct 2027 01:30", LONDON, MONDAY)


def test_files_take_written_dates_with_a_year_only() -> None:
    assert parse_instant("03/12/2026 18:00", LONDON) == utc(2026, 12, 3, 18)
    assert parse_instant("5 December 2026 6pm", LONDON) == utc(2026, 12, 5, 18)
    for text in ("friday 18:00", "5 dec 18:00", "18:00"):
        with pytest.raises(TimeParseError, match="is not a date and time"):
            parse_instant(text, LONDON)
