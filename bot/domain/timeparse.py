"""Times and durations typed by organisers, read in the guild's time zone; countdown wording.

Accepted time forms (case-insensitive):

- `2026-12-01 18:00` (or `T` between; seconds optional) — local time in the guild's zone;
- `2026-12-01T18:00:00+01:00`, `2026-12-01T17:00Z` — ISO 8601 with an offset; the zone is ignored;
- `today 9:30`, `tomorrow 6pm` — local time on that day in the guild's zone;
- `5 dec 18:00`, `5 December 2026 6:30pm`, `dec 5 18:00`, `03/12/2026 18:00` (day first, as in the
  UK), `2026-12-03 7:30pm` — a date without a year is its next coming;
- `friday 18:00` — the next Friday at that time (today, if still ahead); `18:00` — the next 18:00;
- `in 2h`, `in 90m`, `in 3d`, `in 1d 2h`, `in 1h30m` — elapsed time from now (so "in 1d" across a
  clock change is 24 real hours, which reads an hour differently on the wall clock).

A bare date (`2026-12-01`) is rejected: for a deadline "1 December" could mean its first or last
minute, and guessing wrong moves a deadline by a day. Local times are checked against daylight
saving: a time skipped when clocks go forward is an error; a time that happens twice when clocks go
back is an error too, offering both readings with their offsets (a reminder an hour out is worse
than a question).

Clocks are 24-hour (`18:00`, `18.00`) or 12-hour (`6pm`, `6:30 pm`, `noon`, `midnight`). Every form is
written out here rather than handed to a general date parser: those guess (month-first `03/12`, a
missing time filled with midnight), and a guessed deadline is worse than a question.

Files (election packs, CSV, sources) use the same rules through `parse_instant`: the fixed dates only
(with a year), since "today", "friday" or "in 2h" in a file would change meaning with the moment it is read.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ACCEPTED_FORMATS = (
    "5 dec 18:00, 03/12/2026 6pm, friday 18:00, tomorrow 18:00, 18:00, 2026-12-01 18:00 (the server's time zone), "
    "2026-12-01T18:00+01:00 or …Z (ISO 8601), in 2h, in 3d, in 1d 2h"
)
FILE_FORMATS = "2026-12-01 18:00 (the server's time zone), 2026-12-01T18:00:00+00:00 or …Z (ISO 8601)"
DURATION_FORMATS = "2d, 3h, 90m, 1h30m, 1d 2h, 2 days"

_CLOCK = r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?"
_DATE = r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
_LOCAL = re.compile(rf"{_DATE}(?:\s+|t)(?:at\s+)?{_CLOCK}")
_OFFSET = re.compile(rf"{_DATE}(?:\s+|t){_CLOCK}\s*(?P<offset>z|utc|[+-]\d{{2}}(?::?\d{{2}})?)")
_DATE_ONLY = re.compile(_DATE)
_RELATIVE_DAY = re.compile(rf"(?P<day_word>today|tomorrow)\s+(?:at\s+)?{_CLOCK}")
_IN = re.compile(r"in\s+(?P<duration>.+)")

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
            ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
            ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (
            ("mon", "monday"), ("tue", "tues", "tuesday"), ("wed", "wednesday"), ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"), ("sat", "saturday"), ("sun", "sunday"),
        )
    )
    for name in names
}  # fmt: skip
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH = "(?P<mname>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = "(?P<wday>" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s*(?P<y>\d{4}))?"
#: Written dates, each form spelled out: "5 dec [2026]", "dec 5[th] [2026]", "03/12[/2026]" (day first), "2026-12-03".
_DATE_FORMS = (
    re.compile(rf"(?:{_WEEKDAY},?\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}{_YEAR}"),
    re.compile(rf"(?:{_WEEKDAY},?\s+)?{_MONTH}\s+{_DAY}{_YEAR}"),
    re.compile(r"(?P<d>\d{1,2})/(?P<m>\d{1,2})(?:/(?P<y>\d{4}))?"),
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"),
)
_CLOCK_24 = re.compile(r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::(?P<second>\d{2}))?")
_CLOCK_12 = re.compile(r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<half>am|pm|a\.m\.|p\.m\.)")
_CLOCK_WORDS = {"noon": (12, 0), "midday": (12, 0), "midnight": (0, 0)}
_DATE_AND_CLOCK = re.compile(
    r"(?P<date>.*?)(?:,?\s+(?:at\s+)?|^)(?P<clock>[\d:.]+\s*(?:am|pm|a\.m\.|p\.m\.)?|noon|midday|midnight)"
)

_UNITS = {
    "w": 7 * 86400, "wk": 7 * 86400, "wks": 7 * 86400, "week": 7 * 86400, "weeks": 7 * 86400,
    "d": 86400, "day": 86400, "days": 86400,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
}  # fmt: skip
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
_DURATION_JOINERS = re.compile(r"\s*(?:,|\band\b)?\s*")
_MAX_DURATION = timedelta(days=366 * 20)  # far beyond any election; stops overflow on silly input


class TimeParseError(ValueError):
    """A typed time or duration could not be read; the message says what is accepted."""


def parse_time(text: str, zone: ZoneInfo | str, now: datetime) -> datetime:
    """Read a typed time as an aware UTC datetime (see the module docstring for the forms).

    `zone` is the guild's IANA zone; `now` (aware) anchors "today", "tomorrow" and "in …".
    """
    if now.tzinfo is None:
        raise ValueError("`now` must be a timezone-aware datetime")
    tz = _zone(zone)
    raw = text.strip()
    s = " ".join(raw.lower().split())
    if not s:
        raise TimeParseError(f"Please give a time. Accepted: {ACCEPTED_FORMATS}.")

    if m := _OFFSET.fullmatch(s):
        naive = _naive(raw, m)
        return naive.replace(tzinfo=_offset(m["offset"], raw)).astimezone(UTC)
    if m := _LOCAL.fullmatch(s):
        return localise(_naive(raw, m), tz)
    if m := _RELATIVE_DAY.fullmatch(s):
        day = now.astimezone(tz).date() + timedelta(days=1 if m["day_word"] == "tomorrow" else 0)
        hour, minute, second = _clock(raw, m)
        return localise(datetime(day.year, day.month, day.day, hour, minute, second), tz)
    if m := _IN.fullmatch(s):
        try:
            delta = parse_duration(m["duration"])
        except TimeParseError as exc:
            raise TimeParseError(f"Couldn't read “{raw}”: {exc}") from None
        return now.astimezone(UTC) + delta
    if _DATE_ONLY.fullmatch(s) or _date_only(s):
        raise TimeParseError(
            f"“{raw}” has no time of day — add one, e.g. “{s} 18:00” or “{s} 23:59”. Accepted: {ACCEPTED_FORMATS}."
        )
    if (found := _written(s, raw, tz, now, ACCEPTED_FORMATS)) is not None:
        return found
    raise TimeParseError(f"Couldn't read “{raw}” as a time. Accepted: {ACCEPTED_FORMATS}.")


def _date_only(s: str) -> bool:
    """A written date, weekday or day word with no time of day ("5 dec", "friday", "tomorrow")."""
    return s in _WEEKDAYS or s in ("today", "tomorrow") or any(form.fullmatch(s) for form in _DATE_FORMS)


def _written(s: str, raw: str, tz: ZoneInfo, now: datetime | None, accepted: str) -> datetime | None:
    """A date as people write it plus a clock (see the module docstring), or None if `s` is not one.

    `now` None (a file) accepts fixed dates with a year only; otherwise a missing year, a weekday, a day
    word or no date at all mean the next such moment after `now` in the guild's zone.
    """
    m = _DATE_AND_CLOCK.fullmatch(s)
    if m is None:
        return None
    hour_minute = _read_clock(m["clock"], raw, accepted)
    if hour_minute is None:
        return None
    hour, minute, second = hour_minute
    date_text = m["date"].strip()
    local_now = now.astimezone(tz) if now is not None else None

    def at(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, second)

    if not date_text:
        if now is None or local_now is None:
            return None
        # a bare time: the next time the clock shows it (today if still ahead, else tomorrow)
        candidate = at(local_now.date())
        if localise_lenient(candidate, tz) <= now:
            candidate = at(local_now.date() + timedelta(days=1))
        return localise(candidate, tz)
    if date_text in ("today", "tomorrow") or date_text in _WEEKDAYS:
        if now is None or local_now is None:
            return None
        if date_text in ("today", "tomorrow"):
            return localise(at(local_now.date() + timedelta(days=int(date_text == "tomorrow"))), tz)
        ahead = (_WEEKDAYS[date_text] - local_now.weekday()) % 7
        candidate = at(local_now.date() + timedelta(days=ahead))
        if localise_lenient(candidate, tz) <= now:
            candidate = at(local_now.date() + timedelta(days=ahead + 7))
        return localise(candidate, tz)
    for form in _DATE_FORMS:
        if (d := form.fullmatch(date_text)) is None:
            continue
        groups = d.groupdict()
        month = _MONTHS[groups["mname"]] if groups.get("mname") else int(groups["m"])
        day_number = int(groups["d"])
        if groups.get("y") is None and local_now is None:
            return None
        year = int(groups["y"]) if groups.get("y") or local_now is None else local_now.year
        try:
            naive = datetime(year, month, day_number, hour, minute, second)
            if now is not None and groups.get("y") is None and localise_lenient(naive, tz) <= now:
                naive = naive.replace(year=year + 1)  # "5 dec" in late December: next December
        except ValueError:
            raise TimeParseError(f"“{raw}” is not a real date. Accepted: {accepted}.") from None
        if groups.get("wday") and _WEEKDAYS[groups["wday"]] != naive.weekday():
            raise TimeParseError(
                f"“{raw}”: {naive.day} {naive:%B %Y} is a {_DAY_NAMES[naive.weekday()]}, "
                f"not a {_DAY_NAMES[_WEEKDAYS[groups['wday']]]}. Check the date."
            )
        return localise(naive, tz)
    return None


def _read_clock(text: str, raw: str, accepted: str) -> tuple[int, int, int] | None:
    """Hour, minute, second of a 24-hour ("18:00") or 12-hour ("6pm", "6:30 pm") clock, or None."""
    text = text.strip()
    if text in _CLOCK_WORDS:
        return (*_CLOCK_WORDS[text], 0)
    if m := _CLOCK_24.fullmatch(text):
        return _clock(raw, m, accepted)
    if m := _CLOCK_12.fullmatch(text):
        hour, minute = int(m["hour"]), int(m["minute"] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise TimeParseError(
                f"“{raw}” has an impossible time of day (use 1–12 with am or pm). Accepted: {accepted}."
            )
        return hour % 12 + (12 if m["half"].startswith("p") else 0), minute, 0
    return None


def localise_lenient(naive: datetime, zone: ZoneInfo) -> datetime:
    """`naive` in `zone` as UTC without refusing gap or repeated times: only to compare with now."""
    return naive.replace(tzinfo=zone).astimezone(UTC)


def parse_instant(text: str, zone: ZoneInfo | str | None) -> datetime:
    """Read a date and time written in a file as an aware UTC datetime (messages quote the file's text
    with straight quotes, as every import problem does).

    ISO 8601 with an offset (`2026-12-02T19:30:00+00:00`, `…Z`) is taken as written; a local time
    (`2026-12-02 19:30`, `2026-12-02T19:30:00`) is read in `zone`, the server's zone, with the same
    daylight-saving rules as typed times (`localise`). `zone` None (no server to ask) refuses local times.
    """
    raw = text.strip()
    s = " ".join(raw.lower().split())
    if m := _OFFSET.fullmatch(s):
        naive = _naive(raw, m, FILE_FORMATS)
        return naive.replace(tzinfo=_offset(m["offset"], raw, FILE_FORMATS)).astimezone(UTC)
    if m := _LOCAL.fullmatch(s):
        naive = _naive(raw, m, FILE_FORMATS)
    elif _DATE_ONLY.fullmatch(s):
        raise TimeParseError(f'"{raw}" has no time of day; add one, e.g. "{s} 18:00" or "{s} 23:59"')
    elif zone is not None and (written := _written(s, raw, _zone(zone), None, FILE_FORMATS)) is not None:
        return written  # "03/12/2026 18:00", "5 December 2026 6pm": the same forms as typed times
    else:
        try:  # other ISO 8601 spellings ("20261202T193000Z", fractions of a second)
            naive = datetime.fromisoformat(raw)
        except ValueError:
            raise TimeParseError(
                f'"{raw}" is not a date and time like "2026-12-02 19:30" (in the server\'s time zone) '
                'or "2026-12-02T19:30:00+00:00"'
            ) from None
        if naive.tzinfo is not None:
            return naive.astimezone(UTC)
    if zone is None:
        raise TimeParseError(f'"{raw}" has no UTC offset; add one, e.g. "{naive.isoformat()}+00:00" or "Z"')
    return localise(naive, zone)


def localise(naive: datetime, zone: ZoneInfo | str) -> datetime:
    """Attach `zone` to a wall-clock time and convert to UTC, refusing times the clocks skip and
    times that happen twice (clocks going back): those name both readings, as offsets to type."""
    tz = _zone(zone)
    wall = naive.replace(tzinfo=None, fold=0)
    instant = wall.replace(tzinfo=tz).astimezone(UTC)
    # A time in a spring-forward gap doesn't survive the round trip (01:30 comes back as 02:30).
    back = instant.astimezone(tz)
    if back.replace(tzinfo=None) != wall:
        raise TimeParseError(
            f"{wall:%Y-%m-%d %H:%M} doesn't exist in {tz.key}: the clocks go forward then. "
            f"Pick a time outside the gap, e.g. {back:%Y-%m-%d %H:%M}."
        )
    later = wall.replace(tzinfo=tz, fold=1)
    if later.utcoffset() != back.utcoffset():
        first, second = (f"{wall:%Y-%m-%d %H:%M}{_offset_text(t)} ({t.tzname()})" for t in (back, later))
        raise TimeParseError(
            f"{wall:%Y-%m-%d %H:%M} happens twice in {tz.key} as the clocks go back: say {first} or {second}."
        )
    return instant


def _offset_text(moment: datetime) -> str:
    """ "+01:00" for a moment's UTC offset."""
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def parse_duration(text: str) -> timedelta:
    """Read a duration such as "2d", "90m", "1h30m", "1d 2h" or "2 days, 3 hours"."""
    s = " ".join(text.strip().lower().split())
    total = 0.0
    pos = 0
    matched = False
    while pos < len(s):
        m = _DURATION_PART.match(s, pos)
        if not m or m[2] not in _UNITS:
            raise TimeParseError(f"Couldn't read “{text.strip()}” as a duration. Accepted: {DURATION_FORMATS}.")
        total += float(m[1]) * _UNITS[m[2]]
        matched = True
        joiner = _DURATION_JOINERS.match(s, m.end())
        assert joiner is not None  # the joiner pattern also matches the empty string
        pos = joiner.end()
    if not matched:
        raise TimeParseError(f"Please give a duration. Accepted: {DURATION_FORMATS}.")
    if total > _MAX_DURATION.total_seconds():
        raise TimeParseError(f"“{text.strip()}” is too long a duration (at most {_MAX_DURATION.days} days).")
    return timedelta(seconds=total)


def format_duration(delta: timedelta, max_units: int = 2) -> str:
    """Countdown wording: "3 days 4 hours", "2 hours 5 minutes", "1 day", "less than a minute".

    Shows the largest non-zero unit and the next `max_units - 1` units below it (zeros left out),
    truncating — so a countdown never claims more time than is left. Negative durations are
    described by their size; the caller says "ago".
    """
    seconds = int(abs(delta).total_seconds())
    if seconds < 60:
        return "less than a minute"
    parts = [(seconds // 86400, "day"), (seconds % 86400 // 3600, "hour"), (seconds % 3600 // 60, "minute")]
    first = next(i for i, (n, _) in enumerate(parts) if n)
    shown = parts[first : first + max(1, max_units)]
    return " ".join(f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in shown if n)


def _zone(zone: ZoneInfo | str) -> ZoneInfo:
    if isinstance(zone, ZoneInfo):
        return zone
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long to be a file
        raise TimeParseError(f"“{zone}” is not a known time zone (use an IANA name like Europe/London).") from None


def _clock(raw: str, m: re.Match[str], accepted: str = ACCEPTED_FORMATS) -> tuple[int, int, int]:
    hour, minute, second = int(m["hour"]), int(m["minute"]), int(m["second"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise TimeParseError(f"“{raw}” has an impossible time of day (use 00:00–23:59). Accepted: {accepted}.")
    return hour, minute, second


def _naive(raw: str, m: re.Match[str], accepted: str = ACCEPTED_FORMATS) -> datetime:
    hour, minute, second = _clock(raw, m, accepted)
    try:
        return datetime(int(m["year"]), int(m["month"]), int(m["day"]), hour, minute, second)
    except ValueError:
        raise TimeParseError(f"“{raw}” is not a real date. Accepted: {accepted}.") from None


def _offset(text: str, raw: str, accepted: str = ACCEPTED_FORMATS) -> timezone:
    if text in ("z", "utc"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise TimeParseError(f"“{raw}” has an impossible UTC offset. Accepted: {accepted}.")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
