"""Guilds and channels as the adapters see them: names, and the channels a message can be posted in."""

from __future__ import annotations

import discord

# The guild channels a message can be posted in: those with both a guild and `send`.
PostableChannel = discord.TextChannel | discord.VoiceChannel | discord.StageChannel | discord.Thread


async def postable_channel(client: discord.Client, channel_id: int, guild_id: int) -> PostableChannel | None:
    """The channel (cached, else fetched) when it can be posted in and belongs to `guild_id`, else None.

    Never post one guild's alert or audit row into another guild, whatever id was stored.
    """
    channel = client.get_channel(channel_id) or await client.fetch_channel(channel_id)
    if not isinstance(channel, PostableChannel) or channel.guild.id != guild_id:
        return None
    return channel


class GuildNames:
    """A guild's name from discord.py's cache (None when not cached): what the post composer shows."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    def __call__(self, guild_id: int) -> str | None:
        """The guild's name, when known."""
        guild = self.client.get_guild(guild_id)
        return guild.name if guild else None
