"""Pending changes: rows a confirmation button points at (see `bot.domain.pending`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.pending import PendingChange, PendingState
from bot.store.codec import dt_from_db, dt_to_db, from_json, to_json
from bot.store.engine import Connection

_COLUMNS = (
    "id, guild_id, kind, payload, requested_by, requested_name, created_at, expires_at, state,"
    " resolved_by, resolved_name, resolved_at"
)


def _row(row: Any) -> PendingChange:
    return PendingChange(
        id=row[0],
        guild_id=row[1],
        kind=row[2],
        payload=from_json(row[3], {}),
        requested_by=row[4],
        requested_name=row[5],
        created_at=dt_from_db(row[6]),
        expires_at=dt_from_db(row[7]),
        state=PendingState(row[8]),
        resolved_by=row[9],
        resolved_name=row[10],
        resolved_at=dt_from_db(row[11]),
    )


async def create(
    conn: Connection,
    *,
    guild_id: int,
    kind: str,
    payload: dict[str, Any],
    requested_by: int,
    requested_name: str,
    created_at: datetime,
    expires_at: datetime,
) -> int:
    """Store a new open change; returns its id (the number a button carries)."""
    cursor = await conn.execute(
        "INSERT INTO pending_changes (guild_id, kind, payload, requested_by, requested_name, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (guild_id, kind, to_json(payload), requested_by, requested_name, dt_to_db(created_at), dt_to_db(expires_at)),
    )
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def get(conn: Connection, guild_id: int, change_id: int) -> PendingChange | None:
    """One change, scoped to the guild (another guild's id is "not found")."""
    async with conn.execute(
        f"SELECT {_COLUMNS} FROM pending_changes WHERE guild_id = ? AND id = ?", (guild_id, change_id)
    ) as c:
        row = await c.fetchone()
    return None if row is None else _row(row)


async def open_of_kind(conn: Connection, guild_id: int, kind: str, now: datetime) -> list[PendingChange]:
    """The guild's open, unexpired changes of one kind, oldest first."""
    async with conn.execute(
        f"SELECT {_COLUMNS} FROM pending_changes WHERE guild_id = ? AND kind = ? AND state = 'open'"
        " AND expires_at > ? ORDER BY id",
        (guild_id, kind, dt_to_db(now)),
    ) as c:
        rows = await c.fetchall()
    return [_row(r) for r in rows]


async def resolve(
    conn: Connection,
    guild_id: int,
    change_id: int,
    state: PendingState,
    *,
    by: int,
    name: str,
    at: datetime,
) -> bool:
    """Close an open change; False when it was no longer open (someone else answered first)."""
    cursor = await conn.execute(
        "UPDATE pending_changes SET state = ?, resolved_by = ?, resolved_name = ?, resolved_at = ?"
        " WHERE guild_id = ? AND id = ? AND state = 'open'",
        (state.value, by, name, dt_to_db(at), guild_id, change_id),
    )
    return cursor.rowcount == 1


async def reopen(conn: Connection, guild_id: int, change_id: int) -> None:
    """Put a change claimed by a press back to open (the press failed; nothing was changed)."""
    await conn.execute(
        "UPDATE pending_changes SET state = 'open', resolved_by = NULL, resolved_name = NULL, resolved_at = NULL"
        " WHERE guild_id = ? AND id = ?",
        (guild_id, change_id),
    )


async def prune(conn: Connection, guild_id: int, expired_before: datetime) -> int:
    """Delete the guild's changes that expired before `expired_before` (answered or not); returns how many.

    An import's question holds its whole file, so expired rows are not kept: their buttons already
    answer "this question has expired", and the audit log keeps who did what.
    """
    cursor = await conn.execute(
        "DELETE FROM pending_changes WHERE guild_id = ? AND expires_at < ?", (guild_id, dt_to_db(expired_before))
    )
    return cursor.rowcount
