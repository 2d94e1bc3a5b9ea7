"""The audit row every admin or organiser change writes, in the transaction of the change it records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.access import Actor
from bot.store import audit
from bot.store.engine import Connection


async def record_change(
    tx: Connection,
    actor: Actor,
    action: str,
    entity: str,
    *,
    at: datetime,
    before: Any = None,
    after: Any = None,
    denied: bool = False,
) -> int:
    """Append the audit row for `actor`'s `action` on `entity` (in `actor`'s guild); returns the row's id."""
    return await audit.append(
        tx,
        guild_id=actor.guild_id,
        actor_id=actor.user_id,
        actor_name=actor.name,
        action=action,
        entity=entity,
        before=before,
        after=after,
        denied=denied,
        at=at,
    )
