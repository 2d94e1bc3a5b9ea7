"""The audit row every admin or organiser change writes, in the transaction of the change it records."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.domain.access import Actor
from bot.store import audit
from bot.store.database import Database
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


async def switch_election_flag(
    db: Database,
    actor: Actor,
    action: str,
    entity: str,
    key: str,
    election_id: int,
    on: bool,
    *,
    read: Callable[[Connection, int], Awaitable[bool]],
    write: Callable[[Connection, int, bool], Awaitable[None]],
    at: datetime,
) -> None:
    """Switch one of an election's on/off settings (`read` and `write` are its store functions), audited as
    `{key: was}` → `{key: on}` in the same transaction."""
    was = await read(db.reader, election_id)
    async with db.transaction() as tx:
        await write(tx, election_id, on)
        await record_change(tx, actor, action, entity, before={key: was}, after={key: on}, at=at)
