"""Changes waiting on a button press: a moderator's own confirmation, or a second moderator's approval.

A button carries only the change's id; the stored row says what to do, who asked and until when, so a
press after a restart works and an old press is refused with a sentence instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.validation import ValidationError


class PendingState(StrEnum):
    """Where a pending change stands."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class Approval(StrEnum):
    """Who may press the confirming button."""

    SELF = "self"  # the moderator who ran the command (an "are you sure?")
    OTHER = "other"  # two-person rule: any moderator except the one who asked


@dataclass(slots=True)
class PendingChange:
    """One stored change awaiting a press."""

    id: int
    guild_id: int
    kind: str
    payload: dict[str, Any]
    requested_by: int
    requested_name: str
    created_at: datetime
    expires_at: datetime
    state: PendingState = PendingState.OPEN
    resolved_by: int | None = None
    resolved_name: str | None = None
    resolved_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def approval(self) -> Approval:
        """Whether the requester or a different moderator confirms."""
        return Approval(self.payload.get("approval", Approval.SELF.value))

    def expired(self, now: datetime) -> bool:
        """True once the confirmation window has passed."""
        return now >= self.expires_at


EXPIRED = "This confirmation expired; nothing was changed. Run the command again."
ALREADY = "This was already answered; nothing more was changed."
NOT_YOURS = "Only the moderator who ran this command can press these buttons."
NOT_YOUR_OWN = "Two-person rule: a different moderator must confirm this change, not the one who asked for it."


def check_press(change: PendingChange, presser_id: int, now: datetime, *, cancelling: bool = False) -> None:
    """Raise ValidationError when `presser_id` may not answer `change` now.

    Cancelling a two-person change is open to the requester too (withdrawing their own request);
    confirming it is not.
    """
    if change.state is not PendingState.OPEN:
        raise ValidationError("state", ALREADY)
    if change.expired(now):
        raise ValidationError("expires_at", EXPIRED)
    if change.approval is Approval.SELF and presser_id != change.requested_by:
        raise ValidationError("moderator", NOT_YOURS)
    if change.approval is Approval.OTHER and presser_id == change.requested_by and not cancelling:
        raise ValidationError("moderator", NOT_YOUR_OWN)
