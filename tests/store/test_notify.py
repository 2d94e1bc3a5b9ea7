"""LISTEN/NOTIFY between processes on PostgreSQL (issue #20 part 2): writes notify inside their transaction,
each process's listener tells its read cache which guild to re-read and wakes the schedulers, and a
listener that reconnects treats everything as changed. On SQLite there is no listener at all."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from bot.services.read.snapshot import SnapshotCache
from bot.store import meta
from bot.store import sources as sources_repo
from bot.store.database import Database
from bot.store.engine import TOPIC_DATA, TOPIC_SOURCES
from bot.store.notify import ChangeFeed
from bot.store.postgres import PostgresDatabase

ON_POSTGRES = os.environ.get("HUSTINGS_TEST_DATABASE", "").startswith(("postgresql://", "postgres://"))
pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="LISTEN/NOTIFY is PostgreSQL's (SQLite has no listener)")

GUILD = 42
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


async def _feed(db: Database) -> ChangeFeed:
    assert isinstance(db, PostgresDatabase)
    feed = ChangeFeed(db.url, own=db.server_pids.__contains__)  # as bot/composition.py builds it
    db.after_commit.append(feed.committed)
    await feed.start()
    await feed.wait_for(lambda f: f.live.is_set())
    return feed


async def _quiet_write(other: Database, version: int) -> None:
    """Another process changes the version without notifying (what only a reconnect can reveal)."""
    async with other.transaction() as tx:
        await tx.execute("UPDATE data_versions SET version = ? WHERE guild_id = ?", (version, GUILD))


async def test_another_process_write_is_seen_after_its_notification_and_not_reread_before(db: Database) -> None:
    async with db.transaction() as tx:
        await meta.bump_version(tx, GUILD, NOW, "seed")
    feed = await _feed(db)
    cache = SnapshotCache(db, changes=feed)
    other = await Database.open(db.path)  # another process's pool
    try:
        assert (await cache.version(GUILD)).version == 1
        await _quiet_write(other, 50)
        # No notification for the guild: the cached version stands (no re-read per request any more).
        assert (await cache.version(GUILD)).version == 1
        heard = feed.received
        async with other.transaction() as tx:
            await meta.bump_version(tx, GUILD, NOW, "elsewhere")
        await feed.wait_for(lambda f: f.received > heard)
        assert (await cache.version(GUILD)).version == 51
    finally:
        await other.close()
        await feed.stop()


async def test_a_rolled_back_write_notifies_nobody(db: Database) -> None:
    feed = await _feed(db)
    heard: list[tuple[str | None, int | None]] = []
    feed.on_change(lambda topic, guild: heard.append((topic, guild)))
    other = await Database.open(db.path)
    try:
        with pytest.raises(RuntimeError):
            async with other.transaction() as tx:
                await meta.bump_version(tx, 7, NOW, "rolled back")
                raise RuntimeError("no")
        async with other.transaction() as tx:
            await meta.bump_version(tx, GUILD, NOW, "kept")
        await feed.wait_for(lambda f: f.received >= 1)
        assert heard == [(TOPIC_DATA, GUILD)]
    finally:
        await other.close()
        await feed.stop()


async def test_own_notifications_are_skipped(db: Database) -> None:
    feed = await _feed(db)
    heard: list[tuple[str | None, int | None]] = []
    feed.on_change(lambda topic, guild: heard.append((topic, guild)))
    other = await Database.open(db.path)
    try:
        async with db.transaction() as tx:
            await meta.bump_version(tx, 7, NOW, "here: woke what it needed itself")
        async with other.transaction() as tx:
            await meta.bump_version(tx, GUILD, NOW, "elsewhere")
        await feed.wait_for(lambda f: f.received >= 1)
        assert heard == [(TOPIC_DATA, GUILD)]
    finally:
        await other.close()
        await feed.stop()


async def test_a_changed_source_wakes_the_scheduler_elsewhere(db: Database) -> None:
    from bot.domain.sources import Source, SourceKind

    feed = await _feed(db)
    heard: list[tuple[str | None, int | None]] = []
    feed.on_change(lambda topic, guild: heard.append((topic, guild)))
    other = await Database.open(db.path)
    try:
        source = Source(
            id=0,
            guild_id=GUILD,
            election="nec",
            kind=SourceKind.CANDIDATES,
            url="https://example.org/a.csv",
            every=timedelta(hours=1),
            created_by=1,
            created_at=NOW,
            next_run_at=NOW,
        )
        async with other.transaction() as tx:
            await sources_repo.add(tx, source)
        await feed.wait_for(lambda f: f.received >= 1)
        assert heard == [(TOPIC_SOURCES, GUILD)]
    finally:
        await other.close()
        await feed.stop()


async def test_a_reconnected_listener_treats_everything_as_changed(db: Database, caplog) -> None:
    async with db.transaction() as tx:
        await meta.bump_version(tx, GUILD, NOW, "seed")
    feed = await _feed(db)
    cache = SnapshotCache(db, changes=feed)
    woken: list[tuple[str | None, int | None]] = []
    feed.on_change(lambda topic, guild: woken.append((topic, guild)))
    other = await Database.open(db.path)
    try:
        assert (await cache.version(GUILD)).version == 1
        await _quiet_write(other, 9)
        assert (await cache.version(GUILD)).version == 1
        caplog.set_level(logging.WARNING, logger="bot.store.notify")
        conn = await asyncpg.connect(str(db.path))
        try:
            # The server drops the listener (a restart, a failover, an operator): notifications are lost meanwhile.
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'"
                " AND datname = current_database()"
            )
        finally:
            await conn.close()
        await feed.wait_for(lambda f: f.connections == 2 and f.live.is_set())
        assert (await cache.version(GUILD)).version == 9
        assert woken == [(None, None)]  # the schedulers look at everything again
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1 and "lost the connection" in errors[0].getMessage()
        assert any("listening to PostgreSQL again" in r.getMessage() for r in caplog.records)
    finally:
        await other.close()
        await feed.stop()


async def test_own_commits_are_seen_at_once(db: Database) -> None:
    feed = await _feed(db)
    cache = SnapshotCache(db, changes=feed)
    try:
        assert (await cache.version(GUILD)).version == 0
        async with db.transaction() as tx:
            await meta.bump_version(tx, GUILD, NOW, "here")
        assert (await cache.version(GUILD)).version == 1  # before its notification comes back
    finally:
        await feed.stop()


async def test_an_announcement_stored_by_another_process_is_posted_here(sim, guild, clock, db: Database) -> None:
    """The running bot's planner sleeps (a hand-moved clock, nothing due); another process stores an
    announcement due now: its notification wakes the planner, which posts it."""
    from bot.app import HustingsBot, point_discord_at
    from bot.config import Settings
    from bot.domain.schedule.ledger import Announcement
    from bot.domain.schedule.recurrence import Schedule
    from bot.sim import run_bot_against
    from bot.store import announcements

    channel = guild.channel("announcements")
    settings = Settings(
        _env_file=None,
        HUSTINGS_DATABASE=str(db.path),
        HUSTINGS_DISCORD_API=sim.api_base,
        HUSTINGS_DISCORD_GATEWAY=sim.gateway_url,
        HUSTINGS_DEV_GUILD=str(guild.id),
    )
    point_discord_at(sim.api_base, sim.gateway_url)
    async with run_bot_against(sim, HustingsBot(settings=settings, db=db, clock=clock)) as bot:
        changes = bot.services.changes
        assert changes is not None
        await changes.wait_for(lambda f: f.live.is_set())
        await bot.services.delivery.settled(within=30)
        other = await Database.open(db.path)
        try:
            now = clock.now()
            async with other.transaction() as tx:
                await announcements.create(
                    tx,
                    Announcement(
                        guild_id=guild.id,
                        channel_id=channel.id,
                        schedule=Schedule(now),
                        content="Hustings tonight at 7",
                        created_by=1,
                        created_by_name="organiser elsewhere",
                        created_at=now - timedelta(minutes=5),
                        checked_until=now - timedelta(minutes=5),
                        next_due=now,
                    ),
                )
        finally:
            await other.close()
        await changes.wait_for(lambda f: f.received >= 1)
        await bot.services.delivery.settled(within=30)
        assert [m.content for m in sim.channel_messages(channel)] == ["Hustings tonight at 7"]


async def test_own_writes_that_notify_nothing_invalidate_nothing(db: Database) -> None:
    """A delivery ledger write (thousands in a fan-out) changes no guild's data: commands keep the version."""
    async with db.transaction() as tx:
        await meta.bump_version(tx, GUILD, NOW, "seed")
    feed = await _feed(db)
    cache = SnapshotCache(db, changes=feed)
    try:
        assert (await cache.version(GUILD)).version == 1
        stamp = cache.seen_stamp
        async with db.transaction() as tx:
            await meta.set_state(tx, "ledger", "x")
        assert (await cache.version(GUILD)).version == 1 and cache.seen_stamp == stamp
    finally:
        await feed.stop()
