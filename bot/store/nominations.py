"""Nominations: body → candidate in an election, by natural keys (names)."""

from __future__ import annotations

from datetime import date

from bot.domain.models import Nomination
from bot.store.codec import date_from_db, date_to_db
from bot.store.engine import Connection

#: Record (or re-date) a nomination; shared with bulk imports.
UPSERT_SQL = (
    "INSERT INTO nominations (election_id, body_id, candidate_id, nominated_on) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (election_id, body_id, candidate_id) DO UPDATE SET nominated_on = excluded.nominated_on"
)


async def list_for_election(conn: Connection, election_id: int) -> list[Nomination]:
    """Every nomination in an election, ordered by body then candidate."""
    async with conn.execute(
        "SELECT b.name AS body, c.name AS candidate, n.nominated_on FROM nominations n"
        " JOIN bodies b ON b.id = n.body_id JOIN candidates c ON c.id = n.candidate_id"
        " WHERE n.election_id = ? ORDER BY b.name, c.name",
        (election_id,),
    ) as c:
        return [Nomination(r["body"], r["candidate"], date_from_db(r["nominated_on"])) for r in await c.fetchall()]


async def add(conn: Connection, election_id: int, body_id: int, candidate_id: int, on: date | None) -> None:
    """Record (or re-date) a nomination."""
    await conn.execute(
        UPSERT_SQL,
        (election_id, body_id, candidate_id, date_to_db(on)),
    )


async def remove(conn: Connection, election_id: int, body_id: int, candidate_id: int) -> bool:
    """Delete one nomination; returns whether it existed."""
    cur = await conn.execute(
        "DELETE FROM nominations WHERE election_id = ? AND body_id = ? AND candidate_id = ?",
        (election_id, body_id, candidate_id),
    )
    return cur.rowcount > 0
