"""Conversions between stored text and Python values (UTC instants, dates, JSON)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any, overload


def dt_to_db(value: datetime | None) -> str | None:
    """Store an aware datetime as ISO 8601 UTC text."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("refusing to store a naive datetime")
    return value.astimezone(UTC).isoformat(timespec="seconds")


@overload
def dt_from_db(value: str) -> datetime: ...
@overload
def dt_from_db(value: None) -> None: ...
@overload
def dt_from_db(value: str | None) -> datetime | None: ...
def dt_from_db(value: str | None) -> datetime | None:
    """Read ISO 8601 text back into an aware UTC datetime (None stays None)."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def date_to_db(value: date | None) -> str | None:
    """Store a date as YYYY-MM-DD."""
    return value.isoformat() if value else None


def date_from_db(value: str | None) -> date | None:
    """Read a YYYY-MM-DD date."""
    return date.fromisoformat(value) if value else None


def to_json(value: Any) -> str:
    """Compact, key-sorted JSON so equal values store equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def from_json(value: str | None, default: Any = None) -> Any:
    """Parse stored JSON, with a default for NULL."""
    return default if value is None else json.loads(value)
