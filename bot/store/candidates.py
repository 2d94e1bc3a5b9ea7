"""Candidates of an election (slate given by name, the natural key)."""

from __future__ import annotations

from bot.domain.models import Candidate, CandidateStatus
from bot.store.codec import from_json, to_json
from bot.store.engine import Connection, Row

_SELECT = (
    "SELECT c.id, c.election_id, c.name, s.name AS slate, c.bio, c.photo_url, c.links, c.status"
    " FROM candidates c LEFT JOIN slates s ON s.id = c.slate_id"
)


def _candidate(row: Row) -> Candidate:
    return Candidate(
        id=row["id"],
        election_id=row["election_id"],
        name=row["name"],
        slate=row["slate"],
        bio=row["bio"],
        photo_url=row["photo_url"],
        links=from_json(row["links"], {}),
        status=CandidateStatus(row["status"]),
    )


async def list_for_election(conn: Connection, election_id: int) -> list[Candidate]:
    """An election's candidates in name order."""
    async with conn.execute(f"{_SELECT} WHERE c.election_id = ? ORDER BY c.name", (election_id,)) as c:
        return [_candidate(r) for r in await c.fetchall()]


async def get_by_name(conn: Connection, election_id: int, name: str) -> Candidate | None:
    """One candidate by exact name within an election."""
    async with conn.execute(f"{_SELECT} WHERE c.election_id = ? AND c.name = ?", (election_id, name)) as c:
        row = await c.fetchone()
    return _candidate(row) if row else None


async def _slate_id(conn: Connection, election_id: int, slate: str | None) -> int | None:
    if not slate:
        return None
    async with conn.execute(
        "SELECT id FROM slates WHERE election_id = ? AND (name = ? OR (short != '' AND short = ?))",
        (election_id, slate, slate),
    ) as c:
        row = await c.fetchone()
    if row is None:
        raise LookupError(f"no slate called {slate!r} in this election")
    return int(row[0])


async def upsert(conn: Connection, election_id: int, candidate: Candidate) -> int:
    """Insert or update a candidate by (election, name); returns its id."""
    slate_id = await _slate_id(conn, election_id, candidate.slate)
    async with conn.execute(
        "INSERT INTO candidates (election_id, name, slate_id, bio, photo_url, links, status)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (election_id, name) DO UPDATE SET slate_id = excluded.slate_id, bio = excluded.bio,"
        " photo_url = excluded.photo_url, links = excluded.links, status = excluded.status RETURNING id",
        (
            election_id,
            candidate.name,
            slate_id,
            candidate.bio,
            candidate.photo_url,
            to_json(candidate.links),
            candidate.status.value,
        ),
    ) as c:
        row = await c.fetchone()
    assert row is not None
    return int(row[0])


async def rename(conn: Connection, candidate_id: int, new_name: str) -> None:
    """Change a candidate's name (nominations and results follow by id)."""
    await conn.execute("UPDATE candidates SET name = ? WHERE id = ?", (new_name, candidate_id))


async def delete(conn: Connection, candidate_id: int) -> None:
    """Remove a candidate with their nominations and votes."""
    await conn.execute("DELETE FROM candidates WHERE id = ?", (candidate_id,))
