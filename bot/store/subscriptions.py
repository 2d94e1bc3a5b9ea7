"""Members' opt-in DM reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.schedule.ledger import Subscription, SubscriptionGroup, SubscriptionKind
from bot.store.codec import dt_from_db, dt_to_db
from bot.store.engine import TOPIC_DELIVERY, Connection, Row


def _subscription(row: Row) -> Subscription:
    return Subscription(
        id=row["id"],
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        kind=SubscriptionKind(row["kind"]),
        before=timedelta(seconds=row["before_seconds"]),
        body_id=row["body_id"],
        election_id=row["election_id"],
        status=row["status"],
        paused_reason=row["paused_reason"],
        created_at=dt_from_db(row["created_at"]),
        checked_until=dt_from_db(row["checked_until"]),
    )


async def upsert(conn: Connection, s: Subscription) -> int:
    """Subscribe (or re-subscribe, resuming a paused one with the new lead time); returns the id."""
    async with conn.execute(
        "INSERT INTO subscriptions (guild_id, user_id, kind, body_id, election_id, before_seconds, status,"
        " paused_reason, created_at, checked_until) VALUES (?, ?, ?, ?, ?, ?, 'active', NULL, ?, ?)"
        " ON CONFLICT (guild_id, user_id, kind, coalesce(body_id, 0), coalesce(election_id, 0))"
        " DO UPDATE SET before_seconds = excluded.before_seconds, status = 'active', paused_reason = NULL,"
        " checked_until = greatest(subscriptions.checked_until, excluded.checked_until) RETURNING id",
        (
            s.guild_id,
            s.user_id,
            s.kind.value,
            s.body_id,
            s.election_id,
            int(s.before.total_seconds()),
            dt_to_db(s.created_at),
            dt_to_db(s.checked_until),
        ),
    ) as c:
        row = await c.fetchone()
    assert row is not None
    await conn.notify(TOPIC_DELIVERY, s.guild_id)  # the planner (perhaps in another process) plans it
    return int(row[0])


async def get(conn: Connection, subscription_id: int) -> Subscription | None:
    """One subscription by id."""
    async with conn.execute("SELECT * FROM subscriptions WHERE id = ?", (subscription_id,)) as c:
        row = await c.fetchone()
    return _subscription(row) if row else None


async def list_for_member(conn: Connection, guild_id: int, user_id: int) -> list[Subscription]:
    """A member's subscriptions in this guild, oldest first."""
    async with conn.execute(
        "SELECT * FROM subscriptions WHERE guild_id = ? AND user_id = ? ORDER BY id", (guild_id, user_id)
    ) as c:
        return [_subscription(r) for r in await c.fetchall()]


async def delete(conn: Connection, ids: list[int]) -> int:
    """Remove subscriptions by id; returns how many went."""
    if not ids:
        return 0
    marks = ",".join("?" * len(ids))
    cur = await conn.execute(f"DELETE FROM subscriptions WHERE id IN ({marks})", ids)
    await conn.notify(TOPIC_DELIVERY)
    return cur.rowcount


async def delete_member(conn: Connection, guild_id: int, user_id: int) -> list[int]:
    """Remove every subscription a member holds in a guild; returns their ids."""
    async with conn.execute(
        "DELETE FROM subscriptions WHERE guild_id = ? AND user_id = ? RETURNING id", (guild_id, user_id)
    ) as c:
        gone = [int(r[0]) for r in await c.fetchall()]
    await conn.notify(TOPIC_DELIVERY, guild_id)
    return gone


async def pause_member(conn: Connection, guild_id: int, user_id: int, reason: str) -> list[int]:
    """Pause all of a member's active subscriptions in a guild (their DMs are closed); returns the ids."""
    async with conn.execute(
        "UPDATE subscriptions SET status = 'paused', paused_reason = ?"
        " WHERE guild_id = ? AND user_id = ? AND status = 'active' RETURNING id",
        (reason, guild_id, user_id),
    ) as c:
        paused = [int(r[0]) for r in await c.fetchall()]
    await conn.notify(TOPIC_DELIVERY, guild_id)
    return paused


async def groups(conn: Connection) -> list[SubscriptionGroup]:
    """Active subscriptions grouped by what they follow and how early (a fan-out's members share instants)."""
    async with conn.execute(
        "SELECT guild_id, kind, body_id, election_id, before_seconds, min(checked_until) AS since, count(*) AS n"
        " FROM subscriptions WHERE status = 'active'"
        " GROUP BY guild_id, kind, body_id, election_id, before_seconds ORDER BY guild_id"
    ) as c:
        rows = await c.fetchall()
    return [
        SubscriptionGroup(
            guild_id=r["guild_id"],
            kind=SubscriptionKind(r["kind"]),
            before=timedelta(seconds=r["before_seconds"]),
            body_id=r["body_id"],
            election_id=r["election_id"],
            since=dt_from_db(r["since"]),
            members=r["n"],
        )
        for r in rows
    ]


async def in_group(conn: Connection, group: SubscriptionGroup) -> list[Subscription]:
    """The active subscriptions of one group."""
    async with conn.execute(
        "SELECT * FROM subscriptions WHERE status = 'active' AND guild_id = ? AND kind = ? AND before_seconds = ?"
        " AND body_id IS NOT DISTINCT FROM ? AND election_id IS NOT DISTINCT FROM ? ORDER BY id",
        (group.guild_id, group.kind.value, int(group.before.total_seconds()), group.body_id, group.election_id),
    ) as c:
        return [_subscription(r) for r in await c.fetchall()]


async def advance_all(conn: Connection, checked_until: datetime) -> None:
    """Move every active subscription's generation cursor up to `checked_until`."""
    value = dt_to_db(checked_until)
    await conn.execute(
        "UPDATE subscriptions SET checked_until = ? WHERE status = 'active' AND checked_until < ?", (value, value)
    )
