"""The delivery ledger: one row per (item, occurrence), the truth about what was sent."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.domain.schedule.ledger import Delivery, DeliveryStatus, Lane, Source
from bot.store.codec import dt_from_db, dt_to_db, from_json, to_json
from bot.store.engine import POSTGRESQL, Connection, Row

#: A row this process may write after sending: nobody holds it (pending), or this process's claim does.
#: A leader that lost its lock without noticing yet is fenced out of a row another process took over.
_MINE = "(status = 'pending' OR claimed_by = ?)"


def _delivery(row: Row) -> Delivery:
    return Delivery(
        id=row["id"],
        guild_id=row["guild_id"],
        source=Source(row["source"]),
        source_id=row["source_id"],
        occurrence=row["occurrence"],
        due_at=dt_from_db(row["due_at"]),
        lane=Lane(row["lane"]),
        target_id=row["target_id"],
        detail=from_json(row["detail"], {}),
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        next_attempt_at=dt_from_db(row["next_attempt_at"]),
        sent_at=dt_from_db(row["sent_at"]),
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        reason=row["reason"],
        alerted=bool(row["alerted"]),
        first_attempt_at=dt_from_db(row["first_attempt_at"]),
        marks=from_json(row["marks"], []),
    )


async def add_many(conn: Connection, rows: Iterable[Delivery]) -> int:
    """Insert ledger rows, ignoring any (item, occurrence) already there; returns how many were new."""
    return await conn.executemany(
        "INSERT INTO deliveries (guild_id, source, source_id, occurrence, due_at, lane, target_id, detail,"
        " status, next_attempt_at, reason, alerted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        [
            (
                d.guild_id,
                d.source.value,
                d.source_id,
                d.occurrence,
                dt_to_db(d.due_at),
                d.lane.value,
                d.target_id,
                to_json(d.detail),
                d.status.value,
                dt_to_db(d.next_attempt_at or d.due_at),
                d.reason,
                int(d.alerted),
            )
            for d in rows
        ],
    )


async def ready(
    conn: Connection,
    lane: Lane,
    now: datetime,
    limit: int = 100,
    *,
    per_target: int | None = None,
    per_guild: int | None = None,
) -> list[Delivery]:
    """Pending rows of a lane whose (next) attempt is due, oldest due first (not of guilds that removed us).

    `per_target` / `per_guild` take at most that many of each channel's / guild's oldest rows, so a
    guild with thousands due can't fill the page and hide another guild's post.
    """
    async with conn.execute(
        "SELECT * FROM (SELECT *,"
        " row_number() OVER (PARTITION BY target_id ORDER BY next_attempt_at, id) AS in_target,"
        " row_number() OVER (PARTITION BY guild_id ORDER BY next_attempt_at, id) AS in_guild"
        " FROM deliveries WHERE status = 'pending' AND lane = ? AND next_attempt_at <= ?"
        " AND guild_id NOT IN (SELECT guild_id FROM removed_guilds)) AS ranked"
        " WHERE in_target <= ? AND in_guild <= ? ORDER BY next_attempt_at, id LIMIT ?",
        (lane.value, dt_to_db(now), per_target or limit, per_guild or limit, limit),
    ) as c:
        return [_delivery(r) for r in await c.fetchall()]


async def next_attempt(conn: Connection) -> datetime | None:
    """When the earliest pending row may be tried, or the earliest claim lapses (rows of guilds that removed
    us wait for a re-invite)."""
    async with conn.execute(
        "SELECT min(at) FROM (SELECT min(next_attempt_at) AS at FROM deliveries WHERE status = 'pending'"
        " AND guild_id NOT IN (SELECT guild_id FROM removed_guilds)"
        " UNION ALL SELECT min(lease_until) AS at FROM deliveries WHERE status = 'sending') AS due"
    ) as c:
        row = await c.fetchone()
    return dt_from_db(row[0]) if row else None


async def recover_interrupted(conn: Connection) -> int:
    """SQLite at start-up: rows left `sending` go back to pending (retried with the same nonce).

    Only where one process runs on the store (the run lock proves the previous one is gone); on
    PostgreSQL a row's claim lapses instead (`expire_leases`), since its holder may still be sending.
    """
    cur = await conn.execute(
        "UPDATE deliveries SET status = 'pending', claimed_by = NULL, lease_until = NULL WHERE status = 'sending'"
    )
    return cur.rowcount


async def expire_leases(conn: Connection, now: datetime) -> int:
    """Rows whose claim lapsed (their sender died or lost the lead) go back to pending; how many.

    Retried with the same nonce, and reconciled against the channel first once past the nonce window.
    """
    cur = await conn.execute(
        "UPDATE deliveries SET status = 'pending', claimed_by = NULL, lease_until = NULL,"
        " reason = 'the send was interrupted (its process stopped or lost the lead)'"
        " WHERE status = 'sending' AND (lease_until IS NULL OR lease_until <= ?)",
        (dt_to_db(now),),
    )
    return cur.rowcount


async def claim(
    conn: Connection, delivery_id: int, at: datetime, marks: list[str], *, owner: str, lease_until: datetime
) -> bool:
    """Claim a pending row for sending (one more attempt, begun `at`, sending what `marks` fingerprint).

    `owner` holds it until `lease_until`. False if it is no longer pending, or (PostgreSQL) another
    process is claiming it at this moment: `FOR UPDATE SKIP LOCKED` passes it by rather than waiting.
    The first attempt's start is kept: a later retry reads the channel from then on to find a post
    whose answer never arrived.
    """
    if conn.engine == POSTGRESQL:
        which = "id = (SELECT id FROM deliveries WHERE id = ? AND status = 'pending' FOR UPDATE SKIP LOCKED)"
    else:  # one writer at a time: the conditional update is the claim
        which = "id = ? AND status = 'pending'"
    cur = await conn.execute(
        "UPDATE deliveries SET status = 'sending', attempts = attempts + 1,"
        " first_attempt_at = coalesce(first_attempt_at, ?), marks = ?, claimed_by = ?, lease_until = ?"
        f" WHERE {which}",
        (dt_to_db(at), to_json(marks), owner, dt_to_db(lease_until), delivery_id),
    )
    return cur.rowcount > 0


async def release(conn: Connection, delivery_id: int, reason: str, *, owner: str) -> None:
    """A send cut off by a stop goes back to pending at once (its outcome unknown until reconciled)."""
    await conn.execute(
        "UPDATE deliveries SET status = 'pending', reason = ?, claimed_by = NULL, lease_until = NULL"
        " WHERE id = ? AND status = 'sending' AND claimed_by = ?",
        (reason, delivery_id, owner),
    )


async def message_recorded(conn: Connection, message_id: int) -> bool:
    """True when a ledger row already holds this message (so it is not another row's post)."""
    async with conn.execute("SELECT 1 FROM deliveries WHERE message_id = ? LIMIT 1", (message_id,)) as c:
        return await c.fetchone() is not None


async def defer(conn: Connection, delivery_id: int, at: datetime, reason: str) -> None:
    """Put off a pending row that was never tried this time (the lane is backing off)."""
    await conn.execute(
        "UPDATE deliveries SET next_attempt_at = ?, reason = ? WHERE id = ? AND status = 'pending'",
        (dt_to_db(at), reason, delivery_id),
    )


async def mark_guild_removed(conn: Connection, guild_id: int, at: datetime) -> bool:
    """Note that the bot was removed from a guild; False if it was already noted."""
    cur = await conn.execute(
        "INSERT INTO removed_guilds (guild_id, removed_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (guild_id, dt_to_db(at)),
    )
    return cur.rowcount > 0


async def mark_guild_back(conn: Connection, guild_id: int) -> bool:
    """The bot is in the guild again; True if it had been removed."""
    cur = await conn.execute("DELETE FROM removed_guilds WHERE guild_id = ?", (guild_id,))
    return cur.rowcount > 0


async def guilds_with_deliveries(conn: Connection) -> set[int]:
    """Guilds with something to deliver: ledger rows waiting, active announcements or member reminders."""
    async with conn.execute(
        "SELECT guild_id FROM deliveries WHERE status IN ('pending', 'sending')"
        " UNION SELECT guild_id FROM announcements WHERE status = 'active'"
        " UNION SELECT guild_id FROM subscriptions WHERE status = 'active'"
        " UNION SELECT guild_id FROM election_reminders WHERE enabled = 1"
    ) as c:
        return {int(r[0]) for r in await c.fetchall()}


async def guild_removed(conn: Connection, guild_id: int) -> bool:
    """True while the bot is removed from the guild."""
    async with conn.execute("SELECT 1 FROM removed_guilds WHERE guild_id = ?", (guild_id,)) as c:
        return await c.fetchone() is not None


async def record_sent(
    conn: Connection, delivery_id: int, *, late: bool, at: datetime, channel_id: int, message_id: int, owner: str
) -> bool:
    """Record a successful send with the message's id; False when another process holds the row now."""
    cur = await conn.execute(
        "UPDATE deliveries SET status = ?, sent_at = ?, channel_id = ?, message_id = ?, reason = NULL,"
        f" next_attempt_at = NULL, lease_until = NULL WHERE id = ? AND {_MINE}",
        (
            (DeliveryStatus.LATE if late else DeliveryStatus.SENT).value,
            dt_to_db(at),
            channel_id,
            message_id,
            delivery_id,
            owner,
        ),
    )
    return cur.rowcount > 0


async def retry_later(conn: Connection, delivery_id: int, at: datetime, reason: str, *, owner: str) -> None:
    """Put a row back to pending, to be tried again at `at` (unless another process holds it now)."""
    await conn.execute(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = ?, reason = ?, claimed_by = NULL,"
        f" lease_until = NULL WHERE id = ? AND {_MINE}",
        (dt_to_db(at), reason, delivery_id, owner),
    )


async def finish(conn: Connection, delivery_id: int, status: DeliveryStatus, reason: str | None, *, owner: str) -> None:
    """Close a row without a message: missed, failed, cancelled or skipped (unless another process holds it)."""
    await conn.execute(
        f"UPDATE deliveries SET status = ?, reason = ?, next_attempt_at = NULL, lease_until = NULL"
        f" WHERE id = ? AND {_MINE}",
        (status.value, reason, delivery_id, owner),
    )


async def cancel_open(conn: Connection, source: Source, source_ids: Iterable[int], reason: str) -> int:
    """Cancel the pending rows of some items (announcement cancelled, member unsubscribed)."""
    ids = list(source_ids)
    if not ids:
        return 0
    marks = ",".join("?" * len(ids))
    cur = await conn.execute(
        f"UPDATE deliveries SET status = 'cancelled', reason = ?, next_attempt_at = NULL"
        f" WHERE source = ? AND source_id IN ({marks}) AND status = 'pending'",
        (reason, source.value, *ids),
    )
    return cur.rowcount


async def unalerted_missed(conn: Connection) -> list[Delivery]:
    """Missed rows of channel posts not yet summarised to organisers (DMs are not reported one by one)."""
    async with conn.execute(
        "SELECT * FROM deliveries WHERE alerted = 0 AND status = 'missed' AND source IN ('announcement', 'election')"
        " ORDER BY guild_id, due_at, id"
    ) as c:
        return [_delivery(r) for r in await c.fetchall()]


async def mark_alerted(conn: Connection, ids: Iterable[int]) -> None:
    """Flag rows as included in an alert."""
    await conn.executemany("UPDATE deliveries SET alerted = 1 WHERE id = ?", [(i,) for i in ids])


async def history(
    conn: Connection,
    guild_id: int,
    *,
    source: Source | None = None,
    source_id: int | None = None,
    exclude: Source | None = None,
    limit: int = 25,
) -> list[Delivery]:
    """A guild's ledger rows, newest due first, optionally for one item (or without one source)."""
    sql = "SELECT * FROM deliveries WHERE guild_id = ?"
    params: list[object] = [guild_id]
    if source is not None:
        sql += " AND source = ?"
        params.append(source.value)
    if exclude is not None:
        sql += " AND source != ?"
        params.append(exclude.value)
    if source_id is not None:
        sql += " AND source_id = ?"
        params.append(source_id)
    sql += " ORDER BY due_at DESC, id DESC LIMIT ?"
    params.append(limit)
    async with conn.execute(sql, params) as c:
        return [_delivery(r) for r in await c.fetchall()]


async def for_items(conn: Connection, source: Source, source_ids: Iterable[int]) -> list[Delivery]:
    """Every ledger row of some items, oldest due first."""
    ids = list(source_ids)
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    async with conn.execute(
        f"SELECT * FROM deliveries WHERE source = ? AND source_id IN ({marks}) ORDER BY due_at, id",
        (source.value, *ids),
    ) as c:
        return [_delivery(r) for r in await c.fetchall()]


async def counts(conn: Connection, guild_id: int | None = None) -> dict[str, int]:
    """How many rows are in each status (one guild or all)."""
    sql = "SELECT status, count(*) FROM deliveries"
    params: tuple[int, ...] = ()
    if guild_id is not None:
        sql += " WHERE guild_id = ?"
        params = (guild_id,)
    async with conn.execute(sql + " GROUP BY status", params) as c:
        return {r[0]: r[1] for r in await c.fetchall()}


async def dm_channel(conn: Connection, user_id: int) -> int | None:
    """The DM channel already opened with a user, if any."""
    async with conn.execute("SELECT channel_id FROM dm_channels WHERE user_id = ?", (user_id,)) as c:
        row = await c.fetchone()
    return int(row[0]) if row else None


async def save_dm_channel(conn: Connection, user_id: int, channel_id: int) -> None:
    """Remember a user's DM channel."""
    await conn.execute(
        "INSERT INTO dm_channels (user_id, channel_id) VALUES (?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET channel_id = excluded.channel_id",
        (user_id, channel_id),
    )


async def previous_outcome(conn: Connection, row: Delivery) -> DeliveryStatus | None:
    """How the item's latest other finished send (sent, late or failed) ended, if any."""
    async with conn.execute(
        "SELECT status FROM deliveries WHERE source = ? AND source_id = ? AND id != ?"
        " AND status IN ('sent', 'late', 'failed') ORDER BY due_at DESC, id DESC LIMIT 1",
        (row.source.value, row.source_id, row.id),
    ) as c:
        prev = await c.fetchone()
    return DeliveryStatus(prev[0]) if prev else None
