"""Sources: the pure rules for keeping a guild's data in step with a published sheet or feed.

A *source* is a URL (a published Google Sheet's CSV link, a JSON election pack, or a file inside the
self-hoster's configured folder) that the bot re-reads on a schedule. This module holds the rules
only — what a source is, when it runs next, when a run must be held for a moderator, how old and
how stale the data it feeds is — with no discord, no SQL and no network.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from urllib.parse import urlsplit

from bot.domain.import_rules import DANGER_SHARE, is_large_removal

#: How often a new source is read when the moderator does not say.
DEFAULT_EVERY = timedelta(minutes=15)
#: The shortest interval a moderator may choose.
MIN_EVERY = timedelta(minutes=1)
#: The longest interval a moderator may choose (a week).
MAX_EVERY = timedelta(days=7)
#: The longest a failing source waits between retries (unless its own interval is longer).
BACKOFF_CAP = timedelta(hours=1)
#: A run that would remove more than this share of a kind's existing rows is held (the rule for every import).
DEFAULT_MAX_DROP_SHARE = DANGER_SHARE
#: Data is called stale when its last successful check is older than this many intervals.
STALE_AFTER_INTERVALS = 3
#: Longest error text kept for `/admin source list` and alerts.
ERROR_MAX = 300


class SourceKind(StrEnum):
    """What a source's URL serves."""

    PACK = "pack"  # a JSON election pack: every kind it contains
    CANDIDATES = "candidates"
    BODIES = "bodies"
    NOMINATIONS = "nominations"
    RESULTS = "results"

    @property
    def is_csv(self) -> bool:
        """True for the CSV kinds (one table per source)."""
        return self is not SourceKind.PACK


#: The data kinds an import plan knows, in the order diffs are shown.
DATA_KINDS: tuple[str, ...] = ("elections", "slates", "candidates", "bodies", "nominations", "results")


class Outcome(StrEnum):
    """How one run of a source ended."""

    APPLIED = "applied"  # changes written
    UNCHANGED = "unchanged"  # 304 or the same content hash: nothing written
    NO_CHANGES = "no changes"  # new content, but it matches the stored data
    HELD = "held"  # a mass drop waits for a moderator
    STILL_HELD = "still held"  # the same held content again: nothing new to say
    FAILED = "failed"  # fetch, parse or validation failed: last good data kept
    SKIPPED = "skipped"  # paused or removed meanwhile


@dataclass(slots=True)
class Source:
    """A configured source and what the bot remembers about its runs."""

    id: int
    guild_id: int
    election: str  # election slug the source feeds
    kind: SourceKind
    url: str
    every: timedelta
    authoritative: bool = True  # may remove rows the source no longer lists
    paused: bool = False
    created_by: int | None = None
    created_at: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None  # last run that fetched and validated (changed or not)
    last_change_at: datetime | None = None  # last run that wrote data
    last_error: str | None = None
    last_error_at: datetime | None = None
    failures: int = 0  # consecutive failed runs (the current streak)
    alerted: bool = False  # a failure alert was sent for the current streak
    next_run_at: datetime | None = None
    rows: int = 0  # rows the source held at its last healthy run
    rows_applied: int = 0  # rows added, changed or removed by applies, in total
    held_hash: str | None = None  # content waiting for a moderator (mass drop)
    held_at: datetime | None = None
    held_summary: str | None = None

    @property
    def label(self) -> str:
        """`#3 candidates → nec-2026` for lists and alerts."""
        return f"#{self.id} {self.kind.value} → {self.election}"

    @property
    def actor_name(self) -> str:
        """The audit actor for this source's runs."""
        return f"source #{self.id} ({self.kind.value}, {display_url(self.url)})"

    @property
    def held(self) -> bool:
        """True while a run waits for a moderator's confirmation."""
        return self.held_hash is not None


# ------------------------------------------------------------------------------------------ options


class SourceRuleError(ValueError):
    """A moderator's source option breaks a rule; the message says how to fix it."""


def parse_every(text: str | None) -> timedelta:
    """`15`, `15m`, `2h`, `1d` (minutes when no unit) to an interval within the allowed bounds."""
    if text is None or not str(text).strip():
        return DEFAULT_EVERY
    raw = str(text).strip().lower().replace(" ", "")
    units = {
        "s": 1 / 60,
        "sec": 1 / 60,
        "secs": 1 / 60,
        "seconds": 1 / 60,
        "m": 1,
        "min": 1,
        "mins": 1,
        "minutes": 1,
        "h": 60,
        "hr": 60,
        "hours": 60,
        "d": 1440,
        "days": 1440,
    }
    number = raw.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = raw[len(number) :] or "m"
    if unit not in units:
        raise SourceRuleError(f"I couldn't read {text!r} as an interval: try `15m`, `2h` or `1d`.")
    try:
        minutes = float(number) * units[unit]
    except ValueError:
        raise SourceRuleError(f"I couldn't read {text!r} as an interval: try `15m`, `2h` or `1d`.") from None
    every = timedelta(minutes=minutes)
    if every < MIN_EVERY:
        raise SourceRuleError("A source can be read at most once a minute: choose `1m` or longer.")
    if every > MAX_EVERY:
        raise SourceRuleError("Read a source at least once a week: choose `7d` or shorter.")
    return every


def check_url_scheme(url: str) -> str:
    """The URL's scheme if it is one a source may use (http, https, file); else a plain refusal."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not parts.hostname:
            raise SourceRuleError("That link has no host name: paste the full `https://…` address.")
        if parts.username or parts.password:
            raise SourceRuleError("Don't put a user name or password in a source link: publish the sheet instead.")
        return scheme
    if scheme == "file":
        return scheme
    raise SourceRuleError("A source must be an `https://` (or `http://`) link, or a `file://` path on the bot's host.")


def display_url(url: str, limit: int = 60) -> str:
    """A short form of a URL for lists (host and the end of the path, no query string)."""
    parts = urlsplit(url)
    text = f"{parts.hostname or ''}{parts.path}" if parts.scheme != "file" else f"file:{parts.path}"
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def rival_for(new_election: str, new_kind: SourceKind, others: Iterable[Source]) -> Source | None:
    """An existing authoritative source that would decide the same rows as a new one (None if none).

    Two sources overlap when they feed the same election with the same kind, or either is a pack
    (a pack may carry every kind). Bodies belong to the whole guild, so two bodies sources overlap
    whatever elections they were added for.
    """
    for other in others:
        if not other.authoritative:
            continue
        if new_kind is SourceKind.BODIES and other.kind is SourceKind.BODIES:
            return other
        if other.election != new_election:
            continue
        if other.kind is new_kind or SourceKind.PACK in (other.kind, new_kind):
            return other
    return None


def may_remove_bodies(source: Source, others: Iterable[Source]) -> bool:
    """Whether a run of `source` may remove bodies (which belong to every election of the guild).

    A bodies source that is authoritative may; a pack may only when no other authoritative source in
    the guild lists bodies (a bodies source or another pack), so packs for two elections never
    remove each other's branches.
    """
    if not source.authoritative:
        return False
    if source.kind is SourceKind.BODIES:
        return True
    if source.kind is not SourceKind.PACK:
        return False
    return not any(
        o.id != source.id and o.authoritative and o.kind in (SourceKind.BODIES, SourceKind.PACK) for o in others
    )


# ------------------------------------------------------------------------------------------ schedule


def backoff_delay(every: timedelta, failures: int, cap: timedelta = BACKOFF_CAP) -> timedelta:
    """How long to wait after the `failures`-th failure in a row: the interval doubled each time, capped.

    The cap never shortens a source's own interval: a source read daily still waits a day.
    """
    if failures <= 0:
        return every
    limit = max(cap, every)
    doubled = every * (1 << min(failures - 1, 20))  # doubles once per failure after the first
    return min(doubled, limit)


def next_run(now: datetime, every: timedelta, failures: int = 0, cap: timedelta = BACKOFF_CAP) -> datetime:
    """When a source runs next after a run at `now` that left `failures` in its streak."""
    return now + backoff_delay(every, failures, cap)


# -------------------------------------------------------------------------------------- mass drops


@dataclass(frozen=True, slots=True)
class DropCheck:
    """Whether a run drops too many rows of some kind, and which."""

    hold: bool
    kind: str | None = None
    removed: int = 0
    before: int = 0

    @property
    def share(self) -> float:
        """The share of that kind's rows the run would remove."""
        return self.removed / self.before if self.before else 0.0

    def describe(self) -> str:
        """Plain words: `it would remove 9 of 12 candidates (75%)`."""
        if not self.hold or self.kind is None:
            return "nothing unusual"
        return f"it would remove {self.removed} of {self.before} {self.kind} ({self.share:.0%})"


def check_mass_drop(
    removed: Mapping[str, int], before: Mapping[str, int], max_share: float = DEFAULT_MAX_DROP_SHARE
) -> DropCheck:
    """Hold a run that removes more than `max_share` of any kind's existing rows.

    Removing a single row is routine (a withdrawn candidate) unless it would empty the table;
    a sheet that suddenly lists nothing is always held.
    """
    worst = DropCheck(hold=False)
    for kind in DATA_KINDS:
        gone = removed.get(kind, 0)
        had = before.get(kind, 0)
        if gone <= 0 or had <= 0:
            continue
        if is_large_removal(gone, had, max_share):
            candidate = DropCheck(hold=True, kind=kind, removed=gone, before=had)
            if not worst.hold or candidate.share > worst.share:
                worst = candidate
    return worst


# -------------------------------------------------------------------------------------- freshness


@dataclass(frozen=True, slots=True)
class Freshness:
    """How current an election's source-fed data is, for member views' footers."""

    checked_at: datetime | None  # the oldest last successful check among the election's sources
    age: timedelta | None
    stale: bool
    failing: bool  # a source is in a failure streak
    paused: bool  # a source is paused
    sources: int

    def describe(self) -> str:
        """Plain words for a footer: `Checked against its source 4 min ago` / `… may be out of date`."""
        if self.sources == 0:
            return ""
        if self.checked_at is None or self.age is None:
            return "Not yet read from its source"
        text = f"Checked against its source {humanize(self.age)} ago"
        if self.stale:
            reason = "the source is failing" if self.failing else "the source is paused" if self.paused else ""
            text += " — may be out of date" + (f" ({reason})" if reason else "")
        return text


def humanize(delta: timedelta) -> str:
    """`45 s`, `4 min`, `3 h`, `2 days` (rounded down)."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    days = seconds // 86400
    return f"{days} day{'s' if days != 1 else ''}"


def freshness(sources: Iterable[Source], now: datetime, intervals: int = STALE_AFTER_INTERVALS) -> Freshness:
    """Freshness of the data fed by `sources` (all for one election): the oldest check decides."""
    items = list(sources)
    if not items:
        return Freshness(None, None, stale=False, failing=False, paused=False, sources=0)
    failing = any(s.failures > 0 for s in items)
    paused = any(s.paused for s in items)
    if any(s.last_success_at is None for s in items):
        return Freshness(None, None, stale=True, failing=failing, paused=paused, sources=len(items))
    checked = min(s.last_success_at for s in items if s.last_success_at is not None)
    age = max(timedelta(0), now - checked)
    stale = any(s.last_success_at is not None and now - s.last_success_at > s.every * intervals for s in items)
    return Freshness(checked, age, stale=stale, failing=failing, paused=paused, sources=len(items))


def clip_error(text: str) -> str:
    """One line of error text, short enough for lists and alerts."""
    line = " ".join(str(text).split())
    return line if len(line) <= ERROR_MAX else line[: ERROR_MAX - 1] + "…"


#: What a moderator is told when a link leads somewhere a source may not read (echoes nothing back).
PRIVATE_ADDRESS = "That link leads to a private or local network address, and a source may only read public addresses."
#: NAT64 prefixes: an IPv6 address in them stands for the IPv4 address in its last 32 bits.
_NAT64 = (IPv6Network("64:ff9b::/96"), IPv6Network("64:ff9b:1::/48"))
#: Carrier-grade NAT (RFC 6598): shared, never a public server.
_SHARED = IPv4Network("100.64.0.0/10")


def is_public_address(address: str | IPv4Address | IPv6Address) -> bool:
    """True only for a public unicast address a source may connect to.

    Loopback, private, link-local, carrier-grade NAT, multicast, unspecified (0.0.0.0, ::), reserved
    and documentation ranges are refused, and so is an IPv6 address that wraps an IPv4 one (mapped
    `::ffff:127.0.0.1`, 6to4, NAT64) unless the address it wraps is public. Anything unreadable is
    refused.
    """
    try:
        ip = ip_address(address.split("%", 1)[0]) if isinstance(address, str) else address
    except ValueError:
        return False
    if isinstance(ip, IPv6Address):
        wrapped = ip.ipv4_mapped or ip.sixtofour
        if wrapped is None and any(ip in net for net in _NAT64):
            wrapped = IPv4Address(int(ip) & 0xFFFFFFFF)
        if wrapped is not None:
            return is_public_address(wrapped)
        if ip.teredo is not None or ip.is_site_local:
            return False
    elif ip in _SHARED:
        return False
    return ip.is_global and not (
        ip.is_multicast or ip.is_unspecified or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_private
    )


def literal_address(host: str) -> IPv4Address | IPv6Address | None:
    """The address a URL's host names literally (`[::1]` → ::1), or None for a DNS name."""
    try:
        return ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


#: Places a problem may be shown at: CSV rows, text positions, JSON paths the parser built itself.
_SAFE_PLACE = re.compile(r"row \d+|line \d+(?:, column \d+)?|[a-z_]+\[\d+\](?:\.[a-z_]+(?:\[\d+\])?)*")
#: Problem texts written by the bot's own checks with no value from the file (quoted parts aside).
_SAFE_PROBLEMS = (
    "unknown field",
    "unknown column",
    "missing column",
    "column given twice",
    "has no name",
    "is required",
    "must be",
    "each ",
    "has ",
    "not UTF-8 text",
    "invalid JSON",
    "file is",
    "the file is empty",
    "more than",
    "unreadable CSV",
    "the pack has neither",
    "a number with more than",
    "reads the same as",
)
_QUOTED = re.compile(r'"[^"]*"|\'[^\']*\'|“[^”]*”|«[^»]*»')
_FIELD = re.compile(r"[a-z_]{1,40}")
#: The tail of a problem text that repeats the file's value or election ("…, not 12", "… in some-slug").
_OFFENDING = re.compile(r",? not .*$| in [a-z0-9-]+$")


def content_free_problem(where: str, field: str, message: str) -> str:
    """One import problem, told without repeating anything the fetched file contained.

    A source may point anywhere public, so what it returned must never come back in Discord: the
    place (a row, or a JSON path the parser built) and the kind of problem are kept; values, quoted
    text, unknown keys and column headings are left out.
    """
    place = where if _SAFE_PLACE.fullmatch(where) else ""
    if message.startswith(_SAFE_PROBLEMS):
        what = _QUOTED.sub("…", message)
        what = _OFFENDING.sub("", what)  # "must be a whole number, not 2.5": the value is the file's
        named = not message.startswith(("unknown", "column given twice")) and _FIELD.fullmatch(field)
        if named:
            place = f"{place}, {field}" if place else field
    else:
        what = "a value isn't valid"
    return f"{place}: {what}" if place else what
