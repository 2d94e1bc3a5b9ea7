"""Reply keys: what a paged reply shows (command kind and options), for its stateless buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.store.codec import dt_to_db, from_json, to_json
from bot.store.engine import Connection


@dataclass(frozen=True, slots=True)
class ReplyKey:
    """One paged reply: who may turn its pages, and the command (kind and options) that renders it."""

    id: int
    guild_id: int
    owner_id: int
    kind: str
    args: dict[str, Any]


async def create(conn: Connection, guild_id: int, owner_id: int, kind: str, args: dict[str, Any], at: datetime) -> int:
    """Store a reply's key; returns its id."""
    cursor = await conn.execute(
        "INSERT INTO reply_keys (guild_id, owner_id, kind, args, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        (guild_id, owner_id, kind, to_json(args), dt_to_db(at)),
    )
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def get(conn: Connection, guild_id: int, key_id: int) -> ReplyKey | None:
    """One reply key of the guild (another guild's id is "not found")."""
    async with conn.execute(
        "SELECT id, guild_id, owner_id, kind, args FROM reply_keys WHERE guild_id = ? AND id = ?", (guild_id, key_id)
    ) as c:
        row = await c.fetchone()
    if row is None:
        return None
    return ReplyKey(row[0], row[1], row[2], row[3], from_json(row[4], {}))


async def prune(conn: Connection, guild_id: int, created_before: datetime) -> int:
    """Delete the guild's stored replies made before `created_before`; their buttons then say to run the
    command again. Returns how many."""
    cursor = await conn.execute(
        "DELETE FROM reply_keys WHERE guild_id = ? AND created_at < ?", (guild_id, dt_to_db(created_before))
    )
    return cursor.rowcount
