"""The stored items and the delivery ledger's records: announcements, reminders, subscriptions, deliveries."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.domain.schedule.recurrence import Schedule


class DeliveryStatus(StrEnum):
    """Where one (item, occurrence) stands in the ledger."""

    PENDING = "pending"  # due, waiting to be sent (or to be retried at next_attempt_at)
    SENDING = "sending"  # a send was started; after a crash it is retried with the same nonce
    SENT = "sent"
    LATE = "late"  # sent, but after its due time (within the grace window)
    MISSED = "missed"  # older than the grace window when the bot could send it
    FAILED = "failed"  # Discord refused it for good, or kept failing until the grace ran out
    CANCELLED = "cancelled"
    SKIPPED = "skipped"  # nothing to send (e.g. baseline milestones, no alert channel)

    @property
    def done(self) -> bool:
        """True when nothing more will happen to the delivery."""
        return self not in (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


def nonce_for(key: str) -> str:
    """A Discord message nonce (≤ 25 chars) derived from an (item, occurrence) key."""
    return hashlib.blake2b(key.encode(), digest_size=12).hexdigest()


class LiveView(StrEnum):
    """Member views an announcement can post, rendered at send time."""

    NOMINATIONS = "nominations"
    RESULTS = "results"
    TIMELINE = "timeline"
    SLATES = "slates"


class Source(StrEnum):
    """What a ledger row delivers."""

    ANNOUNCEMENT = "announcement"
    ELECTION = "election"  # automatic election reminders and milestone posts
    SUBSCRIPTION = "subscription"  # a member's DM reminder
    ALERT = "alert"  # a note to organisers in the alert channel


class Lane(StrEnum):
    """Channel posts and DMs are sent by separate workers so a DM fan-out never blocks a post."""

    CHANNEL = "channel"
    DM = "dm"


@dataclass(slots=True)
class Announcement:
    """A scheduled post: a message with placeholders, or a live view, into one channel."""

    guild_id: int
    channel_id: int
    schedule: Schedule
    content: str = ""
    view: LiveView | None = None
    election_id: int | None = None
    ping_role_id: int | None = None
    ping_everyone: bool = False
    created_by: int | None = None
    created_by_name: str = ""
    created_at: datetime | None = None
    status: str = "active"
    checked_until: datetime | None = None
    next_due: datetime | None = None
    id: int | None = None

    @property
    def kind(self) -> str:
        """`view` for live views, else `message`."""
        return "view" if self.view else "message"


@dataclass(slots=True)
class ElectionReminders:
    """An election's automatic reminders in the announcement channel."""

    election_id: int
    guild_id: int
    enabled: bool
    offsets: dict[str, tuple[timedelta, ...]]
    checked_until: datetime
    updated_by: int | None = None
    updated_at: datetime | None = None


class SubscriptionKind(StrEnum):
    """What a member asked to be reminded of."""

    BRANCH = "branch"
    DEADLINES = "deadlines"


@dataclass(slots=True)
class Subscription:
    """A member's opt-in DM reminder."""

    guild_id: int
    user_id: int
    kind: SubscriptionKind
    before: timedelta
    body_id: int | None = None
    election_id: int | None = None
    status: str = "active"  # or "paused" (e.g. DMs closed)
    paused_reason: str | None = None
    created_at: datetime | None = None
    checked_until: datetime | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class SubscriptionGroup:
    """Active subscriptions that share a target and lead time, so share their reminder instants."""

    guild_id: int
    kind: SubscriptionKind
    before: timedelta
    body_id: int | None
    election_id: int | None
    since: datetime  # the oldest generation cursor among them
    members: int


@dataclass(slots=True)
class Delivery:
    """One ledger row: an (item, occurrence) and what became of it."""

    guild_id: int
    source: Source
    source_id: int
    occurrence: str
    due_at: datetime
    lane: Lane
    target_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    channel_id: int | None = None
    message_id: int | None = None
    reason: str | None = None
    alerted: bool = False
    first_attempt_at: datetime | None = None  # when the first attempt began (its outcome may be unknown)
    marks: list[str] = field(default_factory=list)  # fingerprints of what each attempt sent
    id: int | None = None

    @property
    def key(self) -> str:
        """The (item, occurrence) identity the ledger is unique on."""
        return f"{self.source}:{self.source_id}:{self.occurrence}"

    @property
    def nonce(self) -> str:
        """The message nonce every attempt of this delivery carries."""
        return nonce_for(self.key)
