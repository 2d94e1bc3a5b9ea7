"""An audit entry: who changed what, before and after, when (or tried to and was refused)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit row."""

    id: int
    guild_id: int
    actor_id: int | None
    actor_name: str
    action: str
    entity: str
    before: Any
    after: Any
    denied: bool
    at: datetime
    #: How many times this refusal happened (repeated refusals share one row); 1 for changes.
    repeats: int = 1
    last_at: datetime | None = None
