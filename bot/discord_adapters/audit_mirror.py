"""Every audit row mirrored to the guild's alert channel (best effort, no pings): an audit listener."""

from __future__ import annotations

import discord

from bot.discord_adapters.guilds import postable_channel
from bot.domain.audit import AuditEntry
from bot.render import admin as render
from bot.services.admin.config import AdminConfig


class AuditMirror:
    """Posts an audit row in the guild's alert channel, when one is set."""

    def __init__(self, client: discord.Client, config: AdminConfig) -> None:
        self.client = client
        self.config = config

    async def __call__(self, entry: AuditEntry) -> None:
        """Mirror one audit row (an `AdminCore` listener)."""
        channel_id = await self.config.alert_channel(entry.guild_id)
        if channel_id is None:
            return
        channel = await postable_channel(self.client, channel_id, entry.guild_id)
        if channel is not None:
            await channel.send(render.audit_mirror_text(entry), allowed_mentions=render.NO_MENTIONS)
