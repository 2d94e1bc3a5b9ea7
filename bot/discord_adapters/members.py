"""What the services ask Discord about members: may an organiser still ping, is a member still here."""

from __future__ import annotations

import discord

from bot.domain.access import ChannelRights, ping_refusal


def rights_of(permissions: discord.Permissions) -> ChannelRights:
    """Resolved channel permissions as the plain facts the rules read."""
    return ChannelRights(
        view=permissions.view_channel,
        send=permissions.send_messages,
        embed_links=permissions.embed_links,
        attach_files=permissions.attach_files,
        mention_everyone=permissions.mention_everyone,
    )


class PingRights:
    """The announcements' send-time check that an organiser may still make their ping (`PingCheck` there)."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def __call__(self, guild_id: int, channel_id: int, user_id: int, role_id: int | None) -> bool | None:
        """Whether the organiser may still make this ping in that channel, from Discord's current state.

        Their member record is fetched by REST (no Server Members intent needed); None when the guild
        or channel isn't known now, False when they have left.
        """
        guild = self.client.get_guild(guild_id)
        channel = guild.get_channel(channel_id) if guild else None
        if guild is None or channel is None:
            return None
        try:
            member = guild.get_member(user_id) or await guild.fetch_member(user_id)
        except discord.NotFound:
            return False
        except discord.HTTPException:
            return None
        role = guild.get_role(role_id) if role_id is not None else None
        if role_id is not None and role is None:
            return False
        refusal = ping_refusal(
            rights_of(channel.permissions_for(member)),
            everyone=role_id is None,
            role_mentionable=role is not None and role.mentionable,
        )
        return refusal is None


class StillMember:
    """The reminders' check before each DM: without the Server Members intent no leave event comes."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def __call__(self, guild_id: int, user_id: int) -> bool | None:
        """Whether the member is still in the server (a REST look-up, no intent needed); None when the
        members intent is on (leaves arrive as events) or Discord can't say now."""
        if self.client.intents.members:
            return None
        try:
            await self.client.http.get_member(guild_id, user_id)
        except discord.NotFound:
            return False
        except discord.HTTPException:
            return None
        return True
