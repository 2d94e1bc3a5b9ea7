"""Sources and their run state, plus held runs waiting for a moderator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.sources import Source, SourceKind
from bot.store.codec import dt_from_db, dt_to_db
from bot.store.engine import TOPIC_SOURCES, Connection, Row

_SELECT = (
    "SELECT s.*, h.content_hash AS held_hash, h.created_at AS held_at, h.summary AS held_summary"
    " FROM sources s LEFT JOIN source_holds h ON h.source_id = s.id"
)


@dataclass(frozen=True, slots=True)
class Hold:
    """A held run: the exact content a moderator is asked to confirm."""

    source_id: int
    guild_id: int
    content: bytes
    content_hash: str
    etag: str | None
    last_modified: str | None
    summary: str
    created_at: datetime


def _source(row: Row) -> Source:
    return Source(
        id=row["id"],
        guild_id=row["guild_id"],
        election=row["election_slug"],
        kind=SourceKind(row["kind"]),
        url=row["url"],
        every=timedelta(seconds=row["every_seconds"]),
        authoritative=bool(row["authoritative"]),
        paused=bool(row["paused"]),
        created_by=row["created_by"],
        created_at=dt_from_db(row["created_at"]),
        etag=row["etag"],
        last_modified=row["last_modified"],
        content_hash=row["content_hash"],
        last_attempt_at=dt_from_db(row["last_attempt_at"]),
        last_success_at=dt_from_db(row["last_success_at"]),
        last_change_at=dt_from_db(row["last_change_at"]),
        last_error=row["last_error"],
        last_error_at=dt_from_db(row["last_error_at"]),
        failures=row["failures"],
        alerted=bool(row["alerted"]),
        next_run_at=dt_from_db(row["next_run_at"]),
        rows=row["rows"],
        rows_applied=row["rows_applied"],
        held_hash=row["held_hash"],
        held_at=dt_from_db(row["held_at"]),
        held_summary=row["held_summary"],
    )


async def add(conn: Connection, source: Source) -> int:
    """Insert a new source (its id is assigned); returns the id."""
    cur = await conn.execute(
        "INSERT INTO sources (guild_id, election_slug, kind, url, every_seconds, authoritative, paused,"
        " created_by, created_at, next_run_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            source.guild_id,
            source.election,
            source.kind.value,
            source.url,
            int(source.every.total_seconds()),
            int(source.authoritative),
            int(source.paused),
            source.created_by,
            dt_to_db(source.created_at),
            dt_to_db(source.next_run_at),
        ),
    )
    row = await cur.fetchone()
    assert row is not None
    await conn.notify(TOPIC_SOURCES, source.guild_id)  # the scheduler (perhaps in another process) runs it
    return int(row[0])


async def get(conn: Connection, source_id: int, guild_id: int | None = None) -> Source | None:
    """One source by id; with `guild_id`, only if it belongs to that guild."""
    sql = f"{_SELECT} WHERE s.id = ?"
    params: tuple[int, ...] = (source_id,)
    if guild_id is not None:
        sql += " AND s.guild_id = ?"
        params = (source_id, guild_id)
    async with conn.execute(sql, params) as c:
        row = await c.fetchone()
    return _source(row) if row else None


async def list_for_guild(conn: Connection, guild_id: int) -> list[Source]:
    """A guild's sources, oldest first."""
    async with conn.execute(f"{_SELECT} WHERE s.guild_id = ? ORDER BY s.id", (guild_id,)) as c:
        return [_source(r) for r in await c.fetchall()]


async def list_for_election(conn: Connection, guild_id: int, election_slug: str) -> list[Source]:
    """The sources feeding one election."""
    async with conn.execute(
        f"{_SELECT} WHERE s.guild_id = ? AND s.election_slug = ? ORDER BY s.id", (guild_id, election_slug)
    ) as c:
        return [_source(r) for r in await c.fetchall()]


async def due(conn: Connection, now: datetime, limit: int = 100) -> list[Source]:
    """Unpaused sources whose next run is at or before `now`, most overdue first."""
    async with conn.execute(
        f"{_SELECT} WHERE s.paused = 0 AND s.next_run_at <= ? ORDER BY s.next_run_at, s.id LIMIT ?",
        (dt_to_db(now), limit),
    ) as c:
        return [_source(r) for r in await c.fetchall()]


async def next_due_at(conn: Connection) -> datetime | None:
    """When the earliest unpaused source is due (None when there is none)."""
    async with conn.execute("SELECT min(next_run_at) FROM sources WHERE paused = 0") as c:
        row = await c.fetchone()
    return dt_from_db(row[0]) if row and row[0] else None


async def save_state(conn: Connection, s: Source) -> None:
    """Write a source's mutable state (validators, run times, errors, streak, schedule, counters)."""
    await conn.execute(
        "UPDATE sources SET every_seconds = ?, authoritative = ?, paused = ?, etag = ?, last_modified = ?,"
        " content_hash = ?, last_attempt_at = ?, last_success_at = ?, last_change_at = ?, last_error = ?,"
        " last_error_at = ?, failures = ?, alerted = ?, next_run_at = ?, rows = ?, rows_applied = ? WHERE id = ?",
        (
            int(s.every.total_seconds()),
            int(s.authoritative),
            int(s.paused),
            s.etag,
            s.last_modified,
            s.content_hash,
            dt_to_db(s.last_attempt_at),
            dt_to_db(s.last_success_at),
            dt_to_db(s.last_change_at),
            s.last_error,
            dt_to_db(s.last_error_at),
            s.failures,
            int(s.alerted),
            dt_to_db(s.next_run_at),
            s.rows,
            s.rows_applied,
            s.id,
        ),
    )
    await conn.notify(TOPIC_SOURCES, s.guild_id)  # paused, resumed, re-timed: the scheduler looks again


async def delete(conn: Connection, source_id: int) -> None:
    """Remove a source (and any held run)."""
    await conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))
    await conn.notify(TOPIC_SOURCES)


# ------------------------------------------------------------------------------------------ holds


async def put_hold(conn: Connection, hold: Hold) -> None:
    """Store (or replace) a source's held run."""
    await conn.execute(
        "INSERT INTO source_holds (source_id, guild_id, content, content_hash, etag, last_modified,"
        " summary, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_id) DO UPDATE SET"
        " guild_id = excluded.guild_id, content = excluded.content, content_hash = excluded.content_hash,"
        " etag = excluded.etag, last_modified = excluded.last_modified, summary = excluded.summary,"
        " created_at = excluded.created_at",
        (
            hold.source_id,
            hold.guild_id,
            hold.content,
            hold.content_hash,
            hold.etag,
            hold.last_modified,
            hold.summary,
            dt_to_db(hold.created_at),
        ),
    )


async def get_hold(conn: Connection, source_id: int) -> Hold | None:
    """A source's held run, if any."""
    async with conn.execute("SELECT * FROM source_holds WHERE source_id = ?", (source_id,)) as c:
        row = await c.fetchone()
    if row is None:
        return None
    return Hold(
        source_id=row["source_id"],
        guild_id=row["guild_id"],
        content=bytes(row["content"]),
        content_hash=row["content_hash"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        summary=row["summary"],
        created_at=dt_from_db(row["created_at"]),
    )


async def clear_hold(conn: Connection, source_id: int) -> None:
    """Forget a source's held run."""
    await conn.execute("DELETE FROM source_holds WHERE source_id = ?", (source_id,))
