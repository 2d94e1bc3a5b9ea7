"""Result rounds (votes per candidate per round) and the election's result flags."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.admin_rules import PublishRequest
from bot.domain.models import ElectionResult, ResultRound
from bot.store import elections
from bot.store.codec import dt_from_db, dt_to_db
from bot.store.engine import Connection


async def get(conn: Connection, election_id: int) -> ElectionResult:
    """The full result of an election: rounds in order plus published flag and ballot counts."""
    result = await elections.get_result_meta(conn, election_id)
    async with conn.execute(
        "SELECT r.round, c.name, r.votes, r.elected, r.excluded FROM result_votes r"
        " JOIN candidates c ON c.id = r.candidate_id WHERE r.election_id = ? ORDER BY r.round, c.name",
        (election_id,),
    ) as c:
        rows = await c.fetchall()
    rounds: dict[int, ResultRound] = {}
    for number, name, votes, elected, excluded in rows:
        rnd = rounds.setdefault(number, ResultRound(votes={}))
        rnd.votes[name] = int(votes) if float(votes).is_integer() else float(votes)
        if elected:
            rnd.elected.append(name)
        if excluded:
            rnd.excluded.append(name)
    return replace(result, rounds=[rounds[k] for k in sorted(rounds)])


async def replace_rounds(
    conn: Connection, election_id: int, rounds: list[ResultRound], candidate_ids: dict[str, int]
) -> None:
    """Replace all rounds of an election's result."""
    await conn.execute("DELETE FROM result_votes WHERE election_id = ?", (election_id,))
    rows = [
        (election_id, number, candidate_ids[name], votes, int(name in rnd.elected), int(name in rnd.excluded))
        for number, rnd in enumerate(rounds, start=1)
        for name, votes in rnd.votes.items()
    ]
    await conn.executemany(
        "INSERT INTO result_votes (election_id, round, candidate_id, votes, elected, excluded)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )


async def set_votes(conn: Connection, election_id: int, round_no: int, candidate_id: int, votes: float) -> float | None:
    """Set one candidate's votes in one round; returns the previous figure, if any."""
    async with conn.execute(
        "SELECT votes FROM result_votes WHERE election_id = ? AND round = ? AND candidate_id = ?",
        (election_id, round_no, candidate_id),
    ) as c:
        row = await c.fetchone()
    await conn.execute(
        "INSERT INTO result_votes (election_id, round, candidate_id, votes) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (election_id, round, candidate_id) DO UPDATE SET votes = excluded.votes",
        (election_id, round_no, candidate_id, votes),
    )
    return row[0] if row else None


async def clear_elected(conn: Connection, election_id: int) -> None:
    """Drop an election's elected marks, so its winners are computed from the votes again."""
    await conn.execute("UPDATE result_votes SET elected = 0 WHERE election_id = ? AND elected = 1", (election_id,))


async def get_publish_request(conn: Connection, guild_id: int, election_id: int) -> PublishRequest | None:
    """The open two-person publish request for an election, if any (scoped to the guild)."""
    async with conn.execute(
        "SELECT election_id, requested_by, requested_name, requested_at, fingerprint, announce"
        " FROM publish_requests WHERE guild_id = ? AND election_id = ?",
        (guild_id, election_id),
    ) as c:
        row = await c.fetchone()
    if row is None:
        return None
    return PublishRequest(
        election_id=row[0],
        requested_by=row[1],
        requested_name=row[2],
        requested_at=dt_from_db(row[3]),
        result_fingerprint=row[4],
        announce=bool(row[5]),
    )


async def save_publish_request(conn: Connection, guild_id: int, request: PublishRequest) -> None:
    """Record (or replace) an election's publish request."""
    await conn.execute(
        "INSERT INTO publish_requests"
        " (election_id, guild_id, requested_by, requested_name, requested_at, fingerprint, announce)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (election_id) DO UPDATE SET guild_id = excluded.guild_id,"
        " requested_by = excluded.requested_by, requested_name = excluded.requested_name,"
        " requested_at = excluded.requested_at, fingerprint = excluded.fingerprint, announce = excluded.announce",
        (
            request.election_id,
            guild_id,
            request.requested_by,
            request.requested_name,
            dt_to_db(request.requested_at),
            request.result_fingerprint,
            int(request.announce),
        ),
    )


async def clear_publish_request(conn: Connection, election_id: int) -> None:
    """Drop an election's publish request."""
    await conn.execute("DELETE FROM publish_requests WHERE election_id = ?", (election_id,))
