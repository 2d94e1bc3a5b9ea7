"""Claims with a lease on in-flight sends (#20 part 2), on both stores.

Two leaders may overlap for a moment (the old one has not yet noticed it lost the lock): a row is
claimed by one process at a time, the other's writes are fenced out, and a claim lapses only when its
lease runs out — never at another process's start-up, which would steal a live sender's work.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.domain.schedule.ledger import Delivery, DeliveryStatus, Lane, Source
from bot.domain.schedule.sending import CLAIM_LEASE, NONCE_TRUST
from bot.store import deliveries
from bot.store.database import Database

NOW = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)
GUILD = 4242


async def _row(db: Database) -> int:
    row = Delivery(
        guild_id=GUILD,
        source=Source.ALERT,
        source_id=GUILD,
        occurrence="claims",
        due_at=NOW,
        lane=Lane.CHANNEL,
        target_id=77,
        detail={"text": "hello"},
    )
    async with db.transaction() as tx:
        assert await deliveries.add_many(tx, [row]) == 1
    [stored] = await deliveries.history(db.reader, GUILD)
    assert stored.id is not None
    return stored.id


async def _claim(db: Database, row_id: int, owner: str, at: datetime) -> bool:
    async with db.transaction() as tx:
        return await deliveries.claim(tx, row_id, at, ["m"], owner=owner, lease_until=at + CLAIM_LEASE)


async def _status(db: Database) -> DeliveryStatus:
    [row] = await deliveries.history(db.reader, GUILD)
    return row.status


def test_the_lease_expires_well_inside_the_nonce_window() -> None:
    assert CLAIM_LEASE * 2 <= NONCE_TRUST


async def test_a_claimed_row_is_not_claimed_again_and_the_other_process_is_fenced_out(db: Database) -> None:
    row_id = await _row(db)
    assert await _claim(db, row_id, "old", NOW)
    assert not await _claim(db, row_id, "new", NOW)
    async with db.transaction() as tx:  # the new leader's start-up does not steal a live claim
        assert await deliveries.expire_leases(tx, NOW + CLAIM_LEASE / 2) == 0
        assert not await deliveries.record_sent(tx, row_id, late=False, at=NOW, channel_id=77, message_id=1, owner="x")
        await deliveries.finish(tx, row_id, DeliveryStatus.FAILED, "not mine", owner="x")
        await deliveries.retry_later(tx, row_id, NOW, "not mine", owner="x")
        await deliveries.release(tx, row_id, "not mine", owner="x")
    assert await _status(db) is DeliveryStatus.SENDING
    assert await deliveries.next_attempt(db.reader) == NOW + CLAIM_LEASE  # the engine wakes when it lapses


async def test_a_lapsed_claim_goes_back_to_pending_and_the_old_holder_cannot_record_over_the_new(db: Database) -> None:
    row_id = await _row(db)
    assert await _claim(db, row_id, "old", NOW)
    later = NOW + CLAIM_LEASE
    async with db.transaction() as tx:
        assert await deliveries.expire_leases(tx, later) == 1
    assert await _status(db) is DeliveryStatus.PENDING
    assert await _claim(db, row_id, "new", later)
    async with db.transaction() as tx:  # the old leader hears back late: the row is no longer its own
        assert not await deliveries.record_sent(
            tx, row_id, late=False, at=later, channel_id=77, message_id=5, owner="old"
        )
        assert await deliveries.record_sent(tx, row_id, late=False, at=later, channel_id=77, message_id=5, owner="new")
    [row] = await deliveries.history(db.reader, GUILD)
    assert (row.status, row.attempts, row.first_attempt_at, row.message_id) == (DeliveryStatus.SENT, 2, NOW, 5)


async def test_two_processes_claiming_the_same_rows_at_once_get_each_row_once(db: Database) -> None:
    ids = []
    for i in range(20):
        row = Delivery(
            guild_id=GUILD,
            source=Source.ALERT,
            source_id=GUILD,
            occurrence=f"race-{i}",
            due_at=NOW,
            lane=Lane.CHANNEL,
            target_id=77,
        )
        async with db.transaction() as tx:
            await deliveries.add_many(tx, [row])
    ids = [r.id for r in await deliveries.history(db.reader, GUILD, limit=50) if r.id is not None]
    won = await asyncio.gather(*(_claim(db, i, owner, NOW) for i in ids for owner in ("a", "b")))
    assert sum(won) == len(ids)
    assert all(a != b for a, b in zip(won[::2], won[1::2], strict=True))


async def test_a_stop_gives_its_own_claim_back_at_once(db: Database) -> None:
    row_id = await _row(db)
    assert await _claim(db, row_id, "me", NOW)
    async with db.transaction() as tx:
        await deliveries.release(tx, row_id, "interrupted by a stop", owner="me")
    assert await _status(db) is DeliveryStatus.PENDING
    assert await deliveries.next_attempt(db.reader) == NOW
    assert timedelta(0) < CLAIM_LEASE
