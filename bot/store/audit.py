"""The append-only audit log: who changed what, before and after, when (and refused attempts)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.domain.audit import AuditEntry
from bot.store.codec import dt_from_db, dt_to_db, from_json, to_json
from bot.store.engine import Connection

#: Refusals of the same member, action and entity within this window share one row (its count grows).
REFUSAL_WINDOW = timedelta(hours=1)


async def append(
    conn: Connection,
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
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def refuse(
    conn: Connection,
    *,
    guild_id: int,
    actor_id: int | None,
    actor_name: str,
    action: str,
    entity: str = "",
    at: datetime,
) -> tuple[int, int]:
    """Record a refused attempt: a repeat within REFUSAL_WINDOW of the same member's last refusal of the
    same action and entity bumps that row's count instead of adding a row. Returns (row id, repeats)."""
    async with conn.execute(
        "SELECT id, repeats FROM audit_log WHERE guild_id = ? AND actor_id IS NOT DISTINCT FROM ? AND action = ?"
        " AND entity = ? AND denied = 1 AND coalesce(last_at, at) >= ? ORDER BY id DESC LIMIT 1",
        (guild_id, actor_id, action, entity, dt_to_db(at - REFUSAL_WINDOW)),
    ) as c:
        row = await c.fetchone()
    if row is not None:
        await conn.execute(
            "UPDATE audit_log SET repeats = repeats + 1, last_at = ? WHERE id = ?", (dt_to_db(at), row[0])
        )
        return int(row[0]), int(row[1]) + 1
    audit_id = await append(
        conn,
        guild_id=guild_id,
        actor_id=actor_id,
        actor_name=actor_name,
        action=action,
        entity=entity,
        denied=True,
        at=at,
    )
    return audit_id, 1


async def prune(conn: Connection, guild_id: int, older_than: datetime) -> int:
    """Delete the guild's audit rows last touched before `older_than` (retention); returns how many."""
    cutoff = dt_to_db(older_than)
    # The delete trigger lets rows go only below the cut-off recorded here, for this transaction only.
    await conn.execute(
        "INSERT INTO audit_prune (guild_id, before) VALUES (?, ?)"
        " ON CONFLICT (guild_id) DO UPDATE SET before = excluded.before",
        (guild_id, cutoff),
    )
    cur = await conn.execute(
        "DELETE FROM audit_log WHERE guild_id = ? AND coalesce(last_at, at) < ?", (guild_id, cutoff)
    )
    await conn.execute("DELETE FROM audit_prune WHERE guild_id = ?", (guild_id,))
    return cur.rowcount


async def recent(
    conn: Connection,
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
            r["repeats"],
            dt_from_db(r["last_at"]) if r["last_at"] else None,
        )
        for r in rows
    ]
