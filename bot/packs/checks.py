"""Field rules shared by the JSON and CSV readers: types, formats, lengths and limits.

`Fields` reads one item (a JSON object or a CSV row), converts each field to its canonical stored
form and records a `PackIssue` for anything wrong, so one pass over a file collects every problem.
Only fields present in the item land in `Fields.data`: absent means "keep the stored value".
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any, Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.domain import timeparse
from bot.domain.matching import name_key
from bot.domain.validation import (
    MAX_NAME,
    MAX_STATEMENT,
    MAX_URL,
    ValidationError,
    parse_threshold,
)
from bot.packs.issues import Loc, PackIssue

# Limits: generous for real elections, small enough that one upload cannot swamp the bot.
MAX_BYTES: Final = 20 * 1024 * 1024
MAX_CSV_ROWS: Final = 100_000
MAX_BODIES: Final = 5_000
MAX_ELECTIONS: Final = 20
MAX_SLATES: Final = 30
MAX_CANDIDATES: Final = 1_000  # the bot is tested with 500-candidate elections
MAX_NOMINATIONS: Final = 50_000  # body→candidate pairs per election
MAX_ROUNDS: Final = 100
MAX_SEATS: Final = 100
MAX_BIO: Final = MAX_STATEMENT  # names, statements and links share the bot's limits (bot.domain.validation)
MAX_DESCRIPTION: Final = MAX_STATEMENT
MAX_LINKS: Final = 10
MAX_BACKERS: Final = 20

SLUG_RE: Final = re.compile(r"^[a-z0-9-]{1,64}$")
COLOUR_RE: Final = re.compile(r"^#[0-9A-Fa-f]{6}$")
_CONTROL: Final = re.compile(r"[\x00-\x1f]")
VOTING_SYSTEMS: Final = ("bloc", "fptp", "stv")
STATUSES: Final = ("seeking nominations", "on ballot", "withdrawn", "elected", "not elected")
_TRUE: Final = frozenset({"true", "yes", "y", "1", "x", "✓"})
_FALSE: Final = frozenset({"false", "no", "n", "0", ""})


def fold(name: str) -> str:
    """The matching form of a name: the bot's one rule (`bot.domain.matching.name_key`), so case, accents,
    NFC/NFD, invisible characters, spacing and look-alike letters don't make two names different."""
    return name_key(name)


def listed_twice(name: str, first: str, where: str) -> str:
    """Why a file's name is refused when an earlier row (`where`: "as bodies[0]", "on row 2") listed
    `first`, the same name by `fold`: the earlier spelling is quoted when it differs."""
    if name == first:
        return f'"{name}" is already listed {where}'
    return f'"{name}" is the same name as “{first}”, already listed {where}'


class FirstListings:
    """Where each name was first listed in a file, so a repeat is refused naming that place.

    Keys are whatever makes two rows the same (`fold(name)`, or (election, `fold(name)`)).
    """

    def __init__(self) -> None:
        self._first: dict[Hashable, tuple[str, str]] = {}

    def __len__(self) -> int:
        return len(self._first)

    def repeat(self, key: Hashable, name: str, where: str) -> str | None:
        """None, remembering `where` ("as bodies[0]", "on row 2"), the first time `key` is listed;
        after that, why `name` is refused (`listed_twice` against the first listing)."""
        if key in self._first:
            first_where, first_name = self._first[key]
            return listed_twice(name, first_name, first_where)
        self._first[key] = where, name
        return None


def suggest(word: str, options: Iterable[str], cutoff: float = 0.8) -> str:
    """' (did you mean "X"?)' when something close exists, else ''."""
    folded = {fold(o): o for o in options}
    close = difflib.get_close_matches(fold(word), list(folded), n=1, cutoff=cutoff)
    return f' (did you mean "{folded[close[0]]}"?)' if close else ""


def parse_instant(text: str, zone: ZoneInfo | str | None = None) -> datetime:
    """A file's date-time → aware UTC datetime: ISO 8601 with an offset, or a local time read in the
    server's `zone` with the slash commands' daylight-saving rules (`bot.domain.timeparse.parse_instant`).
    Raises ValueError (a TimeParseError) with a reason for the person who wrote the file."""
    return timeparse.parse_instant(text, zone)


def instant_text(value: datetime) -> str:
    """The canonical stored text of an instant (same as the store's codec)."""
    return value.astimezone(UTC).isoformat(timespec="seconds")


class Fields:
    """Reads one item's fields into canonical values, recording issues instead of raising."""

    def __init__(
        self,
        raw: Mapping[str, Any],
        loc: Loc,
        issues: list[PackIssue],
        *,
        allowed: Iterable[str] | None = None,
        csv: bool = False,
        zone: ZoneInfo | str | None = None,
    ) -> None:
        self.raw = raw
        self.loc = loc
        self.issues = issues
        self.csv = csv
        self.zone = zone  # the server's time zone, for date-times written without an offset
        self.data: dict[str, Any] = {}
        for dup in getattr(raw, "duplicates", ()):
            self.bad(dup, "given more than once in the same object")
        if allowed is not None:
            allowed = list(allowed)
            for key in raw:
                if key not in allowed:
                    self.bad(key, f"unknown field{suggest(key, allowed, 0.6)}")

    # -- plumbing -------------------------------------------------------------------------------------

    def bad(self, name: str, message: str) -> None:
        """Record an issue about one field of this item."""
        self.issues.append(self.loc.issue(name, message))

    def given(self, name: str) -> bool:
        """Whether the item has this field at all."""
        return name in self.raw

    def _get(self, name: str, required: bool) -> tuple[bool, Any]:
        if name not in self.raw:
            if required:
                self.bad(name, "is required")
            return False, None
        value = self.raw[name]
        if self.csv and isinstance(value, str):
            value = value.strip()
            if value == "":
                value = None
        if value is None and required:
            self.bad(name, "is required")
            return False, None
        return True, value

    def _type(self, name: str, value: Any, want: str) -> None:
        self.bad(name, f"must be {want}, not {_describe(value)}")

    # -- scalar fields -----------------------------------------------------------------------------------

    def name(self, field: str = "name", *, required: bool = True, store: bool = True) -> str | None:
        """A display name: one line, 1–100 characters after trimming."""
        ok, value = self._get(field, required)
        if not ok or value is None:
            return None
        if not isinstance(value, str):
            self._type(field, value, "text")
            return None
        value = value.strip()
        problem = name_problem(value)
        if problem:
            self.bad(field, problem)
            return None
        if store:
            self.data[field] = value
        return value

    def text(self, field: str, *, max_len: int, nullable: bool = False) -> str | None:
        """Free text up to `max_len` characters; null/blank stores "" (or None when `nullable`)."""
        ok, value = self._get(field, False)
        if not ok:
            return None
        if value is None:
            cleared = None if nullable else ""
            self.data[field] = cleared
            return cleared
        if not isinstance(value, str):
            self._type(field, value, "text")
            return None
        value = value.strip()
        if len(value) > max_len:
            self.bad(field, f"is {len(value):,} characters long; at most {max_len:,} allowed")
            return None
        self.data[field] = value or (None if nullable else "")
        return value

    def integer(
        self, field: str, *, minimum: int = 0, maximum: int | None = None, required: bool = False
    ) -> int | None:
        """A whole number within bounds; null/blank stores None (unless required)."""
        ok, value = self._get(field, required)
        if not ok:
            return None
        if value is None:
            self.data[field] = None
            return None
        number = self._number(field, value)
        if number is None:
            return None
        if isinstance(number, float):
            if not number.is_integer():
                self.bad(field, f"must be a whole number, not {number:g}")
                return None
            number = int(number)
        if number < minimum or (maximum is not None and number > maximum):
            bounds = f"between {minimum:,} and {maximum:,}" if maximum is not None else f"at least {minimum:,}"
            self.bad(field, f"must be {bounds}, not {number:,}")
            return None
        self.data[field] = number
        return number

    def votes(self, field: str, value: Any) -> int | float | None:
        """A vote figure: a finite number ≥ 0 (STV transfers may be fractional)."""
        number = self._number(field, value)
        if number is None:
            return None
        if not math.isfinite(number) or number < 0:
            self.bad(field, f"must be a number of votes ≥ 0, not {number:g}")
            return None
        return int(number) if float(number).is_integer() else float(number)

    def _number(self, field: str, value: Any) -> int | float | None:
        if isinstance(value, bool):
            self._type(field, value, "a number")
            return None
        if isinstance(value, int | float):
            return value
        if self.csv and isinstance(value, str):
            # Spreadsheets write "68,388" or "68 388": thousands separators are not decimals here.
            cleaned = re.sub(r"[,_\s]", "", value)
            try:
                return int(cleaned)
            except ValueError:
                try:
                    number = float(cleaned)
                except ValueError:
                    self.bad(field, f'"{value}" is not a number')
                    return None
                if not math.isfinite(number):
                    self.bad(field, f'"{value}" is not a number')
                    return None
                return number
        self._type(field, value, "a number")
        return None

    def boolean(self, field: str) -> bool | None:
        """true/false (CSV also: yes/no, y/n, 1/0, x, blank = false)."""
        if field not in self.raw:
            return None
        value = self.raw[field]
        if self.csv and isinstance(value, str):
            word = value.strip().casefold()
            if word in _TRUE:
                value = True
            elif word in _FALSE:
                value = False
        if value is None and self.csv:
            value = False
        if not isinstance(value, bool):
            self._type(field, value, "true or false")
            return None
        self.data[field] = value
        return value

    def choice(self, field: str, options: tuple[str, ...], *, required: bool = False) -> str | None:
        """One of fixed words (case-insensitive, "_" may stand for a space)."""
        ok, value = self._get(field, required)
        if not ok or value is None:
            return None
        if not isinstance(value, str):
            self._type(field, value, "text")
            return None
        word = " ".join(value.replace("_", " ").split()).casefold()
        if word not in options:
            listed = ", ".join(f'"{o}"' for o in options)
            self.bad(field, f'"{value}" is not one of {listed}')
            return None
        self.data[field] = word
        return word

    def slug(self, field: str = "slug") -> str | None:
        """An election's short id: lower-case letters, digits and hyphens."""
        ok, value = self._get(field, True)
        if not ok:
            return None
        if not isinstance(value, str):
            self._type(field, value, "text")
            return None
        value = value.strip()
        if not SLUG_RE.match(value):
            self.bad(field, f'"{value}" must be 1–64 lower-case letters, digits or hyphens (e.g. "nec-2018")')
            return None
        return value

    def colour(self, field: str = "colour") -> str | None:
        """A #RRGGBB colour, stored upper-case."""
        ok, value = self._get(field, False)
        if not ok:
            return None
        if value is None:
            self.data[field] = None
            return None
        if not isinstance(value, str) or not COLOUR_RE.match(value.strip()):
            self.bad(field, f'{_describe(value)} is not a colour like "#C8102E"')
            return None
        colour = value.strip().upper()
        self.data[field] = colour
        return colour

    def url(self, field: str) -> str | None:
        """An http(s) URL; null/blank stores None."""
        ok, value = self._get(field, False)
        if not ok:
            return None
        if value is None or value == "":
            self.data[field] = None
            return None
        problem = url_problem(value)
        if problem:
            self.bad(field, problem)
            return None
        link: str = value.strip()  # url_problem passed it, so it is text
        self.data[field] = link
        return link

    def instant(self, field: str, *, store_as: str | None = None) -> str | None:
        """A date-time (ISO 8601 with offset, or local in the server's zone), stored as UTC text."""
        return self._parsed(
            field, store_as, "a date-time text", lambda text: instant_text(parse_instant(text, self.zone)), None
        )

    def day(self, field: str, *, store_as: str | None = None) -> str | None:
        """A calendar date "YYYY-MM-DD"; null/blank stores None."""
        return self._parsed(
            field,
            store_as,
            'a date text like "2017-11-10"',
            lambda text: date.fromisoformat(text.strip()).isoformat(),
            'is not a date like "2017-11-10"',
        )

    def _parsed(
        self, field: str, store_as: str | None, expected: str, parse: Callable[[str], str], problem: str | None
    ) -> str | None:
        """A text value parsed into its stored form; null stores None; `problem` words a parse failure
        (None: the parser's own message)."""
        ok, value = self._get(field, False)
        if not ok:
            return None
        key = store_as or field
        if value is None:
            self.data[key] = None
            return None
        if not isinstance(value, str):
            self._type(field, value, expected)
            return None
        try:
            parsed = parse(value)
        except ValueError as exc:
            self.bad(field, f'"{value}" {problem}' if problem else str(exc))
            return None
        self.data[key] = parsed
        return parsed

    def body(self) -> str | None:
        """A nominating body's fields (kind, region, members, meeting); returns its name if usable."""
        name = self.name(store=False)
        self.text("kind", max_len=MAX_NAME)
        self.text("region", max_len=MAX_NAME)
        self.integer("members", maximum=10_000_000)
        self.instant("meeting")
        return name

    def threshold(self, field: str = "nomination_threshold") -> str | None:
        """Nominations needed: a count ("35", 35) or a percentage of bodies ("5%"); stored as text."""
        ok, value = self._get(field, False)
        if not ok:
            return None
        if value is None:
            self.data["threshold"] = None
            return None
        canonical = threshold_text(value)
        if canonical is None:
            self.bad(field, f'{_describe(value)} is not a threshold like "5%" or 35')
            return None
        self.data["threshold"] = canonical
        return canonical

    def string_list(self, field: str, *, max_items: int) -> list[str] | None:
        """A list of short names (e.g. a slate's backers), duplicates refused."""
        ok, value = self._get(field, False)
        if not ok:
            return None
        if value is None:
            self.data[field] = []
            return []
        if not isinstance(value, list):
            self._type(field, value, "a list of names")
            return None
        if len(value) > max_items:
            self.bad(field, f"has {len(value)} entries; at most {max_items} allowed")
            return None
        out: list[str] = []
        seen: set[str] = set()
        for i, item in enumerate(value):
            sub = f"{field}[{i}]"
            if not isinstance(item, str):
                self._type(sub, item, "text")
                continue
            item = item.strip()
            problem = name_problem(item)
            if problem:
                self.bad(sub, problem)
            elif fold(item) in seen:
                self.bad(sub, f'"{item}" is listed twice')
            else:
                seen.add(fold(item))
                out.append(item)
        self.data[field] = out
        return out

    def links(self, field: str = "links") -> dict[str, str] | None:
        """Labelled http(s) links: {"label": "https://…"} (CSV: "label=url | label=url")."""
        ok, value = self._get(field, False)
        if not ok:
            return None
        if value is None:
            self.data[field] = {}
            return {}
        if self.csv and isinstance(value, str):
            value = _csv_links(value, lambda msg: self.bad(field, msg))
            if value is None:
                return None
        if not isinstance(value, Mapping):
            self._type(field, value, 'an object of {"label": "https://…"}')
            return None
        if len(value) > MAX_LINKS:
            self.bad(field, f"has {len(value)} links; at most {MAX_LINKS} allowed")
            return None
        out: dict[str, str] = {}
        for label, link in value.items():
            sub = f"{field}.{label}"
            problem = name_problem(label.strip()) if isinstance(label, str) else "must be text"
            if problem:
                self.bad(sub, f"label {problem}")
                continue
            problem = url_problem(link)
            if problem:
                self.bad(sub, problem)
                continue
            out[label.strip()] = link.strip()
        self.data[field] = out
        return out


def name_problem(value: str) -> str | None:
    """Why a name is unusable, or None."""
    if not value:
        return "must not be blank"
    if len(value) > MAX_NAME:
        return f"is {len(value)} characters long; at most {MAX_NAME} allowed"
    if _CONTROL.search(value):
        return "must be on one line"
    return None


def url_problem(value: Any) -> str | None:
    """Why a value is not an http(s) URL, or None."""
    if not isinstance(value, str):
        return f"must be an http(s) URL, not {_describe(value)}"
    value = value.strip()
    if len(value) > MAX_URL:
        return f"URL is {len(value)} characters long; at most {MAX_URL} allowed"
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or any(ch.isspace() for ch in value)
    ):
        return f'"{value}" is not an http(s) URL'
    return None


def threshold_text(value: Any) -> str | None:
    """Canonical threshold text ("5%", "35") or None when the value is not a threshold.

    Same rules as the bot's own settings (a whole count ≥ 1, or more than 0% and at most 100%).
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        return str(parse_threshold(str(value)))
    except ValidationError:
        return None


def _csv_links(text: str, report: Callable[[str], None]) -> dict[str, str] | None:
    out: dict[str, str] = {}
    for part in text.split("|"):
        part = part.strip()
        if not part:
            continue
        label, sep, link = part.partition("=")
        if not sep:
            report(f'"{part}" must be written label=https://…')
            return None
        out[label.strip()] = link.strip()
    return out


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"' if len(value) <= 40 else f'"{value[:37]}…"'
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
