"""Hustings meetings, the per-election events switch, and the scheduled events the bot created."""

from __future__ import annotations

from datetime import datetime

from bot.domain.hustings import Hustings, Place, PlaceKind, StoredEvent
from bot.store.codec import dt_from_db, dt_to_db, from_json, to_json
from bot.store.engine import Connection, Row


def _hustings(row: Row) -> Hustings:
    return Hustings(
        id=row["id"],
        guild_id=row["guild_id"],
        election_id=row["election_id"],
        title=row["title"],
        starts_at=dt_from_db(row["starts_at"]),
        minutes=row["minutes"],
        place=Place(PlaceKind(row["place_kind"]), row["channel_id"], row["location"]),
        candidates=list(from_json(row["candidates"], [])),
        chair=row["chair"],
        cancelled=bool(row["cancelled"]),
    )


async def insert(conn: Connection, guild_id: int, h: Hustings, now: datetime) -> int:
    """Store a new hustings; returns its id."""
    async with conn.execute(
        "INSERT INTO hustings (guild_id, election_id, title, starts_at, minutes, place_kind, channel_id, location,"
        " candidates, chair, cancelled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?) RETURNING id",
        (
            guild_id,
            h.election_id,
            h.title,
            dt_to_db(h.starts_at),
            h.minutes,
            h.place.kind.value,
            h.place.channel_id,
            h.place.location,
            to_json(h.candidates),
            h.chair,
            dt_to_db(now),
        ),
    ) as c:
        row = await c.fetchone()
    assert row is not None
    return int(row[0])


async def update(conn: Connection, h: Hustings) -> None:
    """Write back an edited (or cancelled) hustings."""
    await conn.execute(
        "UPDATE hustings SET title = ?, starts_at = ?, minutes = ?, place_kind = ?, channel_id = ?, location = ?,"
        " candidates = ?, chair = ?, cancelled = ? WHERE id = ? AND guild_id = ?",
        (
            h.title,
            dt_to_db(h.starts_at),
            h.minutes,
            h.place.kind.value,
            h.place.channel_id,
            h.place.location,
            to_json(h.candidates),
            h.chair,
            int(h.cancelled),
            h.id,
            h.guild_id,
        ),
    )


async def get(conn: Connection, guild_id: int, hustings_id: int) -> Hustings | None:
    """One hustings of this guild by id (another guild's id finds nothing)."""
    async with conn.execute("SELECT * FROM hustings WHERE id = ? AND guild_id = ?", (hustings_id, guild_id)) as c:
        row = await c.fetchone()
    return _hustings(row) if row else None


async def list_for_guild(conn: Connection, guild_id: int, *, cancelled: bool = False) -> list[Hustings]:
    """The guild's hustings by start time (cancelled ones only when asked)."""
    sql = "SELECT * FROM hustings WHERE guild_id = ?" + ("" if cancelled else " AND cancelled = 0")
    async with conn.execute(sql + " ORDER BY starts_at, id", (guild_id,)) as c:
        return [_hustings(r) for r in await c.fetchall()]


async def events_on(conn: Connection, election_id: int) -> bool:
    """Whether the election's events are on (the default)."""
    async with conn.execute("SELECT 1 FROM election_events_off WHERE election_id = ?", (election_id,)) as c:
        return await c.fetchone() is None


async def set_events_on(conn: Connection, election_id: int, on: bool) -> None:
    """Switch an election's events on or off."""
    if on:
        await conn.execute("DELETE FROM election_events_off WHERE election_id = ?", (election_id,))
    else:
        await conn.execute(
            "INSERT INTO election_events_off (election_id) VALUES (?) ON CONFLICT DO NOTHING", (election_id,)
        )


async def stored_events(conn: Connection, guild_id: int) -> list[StoredEvent]:
    """The scheduled events the bot created in a guild."""
    async with conn.execute("SELECT * FROM scheduled_events WHERE guild_id = ? ORDER BY key", (guild_id,)) as c:
        rows = await c.fetchall()
    return [StoredEvent(r["key"], r["event_id"], r["fingerprint"], dt_from_db(r["starts_at"])) for r in rows]


async def remember_event(conn: Connection, guild_id: int, event: StoredEvent) -> None:
    """Keep (or replace) the event made for a key."""
    await conn.execute(
        "INSERT INTO scheduled_events (guild_id, key, event_id, fingerprint, starts_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (guild_id, key) DO UPDATE SET event_id = excluded.event_id,"
        " fingerprint = excluded.fingerprint, starts_at = excluded.starts_at",
        (guild_id, event.key, event.event_id, event.fingerprint, dt_to_db(event.start)),
    )


async def forget_event(conn: Connection, guild_id: int, key: str) -> None:
    """Drop the row for an event that was cancelled or has passed."""
    await conn.execute("DELETE FROM scheduled_events WHERE guild_id = ? AND key = ?", (guild_id, key))


async def guilds_with_events(conn: Connection) -> list[int]:
    """Guilds that hold elections (each may need events reconciled at start)."""
    async with conn.execute("SELECT DISTINCT guild_id FROM elections ORDER BY guild_id") as c:
        return [int(r[0]) for r in await c.fetchall()]


async def how_to_vote(conn: Connection, election_id: int) -> str:
    """The election's "how to vote" text ('' when none is set)."""
    async with conn.execute("SELECT how_to_vote FROM election_vote_info WHERE election_id = ?", (election_id,)) as c:
        row = await c.fetchone()
    return str(row[0]) if row else ""


async def set_how_to_vote(conn: Connection, election_id: int, text: str) -> None:
    """Set (or with '' clear) the election's "how to vote" text."""
    if text:
        await conn.execute(
            "INSERT INTO election_vote_info (election_id, how_to_vote) VALUES (?, ?)"
            " ON CONFLICT (election_id) DO UPDATE SET how_to_vote = excluded.how_to_vote",
            (election_id, text),
        )
    else:
        await conn.execute("DELETE FROM election_vote_info WHERE election_id = ?", (election_id,))


async def posts_on(conn: Connection, election_id: int) -> bool:
    """Whether the election's automatic hustings posts are on (the default)."""
    async with conn.execute("SELECT 1 FROM election_hustings_post_off WHERE election_id = ?", (election_id,)) as c:
        return await c.fetchone() is None


async def set_posts_on(conn: Connection, election_id: int, on: bool) -> None:
    """Switch an election's automatic hustings posts on or off."""
    await conn.execute("DELETE FROM election_hustings_post_off WHERE election_id = ?", (election_id,))
    if not on:
        await conn.execute("INSERT INTO election_hustings_post_off (election_id) VALUES (?)", (election_id,))


async def post_of(conn: Connection, hustings_id: int) -> tuple[int, int] | None:
    """Where the hustings' public post is (channel id, message id), or None when there is none."""
    async with conn.execute(
        "SELECT post_channel_id, post_message_id FROM hustings WHERE id = ? AND post_message_id IS NOT NULL",
        (hustings_id,),
    ) as c:
        row = await c.fetchone()
    return (int(row[0]), int(row[1])) if row else None


async def record_post(conn: Connection, hustings_id: int, delivery_id: int) -> None:
    """Keep the message the delivery ledger row `delivery_id` sent as the hustings' public post."""
    await conn.execute(
        "UPDATE hustings SET post_channel_id = (SELECT channel_id FROM deliveries WHERE id = ?),"
        " post_message_id = (SELECT message_id FROM deliveries WHERE id = ?) WHERE id = ?",
        (delivery_id, delivery_id, hustings_id),
    )


async def forget_post(conn: Connection, hustings_id: int) -> None:
    """The post is gone (deleted in Discord): stop editing it."""
    await conn.execute(
        "UPDATE hustings SET post_channel_id = NULL, post_message_id = NULL WHERE id = ?", (hustings_id,)
    )
