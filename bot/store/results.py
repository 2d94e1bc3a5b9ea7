"""Result rounds (votes per candidate per round) and the election's result flags."""

from __future__ import annotations

import aiosqlite

from bot.domain.models import ElectionResult, ResultRound
from bot.store import elections


async def get(conn: aiosqlite.Connection, election_id: int) -> ElectionResult:
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
    result.rounds = [rounds[k] for k in sorted(rounds)]
    return result


async def replace_rounds(
    conn: aiosqlite.Connection, election_id: int, rounds: list[ResultRound], candidate_ids: dict[str, int]
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


async def set_votes(
    conn: aiosqlite.Connection, election_id: int, round_no: int, candidate_id: int, votes: float
) -> float | None:
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
