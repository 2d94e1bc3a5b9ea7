"""Where a guild's questions threads go: the organisers' chosen channel, and threads deleted in Discord."""

from __future__ import annotations

from bot.store.engine import Connection


async def question_channel(conn: Connection, guild_id: int) -> int | None:
    """The channel organisers chose for the guild's questions threads, if any."""
    async with conn.execute("SELECT channel_id FROM question_channels WHERE guild_id = ?", (guild_id,)) as c:
        row = await c.fetchone()
    return int(row[0]) if row else None


async def set_question_channel(conn: Connection, guild_id: int, channel_id: int | None) -> None:
    """Choose (None: forget) the channel for the guild's questions threads."""
    await conn.execute("DELETE FROM question_channels WHERE guild_id = ?", (guild_id,))
    if channel_id is not None:
        await conn.execute("INSERT INTO question_channels (guild_id, channel_id) VALUES (?, ?)", (guild_id, channel_id))


async def forget_thread(conn: Connection, guild_id: int, thread_id: int) -> int:
    """A questions thread deleted in Discord: forget it, so the next question opens a new one."""
    cur = await conn.execute("DELETE FROM question_threads WHERE guild_id = ? AND thread_id = ?", (guild_id, thread_id))
    return cur.rowcount
