"""What the delivery engine talks to: messages, the outbox it sends through, the producers it plans for."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import discord

from bot.domain.schedule.ledger import Delivery, DeliveryStatus, Lane, Source
from bot.domain.schedule.sending import FailureKind, message_marker
from bot.store.engine import Connection

# --------------------------------------------------------------------------- ports


@dataclass(slots=True)
class Outgoing:
    """A message ready to send (built by the render layer): text, embeds, files and who may be pinged."""

    content: str = ""
    embeds: list[discord.Embed] = field(default_factory=list)
    files: Callable[[], list[discord.File]] | None = None  # fresh files per attempt
    allowed_mentions: discord.AllowedMentions = field(default_factory=discord.AllowedMentions.none)
    view: discord.ui.View | None = None  # stateless buttons (DynamicItems), composed by the render layer


@dataclass(frozen=True, slots=True)
class Sent:
    """Where a message landed."""

    channel_id: int
    message_id: int


class SendError(Exception):
    """A send that was refused or never got an answer, as the outbox classified it.

    `kind` says what it means for retrying, `reason` says why in the organisers' words, and `status` is
    the HTTP status (None: no answer) that the invalid-request guard counts.
    """

    def __init__(self, status: int | None, kind: FailureKind, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.kind = kind
        self.reason = reason
        #: The bot's permissions missing in that channel, by their names in Discord's settings, when known.
        self.missing: list[str] = []


class Outbox(Protocol):
    """Sends messages; raises `SendError` on failure."""

    async def post(self, channel_id: int, message: Outgoing, nonce: str) -> Sent:
        """Post into a channel."""
        ...

    async def dm(self, user_id: int, message: Outgoing, nonce: str) -> Sent:
        """Send a direct message."""
        ...

    async def dm_requests(self, user_id: int) -> int:
        """How many requests a DM to this member takes (2 while their DM channel is not open yet)."""
        ...

    async def open_dm(self, user_id: int) -> None:
        """Open (and remember) the member's DM channel, if not open yet."""
        ...

    async def find_sent(self, lane: Lane, target_id: int, after: datetime, marks: set[str]) -> list[Sent]:
        """Our messages in the target's channel since `after` whose fingerprint is one of `marks`."""
        ...


def outgoing_marker(message: Outgoing) -> str:
    """The fingerprint of a message about to be sent (see `message_marker`)."""
    return message_marker(message.content, [(e.title, e.description) for e in message.embeds])


class Skip(Exception):
    """Raised by a producer when an occurrence should not be sent after all."""

    def __init__(self, reason: str, status: DeliveryStatus = DeliveryStatus.SKIPPED) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class Producer(Protocol):
    """A use-case whose stored items become ledger rows (announcements, reminders)."""

    @property
    def sources(self) -> tuple[Source, ...]:
        """The ledger sources whose rows this producer plans and prepares."""
        ...

    async def plan(self, tx: Connection, now: datetime) -> list[Delivery]:
        """Ledger rows for every occurrence due up to `now` not planned before; advance cursors in `tx`."""
        ...

    async def next_due(self, conn: Connection, now: datetime) -> datetime | None:
        """The first instant after `now` at which `plan` would yield something."""
        ...

    async def prepare(self, delivery: Delivery) -> Any:
        """What to say for a row (a post spec for the composer), computed at send time; may raise Skip."""
        ...

    async def on_sent(self, tx: Connection, delivery: Delivery) -> None:
        """Bookkeeping after a successful send."""
        ...

    async def on_failed(self, tx: Connection, delivery: Delivery, kind: FailureKind, reason: str) -> str | None:
        """Bookkeeping after a final failure; returns an alert for organisers, or None."""
        ...


@dataclass(frozen=True, slots=True)
class AlertPost:
    """A note to a guild's organisers in the alert channel."""

    text: str


Composer = Callable[[Any], Awaitable[Outgoing]]
