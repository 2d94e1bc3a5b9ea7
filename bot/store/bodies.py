"""Nominating bodies (branches, CLPs, affiliates), shared by a guild's elections."""

from __future__ import annotations

from bot.domain.models import Body
from bot.store.codec import dt_from_db, dt_to_db
from bot.store.engine import Connection, Row

#: Insert or update a body by its natural key (guild, name); shared with bulk imports.
UPSERT_SQL = (
    "INSERT INTO bodies (guild_id, name, kind, region, members, meeting) VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (guild_id, name) DO UPDATE SET kind = excluded.kind, region = excluded.region,"
    " members = excluded.members, meeting = excluded.meeting"
)


def _body(row: Row) -> Body:
    return Body(
        id=row["id"],
        guild_id=row["guild_id"],
        name=row["name"],
        kind=row["kind"],
        region=row["region"],
        members=row["members"],
        meeting=dt_from_db(row["meeting"]),
    )


async def list_for_guild(conn: Connection, guild_id: int) -> list[Body]:
    """A guild's bodies in name order."""
    async with conn.execute("SELECT * FROM bodies WHERE guild_id = ? ORDER BY name", (guild_id,)) as c:
        return [_body(r) for r in await c.fetchall()]


async def get_by_name(conn: Connection, guild_id: int, name: str) -> Body | None:
    """One body by exact name within the guild."""
    async with conn.execute("SELECT * FROM bodies WHERE guild_id = ? AND name = ?", (guild_id, name)) as c:
        row = await c.fetchone()
    return _body(row) if row else None


async def upsert(conn: Connection, guild_id: int, body: Body) -> int:
    """Insert or update a body by (guild, name); returns its id."""
    async with conn.execute(
        UPSERT_SQL + " RETURNING id",
        (guild_id, body.name, body.kind, body.region, body.members, dt_to_db(body.meeting)),
    ) as c:
        row = await c.fetchone()
    assert row is not None
    return int(row[0])


async def rename(conn: Connection, body_id: int, new_name: str) -> None:
    """Change a body's name (its nominations follow by id)."""
    await conn.execute("UPDATE bodies SET name = ? WHERE id = ?", (new_name, body_id))


async def delete(conn: Connection, body_id: int) -> None:
    """Remove a body and its nominations."""
    await conn.execute("DELETE FROM bodies WHERE id = ?", (body_id,))
