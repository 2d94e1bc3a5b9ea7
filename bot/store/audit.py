"""The append-only audit log: who changed what, before and after, when (and refused attempts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.store.codec import dt_from_db, dt_to_db, from_json, to_json


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


async def append(
    conn: aiosqlite.Connection,
    *,
    guild_id: int,
    actor_id: int | None,
    actor_name: str,
    action: str,
    entity: str = "",
    before: Any = None,
    after: Any = None,
    denied: bool = False,
    at: datetime,
) -> int:
    """Append one audit row (inside the same transaction as the change it records)."""
    cur = await conn.execute(
        "INSERT INTO audit_log (guild_id, actor_id, actor_name, action, entity, before, after, denied, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            guild_id,
            actor_id,
            actor_name,
            action,
            entity,
            None if before is None else to_json(before),
            None if after is None else to_json(after),
            int(denied),
            dt_to_db(at),
        ),
    )
    return int(cur.lastrowid or 0)


async def recent(
    conn: aiosqlite.Connection,
    guild_id: int,
    *,
    limit: int = 20,
    actor_id: int | None = None,
    action_prefix: str | None = None,
) -> list[AuditEntry]:
    """The guild's latest audit rows, newest first, optionally by actor or action kind."""
    sql = "SELECT * FROM audit_log WHERE guild_id = ?"
    params: list[Any] = [guild_id]
    if actor_id is not None:
        sql += " AND actor_id = ?"
        params.append(actor_id)
    if action_prefix:
        sql += " AND action LIKE ?"
        params.append(action_prefix.replace("%", r"\%") + "%")
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    async with conn.execute(sql, params) as c:
        rows = await c.fetchall()
    return [
        AuditEntry(
            r["id"],
            r["guild_id"],
            r["actor_id"],
            r["actor_name"],
            r["action"],
            r["entity"],
            from_json(r["before"]),
            from_json(r["after"]),
            bool(r["denied"]),
            dt_from_db(r["at"]),
        )
        for r in rows
    ]
