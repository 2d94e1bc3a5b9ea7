"""Threads in the simulator: starting them, their permission rules and posting in them, through discord.py's
HTTP client. Rules from discord-api-docs `developers/resources/channel.mdx` ("Start Thread from Message",
"Start Thread without Message") and `developers/topics/threads.mdx` ("Permissions")."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord.http import Route

from bot.sim import DiscordSimulator, SimGuild
from bot.sim import permissions as perms
from tests.sim.demo_bot import DemoBot


def grant(guild: SimGuild, bits: int) -> None:
    """Give the bot a role with these permissions."""
    role = guild.add_role("Threads", permissions=bits)
    guild.set_roles(guild.bot_member, [*guild.bot_member.roles, role])


async def refused(call: Any) -> tuple[int, int]:
    """(status, code) of a request Discord refuses."""
    with pytest.raises(discord.HTTPException) as caught:
        await call
    return caught.value.status, caught.value.code


async def test_start_thread_without_message_needs_create_public_threads(
    sim: DiscordSimulator, guild: SimGuild, bot: DemoBot
) -> None:
    general = guild.channel("general")
    start = bot.http.start_thread_without_message
    assert await refused(start(general.id, name="Questions", auto_archive_duration=1440, type=11)) == (403, 50013)
    grant(guild, perms.CREATE_PUBLIC_THREADS)
    await sim.wait_for_idle()
    made = await start(general.id, name="Questions", auto_archive_duration=1440, type=11)
    assert made["type"] == 11 and made["parent_id"] == str(general.id)
    assert made["thread_metadata"]["auto_archive_duration"] == 1440
    assert sim.world.channels[int(made["id"])].type == 11
    # Without `type` Discord makes a private thread, which needs Create Private Threads.
    raw = Route("POST", "/channels/{channel_id}/threads", channel_id=general.id)
    assert await refused(bot.http.request(raw, json={"name": "Secret"})) == (403, 50013)
    assert sim.violations == []


async def test_thread_name_and_archive_duration_are_checked(
    sim: DiscordSimulator, guild: SimGuild, bot: DemoBot
) -> None:
    grant(guild, perms.CREATE_PUBLIC_THREADS)
    await sim.wait_for_idle()
    general = guild.channel("general")
    start = bot.http.start_thread_without_message
    assert (await refused(start(general.id, name="x" * 101, auto_archive_duration=1440, type=11)))[0] == 400
    assert (await refused(start(general.id, name="ok", auto_archive_duration=30, type=11)))[0] == 400  # type: ignore[arg-type]
    sim.violations.clear()  # those were deliberate


async def test_thread_from_message_takes_its_id_once(sim: DiscordSimulator, guild: SimGuild, bot: DemoBot) -> None:
    grant(guild, perms.CREATE_PUBLIC_THREADS)
    await sim.wait_for_idle()
    general = guild.channel("general")
    message = await bot.http.send_message(general.id, params=discord.http.handle_message_parameters(content="Hi"))
    made = await bot.http.start_thread_with_message(general.id, message["id"], name="Replies", auto_archive_duration=60)
    assert made["id"] == message["id"] and made["type"] == 11
    again = bot.http.start_thread_with_message(general.id, message["id"], name="Again", auto_archive_duration=60)
    assert await refused(again) == (400, 160004)
    sim.violations.clear()


async def test_posting_in_a_thread_needs_send_messages_in_threads(
    sim: DiscordSimulator, guild: SimGuild, bot: DemoBot
) -> None:
    grant(guild, perms.CREATE_PUBLIC_THREADS)
    await sim.wait_for_idle()
    general = guild.channel("general")
    made = await bot.http.start_thread_without_message(general.id, name="Q", auto_archive_duration=60, type=11)
    thread_id = int(made["id"])
    hello = discord.http.handle_message_parameters(content="Hello")
    sent = await bot.http.send_message(thread_id, params=hello)
    assert sent["channel_id"] == str(thread_id)
    # The thread inherits the parent's overwrites; Send Messages alone does not let anyone post in it.
    guild.set_overwrite(general, guild.bot_member, perms.SEND_MESSAGES, perms.SEND_MESSAGES_IN_THREADS)
    await sim.wait_for_idle()
    again = discord.http.handle_message_parameters(content="Hello again")
    assert await refused(bot.http.send_message(thread_id, params=again)) == (403, 50013)
    assert sim.violations == []


async def test_a_forum_post_needs_send_messages_and_a_first_message(
    sim: DiscordSimulator, guild: SimGuild, bot: DemoBot
) -> None:
    forum = guild.add_channel("questions", "forum")
    grant(guild, perms.CREATE_PUBLIC_THREADS | perms.SEND_MESSAGES_IN_THREADS)
    guild.set_overwrite(forum, guild.bot_member, 0, perms.SEND_MESSAGES)  # no "Create Posts" here
    await sim.wait_for_idle()
    channel = bot.get_channel(forum.id)
    assert isinstance(channel, discord.ForumChannel)
    assert await refused(channel.create_thread(name="Hustings", content="Ask here")) == (403, 50013)
    raw = Route("POST", "/channels/{channel_id}/threads", channel_id=forum.id)
    assert (await refused(bot.http.request(raw, json={"name": "No message"})))[0] == 400
    sim.violations.clear()  # those were deliberate
    guild.set_overwrite(forum, guild.bot_member, perms.SEND_MESSAGES, 0)  # "Create Posts" in a forum
    await sim.wait_for_idle()
    made = await channel.create_thread(name="Hustings", content="Ask here")
    assert made.thread.id == made.message.id and made.thread.parent_id == forum.id
    assert [m.content for m in sim.channel_messages(sim.world.channels[made.thread.id])] == ["Ask here"]
    assert sim.violations == []


async def test_deleting_a_thread_fires_thread_delete_with_the_documented_fields(
    sim: DiscordSimulator, guild: SimGuild, bot: DemoBot
) -> None:
    grant(guild, perms.CREATE_PUBLIC_THREADS)
    await sim.wait_for_idle()
    general = guild.channel("general")
    made = await bot.http.start_thread_without_message(general.id, name="Q", auto_archive_duration=1440, type=11)
    thread = sim.world.channels[int(made["id"])]
    waiting = bot.wait_for("raw_thread_delete")
    guild.delete_thread(thread)
    event: discord.RawThreadDeleteEvent = await waiting
    assert (event.thread_id, event.guild_id, event.parent_id) == (thread.id, guild.id, general.id)
    assert event.thread_type is discord.ChannelType.public_thread
    assert thread.id not in sim.world.channels
