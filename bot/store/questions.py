"""Questions to candidates, their votes, the thread per hustings, Interested marks and candidate links."""

from __future__ import annotations

from datetime import datetime

from bot.domain.questions import Question, Topic
from bot.store.codec import dt_from_db, dt_to_db
from bot.store.engine import Connection, Row

_SELECT = "SELECT q.*, (SELECT COUNT(*) FROM question_votes v WHERE v.question_id = q.id) AS votes FROM questions q"


def _question(row: Row) -> Question:
    return Question(
        id=row["id"],
        guild_id=row["guild_id"],
        election_id=row["election_id"],
        hustings_id=row["hustings_id"],
        author_id=row["author_id"],
        candidate=row["candidate"],
        text=row["text"],
        message_id=row["message_id"],
        hidden=bool(row["hidden"]),
        answered=bool(row["answered"]),
        answer=row["answer"],
        answered_by=row["answered_by"],
        created_at=dt_from_db(row["created_at"]),
        votes=int(row["votes"]),
    )


async def insert(conn: Connection, guild_id: int, q: Question, now: datetime) -> int:
    """Store a new question; returns its id."""
    async with conn.execute(
        "INSERT INTO questions (guild_id, election_id, hustings_id, author_id, candidate, text, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (guild_id, q.election_id, q.hustings_id, q.author_id, q.candidate, q.text, dt_to_db(now)),
    ) as c:
        row = await c.fetchone()
    assert row is not None
    return int(row[0])


async def set_message(conn: Connection, question_id: int, message_id: int) -> None:
    """Remember the question's post in the thread."""
    await conn.execute("UPDATE questions SET message_id = ? WHERE id = ?", (message_id, question_id))


async def delete(conn: Connection, question_id: int) -> None:
    """Drop a question whose post could not be made (nothing half-done is kept)."""
    await conn.execute("DELETE FROM questions WHERE id = ?", (question_id,))


async def get(conn: Connection, guild_id: int, question_id: int) -> Question | None:
    """One question of this guild (another guild's id finds nothing)."""
    async with conn.execute(_SELECT + " WHERE q.id = ? AND q.guild_id = ?", (question_id, guild_id)) as c:
        row = await c.fetchone()
    return _question(row) if row else None


def _topic(topic: Topic) -> tuple[str, tuple[int, ...]]:
    """The WHERE clause (and its values) picking a topic's questions."""
    if topic.hustings_id is not None:
        return "q.hustings_id = ?", (topic.hustings_id,)
    return "q.election_id = ? AND q.hustings_id IS NULL", (topic.election_id,)


async def for_topic(conn: Connection, guild_id: int, topic: Topic) -> list[Question]:
    """A hustings' (or the election's own) questions, oldest first."""
    where, values = _topic(topic)
    async with conn.execute(_SELECT + f" WHERE q.guild_id = ? AND {where} ORDER BY q.id", (guild_id, *values)) as c:
        return [_question(r) for r in await c.fetchall()]


async def count_by(conn: Connection, topic: Topic, author_id: int) -> int:
    """How many questions a member asked about a topic."""
    where, values = _topic(topic)
    async with conn.execute(
        f"SELECT COUNT(*) FROM questions q WHERE {where} AND q.author_id = ?", (*values, author_id)
    ) as c:
        row = await c.fetchone()
    return int(row[0]) if row else 0


async def toggle_vote(conn: Connection, question_id: int, user_id: int) -> bool:
    """Add the member's vote, or take it back when already given; True when the vote now stands."""
    cur = await conn.execute("DELETE FROM question_votes WHERE question_id = ? AND user_id = ?", (question_id, user_id))
    if cur.rowcount:
        return False
    await conn.execute("INSERT INTO question_votes (question_id, user_id) VALUES (?, ?)", (question_id, user_id))
    return True


async def set_hidden(conn: Connection, question_id: int, hidden: bool) -> None:
    """Hide (or show again) a question."""
    await conn.execute("UPDATE questions SET hidden = ? WHERE id = ?", (int(hidden), question_id))


async def set_answer(conn: Connection, question_id: int, answer: str, answered_by: str) -> None:
    """Mark a question answered, with an optional summary or link and who answered."""
    await conn.execute(
        "UPDATE questions SET answered = 1, answer = ?, answered_by = ? WHERE id = ?",
        (answer, answered_by, question_id),
    )


async def thread_for(conn: Connection, guild_id: int, key: str) -> int | None:
    """The thread a topic's questions go to, when made (key: `Topic.key`)."""
    async with conn.execute(
        "SELECT thread_id FROM question_threads WHERE guild_id = ? AND key = ?", (guild_id, key)
    ) as c:
        row = await c.fetchone()
    return int(row[0]) if row else None


async def remember_thread(conn: Connection, guild_id: int, key: str, parent_id: int, thread_id: int) -> None:
    """Keep the thread made for a topic."""
    await conn.execute(
        "INSERT INTO question_threads (guild_id, key, parent_id, thread_id) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (guild_id, key) DO UPDATE SET parent_id = excluded.parent_id, thread_id = excluded.thread_id",
        (guild_id, key, parent_id, thread_id),
    )


async def toggle_interest(conn: Connection, hustings_id: int, user_id: int) -> bool:
    """Mark the member Interested, or take it back; True when now interested."""
    cur = await conn.execute(
        "DELETE FROM hustings_interest WHERE hustings_id = ? AND user_id = ?", (hustings_id, user_id)
    )
    if cur.rowcount:
        return False
    await conn.execute("INSERT INTO hustings_interest (hustings_id, user_id) VALUES (?, ?)", (hustings_id, user_id))
    return True


async def interest_count(conn: Connection, hustings_id: int) -> int:
    """How many members marked a hustings Interested."""
    async with conn.execute("SELECT COUNT(*) FROM hustings_interest WHERE hustings_id = ?", (hustings_id,)) as c:
        row = await c.fetchone()
    return int(row[0]) if row else 0


async def link_candidate(conn: Connection, election_id: int, candidate: str, user_id: int | None) -> None:
    """Link a candidate to the member who answers for them (None unlinks)."""
    if user_id is None:
        await conn.execute(
            "DELETE FROM candidate_members WHERE election_id = ? AND candidate = ?", (election_id, candidate)
        )
        return
    await conn.execute(
        "INSERT INTO candidate_members (election_id, candidate, user_id) VALUES (?, ?, ?)"
        " ON CONFLICT (election_id, candidate) DO UPDATE SET user_id = excluded.user_id",
        (election_id, candidate, user_id),
    )


async def linked_member(conn: Connection, election_id: int, candidate: str) -> int | None:
    """The member linked to a candidate, if any."""
    async with conn.execute(
        "SELECT user_id FROM candidate_members WHERE election_id = ? AND candidate = ?", (election_id, candidate)
    ) as c:
        row = await c.fetchone()
    return int(row[0]) if row else None


async def candidates_of(conn: Connection, election_id: int, user_id: int) -> set[str]:
    """The candidates a member is linked to in an election."""
    async with conn.execute(
        "SELECT candidate FROM candidate_members WHERE election_id = ? AND user_id = ?", (election_id, user_id)
    ) as c:
        return {str(r[0]) for r in await c.fetchall()}
