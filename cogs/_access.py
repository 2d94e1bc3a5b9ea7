"""Glue from a discord.Interaction to the bot's own permission checks."""

from __future__ import annotations

import discord

from bot.app import HustingsBot
from bot.domain.access import Actor, Level


def actor_from(interaction: discord.Interaction) -> Actor:
    """Build an Actor from the interaction's member (permissions as Discord resolved them)."""
    user = interaction.user
    guild_id = interaction.guild_id or 0
    if isinstance(user, discord.Member):
        return Actor(
            guild_id=guild_id,
            user_id=user.id,
            name=str(user),
            manage_guild=user.guild_permissions.manage_guild,
            role_ids=frozenset(r.id for r in user.roles),
        )
    return Actor(guild_id=guild_id, user_id=user.id, name=str(user))


async def require(interaction: discord.Interaction[HustingsBot], needed: Level, action: str, entity: str = "") -> Actor:
    """Check inside the bot (not only Discord's command settings) that the user may do `action`."""
    actor = actor_from(interaction)
    services = interaction.client.services
    await services.access.require(actor, needed, action, entity)
    return actor
