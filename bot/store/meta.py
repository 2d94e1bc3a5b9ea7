"""Guild data versions (cache keys, "last changed" footers), bot state and guild settings."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from bot.domain.settings import GuildSettings
from bot.store.codec import dt_from_db, dt_to_db, from_json, to_json
from bot.store.engine import POSTGRESQL, TOPIC_DATA, Connection


@dataclass(frozen=True, slots=True)
class DataVersion:
    """How many times a guild's data changed, when last, and through which source."""

    version: int
    changed_at: datetime | None
    source: str | None


async def bump_version(conn: Connection, guild_id: int, now: datetime, source: str | None = None) -> int:
    """Mark a guild's data as changed (call inside the write transaction); returns the new version."""
    async with conn.execute(
        "INSERT INTO data_versions (guild_id, version, changed_at, source) VALUES (?, 1, ?, ?)"
        " ON CONFLICT (guild_id) DO UPDATE SET version = data_versions.version + 1, changed_at = excluded.changed_at,"
        " source = excluded.source RETURNING version",
        (guild_id, dt_to_db(now), source),
    ) as c:
        row = await c.fetchone()
    assert row is not None
    await conn.notify(TOPIC_DATA, guild_id)  # other processes' caches re-read the version after the commit
    return int(row[0])


async def get_version(conn: Connection, guild_id: int) -> DataVersion:
    """The guild's current data version (0 when nothing was ever written)."""
    async with conn.execute(
        "SELECT version, changed_at, source FROM data_versions WHERE guild_id = ?", (guild_id,)
    ) as c:
        row = await c.fetchone()
    if row is None:
        return DataVersion(0, None, None)
    return DataVersion(row[0], dt_from_db(row[1]), row[2])


async def file_version(conn: Connection) -> int:
    """A number that changes whenever any other connection (another process's too) commits to the file.

    SQLite's `PRAGMA data_version` on this connection: it reads no table, so a cache can ask it on
    every request and re-read versions only when it moved.
    """
    if conn.engine == POSTGRESQL:
        # PostgreSQL keeps no cheap commit counter a reader can poll: report "changed" every time, so
        # each request re-reads the guild's version (one indexed row). The bot does better: it listens
        # for the versions' notifications (`bot.store.notify.ChangeFeed`) and asks this only while it can't.
        return time.monotonic_ns()
    async with conn.execute("PRAGMA data_version") as c:
        row = await c.fetchone()
    assert row is not None
    return int(row[0])


async def get_state(conn: Connection, key: str) -> str | None:
    """Read a bot_state value."""
    async with conn.execute("SELECT value FROM bot_state WHERE key = ?", (key,)) as c:
        row = await c.fetchone()
    return row[0] if row else None


async def set_state(conn: Connection, key: str, value: str) -> None:
    """Write a bot_state value."""
    await conn.execute(
        "INSERT INTO bot_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


async def get_settings(conn: Connection, guild_id: int) -> GuildSettings:
    """A guild's settings (defaults when never configured)."""
    async with conn.execute("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,)) as c:
        row = await c.fetchone()
    if row is None:
        return GuildSettings(guild_id)
    return GuildSettings(
        guild_id=guild_id,
        timezone=row["timezone"],
        moderator_role_ids=from_json(row["moderator_role_ids"], []),
        organiser_role_ids=from_json(row["organiser_role_ids"], []),
        announce_channel_id=row["announce_channel_id"],
        alert_channel_id=row["alert_channel_id"],
        two_person_publish=bool(row["two_person_publish"]),
        grace_minutes=row["grace_minutes"],
        audit_retention_days=row["audit_retention_days"],
    )


async def save_settings(conn: Connection, s: GuildSettings) -> None:
    """Insert or replace a guild's settings."""
    await conn.execute(
        "INSERT INTO guild_settings (guild_id, timezone, moderator_role_ids, organiser_role_ids,"
        " announce_channel_id, alert_channel_id, two_person_publish, grace_minutes, audit_retention_days)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET timezone = excluded.timezone,"
        " moderator_role_ids = excluded.moderator_role_ids, organiser_role_ids = excluded.organiser_role_ids,"
        " announce_channel_id = excluded.announce_channel_id, alert_channel_id = excluded.alert_channel_id,"
        " two_person_publish = excluded.two_person_publish, grace_minutes = excluded.grace_minutes,"
        " audit_retention_days = excluded.audit_retention_days",
        (
            s.guild_id,
            s.timezone,
            to_json(s.moderator_role_ids),
            to_json(s.organiser_role_ids),
            s.announce_channel_id,
            s.alert_channel_id,
            int(s.two_person_publish),
            s.grace_minutes,
            s.audit_retention_days,
        ),
    )
