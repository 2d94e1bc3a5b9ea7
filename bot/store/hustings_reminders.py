"""Members' "Remind me 1 h before" marks on hustings (plain SQL: no upserts, portable)."""

from __future__ import annotations

from datetime import datetime

from bot.domain.hustings_reminders import HustingsReminder
from bot.store.codec import dt_from_db, dt_to_db
from bot.store.engine import TOPIC_DELIVERY, Connection, Row


def _reminder(row: Row) -> HustingsReminder:
    return HustingsReminder(
        id=row["id"],
        guild_id=row["guild_id"],
        hustings_id=row["hustings_id"],
        user_id=row["user_id"],
        checked_until=dt_from_db(row["checked_until"]),
    )


async def find(conn: Connection, hustings_id: int, user_id: int) -> HustingsReminder | None:
    """The member's reminder for a hustings, if set."""
    async with conn.execute(
        "SELECT * FROM hustings_reminders WHERE hustings_id = ? AND user_id = ?", (hustings_id, user_id)
    ) as c:
        row = await c.fetchone()
    return _reminder(row) if row else None


async def get(conn: Connection, reminder_id: int) -> HustingsReminder | None:
    """One reminder by id."""
    async with conn.execute("SELECT * FROM hustings_reminders WHERE id = ?", (reminder_id,)) as c:
        row = await c.fetchone()
    return _reminder(row) if row else None


async def add(conn: Connection, reminder: HustingsReminder, now: datetime) -> int:
    """Store a new reminder (the caller checked there is none); returns its id."""
    async with conn.execute(
        "INSERT INTO hustings_reminders (guild_id, hustings_id, user_id, created_at, checked_until)"
        " VALUES (?, ?, ?, ?, ?) RETURNING id",
        (reminder.guild_id, reminder.hustings_id, reminder.user_id, dt_to_db(now), dt_to_db(reminder.checked_until)),
    ) as c:
        row = await c.fetchone()
    assert row is not None
    await conn.notify(TOPIC_DELIVERY, reminder.guild_id)  # the planner (perhaps in another process) plans it
    return int(row[0])


async def delete(conn: Connection, reminder_id: int) -> None:
    """Remove a reminder."""
    await conn.execute("DELETE FROM hustings_reminders WHERE id = ?", (reminder_id,))
    await conn.notify(TOPIC_DELIVERY)


async def active(conn: Connection) -> list[tuple[HustingsReminder, datetime]]:
    """Every reminder of a hustings not cancelled, with the hustings' start."""
    async with conn.execute(
        "SELECT r.*, h.starts_at AS starts_at FROM hustings_reminders r"
        " JOIN hustings h ON h.id = r.hustings_id WHERE h.cancelled = 0 ORDER BY r.id"
    ) as c:
        return [(_reminder(row), dt_from_db(row["starts_at"])) for row in await c.fetchall()]


async def advance(conn: Connection, now: datetime) -> None:
    """Move every reminder's planning cursor to `now`."""
    await conn.execute("UPDATE hustings_reminders SET checked_until = ? WHERE checked_until < ?", (dt_to_db(now),) * 2)
