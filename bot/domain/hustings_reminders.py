"""A member's "Remind me 1 h before" on a hustings: when its DM is due and what identifies it in the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

#: How long before a hustings starts its reminder DM is sent.
LEAD = timedelta(hours=1)


@dataclass(slots=True)
class HustingsReminder:
    """One member's reminder for one hustings."""

    guild_id: int
    hustings_id: int
    user_id: int
    checked_until: datetime  # planned up to here (the planning cursor)
    id: int | None = None


def due_at(starts_at: datetime) -> datetime:
    """When the reminder for a hustings starting at `starts_at` is sent."""
    return starts_at - LEAD


def occurrence(hustings_id: int, starts_at: datetime) -> str:
    """The ledger occurrence: a hustings moved to another time is a new reminder, the old one is skipped."""
    return f"hustings:{hustings_id}:{int(starts_at.timestamp())}"


def ledger_id(reminder_id: int) -> int:
    """The ledger's source id for a reminder: negative, so it never meets a member subscription's id."""
    return -reminder_id


def reminder_id(ledger_source_id: int) -> int:
    """The reminder a ledger row belongs to (see `ledger_id`)."""
    return -ledger_source_id


def is_due(reminder: HustingsReminder, starts_at: datetime, now: datetime) -> bool:
    """Due in this planning pass: its instant fell after the cursor and is not in the future."""
    at = due_at(starts_at)
    return reminder.checked_until < at <= now
