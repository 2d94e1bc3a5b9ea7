"""Pure rules behind the moderator tools: timelines, nomination limits, two-person publish, audit diffs.

Nothing here touches discord or SQL: the admin services call these with plain values.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.models import Election, ElectionResult, Timeline
from bot.domain.timeparse import TimeParseError, parse_time
from bot.domain.validation import ValidationError, escape_markdown, validate_name, validate_url

#: Audit action kinds a moderator can filter `/admin audit` by (the part of the action before the dot).
AUDIT_KINDS: tuple[str, ...] = (
    "election",
    "candidate",
    "slate",
    "branch",
    "nomination",
    "results",
    "data",
    "config",
    "source",
    "announce",
    "audit",
)

#: How long a first moderator's publish request waits for a second moderator.
PUBLISH_REQUEST_TTL = timedelta(hours=24)

#: Import files the bot accepts, by extension, and the size limit for any attachment.
IMPORT_EXTENSIONS: tuple[str, ...] = (".json", ".csv")
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024

#: Words that clear an optional time or text field when typed instead of a value.
CLEAR_WORDS = frozenset({"clear", "none", "-", "unset"})

TIMELINE_LABELS: dict[str, str] = {
    "nominations_open": "nominations open",
    "nominations_close": "nominations close",
    "ballot_open": "ballot opens",
    "ballot_close": "ballot closes",
    "results": "results due",
}


# ------------------------------------------------------------------------------------------- snapshots


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        return snapshot(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if value is not None and not isinstance(value, (str, int, float, bool)):
        return str(value)
    return value


def snapshot(obj: Any, *, skip: Iterable[str] = ("id", "guild_id", "election_id", "updated_at")) -> dict[str, Any]:
    """A JSON-ready dict of a domain object for the audit log (ids left out: names are what people read)."""
    skipped = set(skip)
    out: dict[str, Any] = {}
    for f in fields(obj):
        if f.name in skipped:
            continue
        out[f.name] = _plain(getattr(obj, f.name))
    if isinstance(obj, Timeline):
        return out
    timeline = out.pop("timeline", None)
    if isinstance(timeline, dict):
        out.update(timeline)
    return out


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[tuple[str, Any, Any]]:
    """Fields whose values differ, as (field, before, after); a missing side counts as None."""
    before = before or {}
    after = after or {}
    keys = list(before) + [k for k in after if k not in before]
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


def audit_kind(action: str) -> str:
    """The kind of an audit action: `candidate.edit` → `candidate`."""
    return action.split(".", 1)[0]


# -------------------------------------------------------------------------------------------- timeline


def check_timeline(timeline: Timeline, zone: str = "UTC") -> None:
    """Each known instant must not come before the ones that logically precede it; the message shows both
    as typed, in the server's `zone`."""
    tz = ZoneInfo(zone)
    order = [(name, getattr(timeline, name)) for name in Timeline.FIELDS]
    for i, (earlier_name, earlier) in enumerate(order):
        if earlier is None:
            continue
        for later_name, later in order[i + 1 :]:
            if later is not None and later < earlier:
                raise ValidationError(
                    later_name,
                    f"{TIMELINE_LABELS[later_name]} ({later.astimezone(tz):%Y-%m-%d %H:%M %Z}) would come before "
                    f"{TIMELINE_LABELS[earlier_name]} ({earlier.astimezone(tz):%Y-%m-%d %H:%M %Z}): check the dates.",
                )


# ----------------------------------------------------------------------------------------- nominations


def nomination_again(recorded: date | None, on: date | None) -> str | None:
    """Adding a nomination that already exists (recorded on `recorded`) again, with the date `on` typed
    (None: no date). Nothing changes silently: the warning to confirm when the date would change, and
    None when nothing would change (no date typed, or the same one) — the caller then refuses."""
    if on is None or on == recorded:
        return None
    was = recorded.isoformat() if recorded else "no date"
    return f"this nomination already exists, so adding it again changes its date from {was} to {on.isoformat()}"


def nomination_warnings(
    election: Election, *, already_nominated: int, on: date | None, already_this_pair: bool = False
) -> list[str]:
    """Reasons a nomination needs a moderator's explicit confirmation (empty: it can go straight in).

    A body may nominate at most `seats` candidates; a nomination should fall in the nomination window.
    """
    warnings: list[str] = []
    if not already_this_pair and already_nominated >= election.seats:
        warnings.append(
            f"this branch has already nominated {already_nominated} candidate(s) and the election has "
            f"{election.seats} seat(s)"
        )
    if on is not None:
        opens, closes = election.timeline.nominations_open, election.timeline.nominations_close
        if opens is not None and on < opens.date():
            warnings.append(f"{on.isoformat()} is before nominations open ({opens.date().isoformat()})")
        if closes is not None and on > closes.date():
            warnings.append(f"{on.isoformat()} is after nominations close ({closes.date().isoformat()})")
    return warnings


def parse_date(text: str, field: str = "date") -> date:
    """A nomination date typed as YYYY-MM-DD."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValidationError(field, f"`{field}` must be a date like 2026-12-01.") from exc


# ------------------------------------------------------------------------------------------ publishing


@dataclass(frozen=True, slots=True)
class PublishRequest:
    """A first moderator's request to publish an election's results, awaiting a second moderator."""

    election_id: int
    requested_by: int
    requested_name: str
    requested_at: datetime
    result_fingerprint: str
    announce: bool = False

    def expired(self, now: datetime) -> bool:
        """Whether the request is too old to be confirmed."""
        return now - self.requested_at > PUBLISH_REQUEST_TTL


def result_fingerprint(result: ElectionResult) -> str:
    """A short hash of a result's figures, so a confirmation cannot publish numbers changed since the request."""
    payload = json.dumps(
        [[sorted(r.votes.items()), sorted(r.elected), sorted(r.excluded)] for r in result.rounds]
        + [result.valid_ballots, result.invalid_ballots],
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class PublishDecision:
    """What a publish attempt does: publish now, or record a request and wait."""

    publish_now: bool
    confirms: PublishRequest | None = None


def decide_publish(
    *,
    two_person: bool,
    actor_id: int,
    pending: PublishRequest | None,
    fingerprint: str,
    now: datetime,
) -> PublishDecision:
    """Apply the publish rule; raise ValidationError when the same moderator tries to confirm their own request."""
    if not two_person:
        return PublishDecision(publish_now=True)
    if pending is None or pending.expired(now) or pending.result_fingerprint != fingerprint:
        return PublishDecision(publish_now=False)
    if pending.requested_by == actor_id:
        raise ValidationError(
            "moderator",
            "Two-person publish is on: a different moderator must confirm the results you asked to publish.",
        )
    return PublishDecision(publish_now=True, confirms=pending)


# ------------------------------------------------------------------------------------------- settings


def update_ids(current: Iterable[int], add: Iterable[int] = (), remove: Iterable[int] = ()) -> list[int]:
    """A role or channel id list with ids added (no duplicates, order kept) and removed."""
    removed = set(remove)
    out = [i for i in current if i not in removed]
    for i in add:
        if i not in out and i not in removed:
            out.append(i)
    return out


def check_attachment(filename: str, size: int) -> str:
    """The import kind (`json` or `csv`) for an attachment, or a ValidationError naming the problem."""
    lower = filename.lower()
    kind = next((ext[1:] for ext in IMPORT_EXTENSIONS if lower.endswith(ext)), None)
    if kind is None:
        raise ValidationError("file", "`file` must be a .json pack or a .csv file.")
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            "file", f"`file` is {size / 1024 / 1024:.1f} MB; the limit is {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB."
        )
    return kind


def is_clear(text: str | None) -> bool:
    """Whether a typed option value means "remove this value"."""
    return text is not None and text.strip().lower() in CLEAR_WORDS


def echo(text: str | None, limit: int = 200) -> str:
    """User text shown back inside a sentence: one line, clipped, layout-breaking markdown escaped."""
    if not text:
        return ""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return escape_markdown(flat)


def parse_links(text: str, field: str = "links") -> dict[str, str]:
    """Links typed one per line as `label https://…` (or a bare URL, labelled by its host)."""
    from urllib.parse import urlsplit

    links: dict[str, str] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        label, _, url = line.rpartition(" ")
        url = validate_url(url, f"{field} line {number}")
        label = label.strip(" :-=") or urlsplit(url).netloc
        links[validate_name(label, f"{field} line {number} label")[:40]] = url
    if len(links) > 10:
        raise ValidationError(field, f"`{field}`: at most 10 links.")
    return links


def parse_when(text: str, zone: str, now: datetime, field: str) -> datetime:
    """A time typed in the guild's zone (or ISO 8601 with an offset), as aware UTC; errors name the field."""
    try:
        return parse_time(text, zone, now)
    except TimeParseError as exc:
        raise ValidationError(field, f"`{field}`: {exc}") from None
