"""Announcement templates: the placeholders a message may use and how they are filled at send time."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.domain.schedule.errors import ScheduleError

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
