"""Scheduled announcements and automatic election reminders."""

from __future__ import annotations

from datetime import datetime

from bot.domain.schedule.ledger import Announcement, ElectionReminders, LiveView
from bot.domain.schedule.recurrence import Schedule, parse_repeat
from bot.domain.schedule.reminders import offsets_from_json, offsets_to_json
from bot.store.codec import dt_from_db, dt_to_db, from_json, to_json
from bot.store.engine import TOPIC_DELIVERY, Connection, Row


def _announcement(row: Row) -> Announcement:
    return Announcement(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        schedule=Schedule(
            first=dt_from_db(row["first_at"]),
            recurrence=parse_repeat(row["repeat"]),
            zone=row["timezone"],
            until=dt_from_db(row["until_at"]),
        ),
        content=row["content"],
        view=LiveView(row["view"]) if row["view"] else None,
        election_id=row["election_id"],
        ping_role_id=row["ping_role_id"],
        ping_everyone=bool(row["ping_everyone"]),
        created_by=row["created_by"],
        created_by_name=row["created_by_name"],
        created_at=dt_from_db(row["created_at"]),
        status=row["status"],
        checked_until=dt_from_db(row["checked_until"]),
        next_due=dt_from_db(row["next_due"]),
    )


async def create(conn: Connection, a: Announcement) -> int:
    """Store a new announcement; returns its id (the number organisers use to refer to it)."""
    s = a.schedule
    cur = await conn.execute(
        "INSERT INTO announcements (guild_id, channel_id, kind, content, view, election_id, first_at, repeat,"
        " until_at, timezone, ping_role_id, ping_everyone, created_by, created_by_name, created_at, status,"
        " checked_until, next_due) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            a.guild_id,
            a.channel_id,
            a.kind,
            a.content,
            a.view.value if a.view else None,
            a.election_id,
            dt_to_db(s.first),
            str(s.recurrence),
            dt_to_db(s.until),
            s.zone,
            a.ping_role_id,
            int(a.ping_everyone),
            a.created_by,
            a.created_by_name,
            dt_to_db(a.created_at),
            a.status,
            dt_to_db(a.checked_until),
            dt_to_db(a.next_due),
        ),
    )
    row = await cur.fetchone()
    assert row is not None
    await conn.notify(TOPIC_DELIVERY, a.guild_id)  # the planner (perhaps in another process) plans it
    return int(row[0])


async def get(conn: Connection, guild_id: int, announcement_id: int) -> Announcement | None:
    """One announcement of the guild by id."""
    async with conn.execute(
        "SELECT * FROM announcements WHERE guild_id = ? AND id = ?", (guild_id, announcement_id)
    ) as c:
        row = await c.fetchone()
    return _announcement(row) if row else None


async def get_by_id(conn: Connection, announcement_id: int) -> Announcement | None:
    """One announcement by id, whatever its guild (the delivery engine's view)."""
    async with conn.execute("SELECT * FROM announcements WHERE id = ?", (announcement_id,)) as c:
        row = await c.fetchone()
    return _announcement(row) if row else None


async def list_for_guild(conn: Connection, guild_id: int, *, active_only: bool = True) -> list[Announcement]:
    """A guild's announcements, soonest next post first (finished and cancelled last, when included)."""
    sql = "SELECT * FROM announcements WHERE guild_id = ?"
    if active_only:
        sql += " AND status = 'active'"
    sql += " ORDER BY status = 'active' DESC, next_due IS NULL, next_due, id"
    async with conn.execute(sql, (guild_id,)) as c:
        return [_announcement(r) for r in await c.fetchall()]


async def count_active(conn: Connection, guild_id: int) -> int:
    """How many of a guild's announcements are still to post."""
    async with conn.execute(
        "SELECT count(*) FROM announcements WHERE guild_id = ? AND status = 'active'", (guild_id,)
    ) as c:
        row = await c.fetchone()
    return int(row[0]) if row else 0


async def due(conn: Connection, now: datetime) -> list[Announcement]:
    """Active announcements with an occurrence due at or before `now`."""
    async with conn.execute(
        "SELECT * FROM announcements WHERE status = 'active' AND next_due IS NOT NULL AND next_due <= ?"
        " ORDER BY next_due, id",
        (dt_to_db(now),),
    ) as c:
        return [_announcement(r) for r in await c.fetchall()]


async def next_due(conn: Connection) -> datetime | None:
    """The earliest upcoming occurrence of any active announcement."""
    async with conn.execute("SELECT min(next_due) FROM announcements WHERE status = 'active'") as c:
        row = await c.fetchone()
    return dt_from_db(row[0]) if row else None


async def advance(conn: Connection, announcement_id: int, checked_until: datetime, next_due: datetime | None) -> None:
    """Move the generation cursor; an announcement with no further occurrence is finished."""
    await conn.execute(
        "UPDATE announcements SET checked_until = ?, next_due = ?,"
        " status = CASE WHEN CAST(? AS TEXT) IS NULL AND status = 'active' THEN 'finished' ELSE status END"
        " WHERE id = ?",
        (dt_to_db(checked_until), dt_to_db(next_due), dt_to_db(next_due), announcement_id),
    )


async def move_zone(conn: Connection, announcement_id: int, schedule: Schedule, next_due: datetime | None) -> None:
    """Store an announcement's schedule moved to another time zone, with its next occurrence."""
    await conn.execute(
        "UPDATE announcements SET first_at = ?, until_at = ?, timezone = ?, next_due = ? WHERE id = ?",
        (dt_to_db(schedule.first), dt_to_db(schedule.until), schedule.zone, dt_to_db(next_due), announcement_id),
    )
    await conn.notify(TOPIC_DELIVERY)


async def set_status(conn: Connection, announcement_id: int, status: str) -> None:
    """Cancel (or finish) an announcement."""
    await conn.execute("UPDATE announcements SET status = ?, next_due = NULL WHERE id = ?", (status, announcement_id))
    await conn.notify(TOPIC_DELIVERY)


# --------------------------------------------------------------------------- election reminders


def _reminders(row: Row) -> ElectionReminders:
    return ElectionReminders(
        election_id=row["election_id"],
        guild_id=row["guild_id"],
        enabled=bool(row["enabled"]),
        offsets=offsets_from_json(from_json(row["offsets"])),
        checked_until=dt_from_db(row["checked_until"]),
        updated_by=row["updated_by"],
        updated_at=dt_from_db(row["updated_at"]),
    )


async def get_reminders(conn: Connection, election_id: int) -> ElectionReminders | None:
    """An election's automatic reminder settings, if ever set."""
    async with conn.execute("SELECT * FROM election_reminders WHERE election_id = ?", (election_id,)) as c:
        row = await c.fetchone()
    return _reminders(row) if row else None


async def enabled_reminders(conn: Connection, guild_id: int | None = None) -> list[ElectionReminders]:
    """Enabled automatic reminders, for one guild or all."""
    sql = "SELECT * FROM election_reminders WHERE enabled = 1"
    params: tuple[int, ...] = ()
    if guild_id is not None:
        sql += " AND guild_id = ?"
        params = (guild_id,)
    async with conn.execute(sql + " ORDER BY election_id", params) as c:
        return [_reminders(r) for r in await c.fetchall()]


async def save_reminders(conn: Connection, r: ElectionReminders) -> None:
    """Insert or replace an election's reminder settings."""
    await conn.execute(
        "INSERT INTO election_reminders (election_id, guild_id, enabled, offsets, checked_until,"
        " updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (election_id) DO UPDATE SET guild_id = excluded.guild_id, enabled = excluded.enabled,"
        " offsets = excluded.offsets, checked_until = excluded.checked_until, updated_by = excluded.updated_by,"
        " updated_at = excluded.updated_at",
        (
            r.election_id,
            r.guild_id,
            int(r.enabled),
            to_json(offsets_to_json(r.offsets)),
            dt_to_db(r.checked_until),
            r.updated_by,
            dt_to_db(r.updated_at),
        ),
    )
    await conn.notify(TOPIC_DELIVERY, r.guild_id)


async def advance_reminders(conn: Connection, election_id: int, checked_until: datetime) -> None:
    """Move an election's reminder cursor."""
    await conn.execute(
        "UPDATE election_reminders SET checked_until = ? WHERE election_id = ?",
        (dt_to_db(checked_until), election_id),
    )
