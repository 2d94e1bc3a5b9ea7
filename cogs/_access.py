"""Glue from a discord.Interaction to the bot's own permission checks."""

from __future__ import annotations

import discord

from bot.app import HustingsBot
from bot.discord_adapters.members import rights_of
from bot.discordpy_private import member_role_ids
from bot.domain.access import Actor, ChannelRights, Level


def actor_from(interaction: discord.Interaction) -> Actor:
    """Build an Actor from what Discord sent with the interaction, never from discord.py's guild cache.

    `interaction.permissions` is the member's permissions as Discord resolved them (owner and
    Administrator included), and the member payload lists their role ids: both arrive with every
    interaction, so a moderator is still a moderator while the guild is not cached (an outage, a
    reconnect), when `Member.roles` and `guild_permissions` would come back empty.
    """
    user = interaction.user
    guild_id = interaction.guild_id or 0
    if isinstance(user, discord.Member):
        return Actor(
            guild_id=guild_id,
            user_id=user.id,
            name=str(user),
            manage_guild=interaction.permissions.manage_guild or interaction.permissions.administrator,
            role_ids=member_role_ids(user),
        )
    return Actor(guild_id=guild_id, user_id=user.id, name=str(user))


async def require(interaction: discord.Interaction[HustingsBot], needed: Level, action: str, entity: str = "") -> Actor:
    """Check inside the bot (not only Discord's command settings) that the user may do `action`."""
    actor = actor_from(interaction)
    services = interaction.client.services
    await services.access.require(actor, needed, action, entity)
    return actor


def bot_rights(channel: discord.abc.GuildChannel) -> ChannelRights | None:
    """The bot's own rights in `channel`, from the guild's roles and the channel's overwrites.

    Discord sends `app_permissions` only for the channel the command was typed in, so for another
    channel they are computed the way Discord documents (developers/topics/permissions.mdx). None when
    the guild isn't cached well enough to tell (the send-time check still applies).
    """
    me = channel.guild.me
    if me is None or channel.guild.unavailable:
        return None
    return rights_of(channel.permissions_for(me))


def invoker_rights(interaction: discord.Interaction, option: str, channel: discord.abc.GuildChannel) -> ChannelRights:
    """The member's rights in the channel they chose for `option`, as Discord resolved them for this command.

    A channel option's resolved data carries the invoking member's permissions there, overwrites included.
    """
    resolved = getattr(interaction.namespace, option, None)
    permissions = getattr(resolved, "permissions", None)
    if isinstance(permissions, discord.Permissions):
        return rights_of(permissions)
    user = interaction.user
    return rights_of(channel.permissions_for(user)) if isinstance(user, discord.Member) else ChannelRights()
