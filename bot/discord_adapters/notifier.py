"""Source alerts in the guild's alert channel (the sources service's `SourceNotifier`)."""

from __future__ import annotations

from typing import Any

import discord

from bot.discord_adapters.guilds import postable_channel
from bot.render import sources as render
from bot.services.sources.pipeline import SourceAlert


class DiscordNotifier:
    """Posts source alerts in the guild's alert channel, with no pings."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def source_alert(self, channel_id: int, alert: SourceAlert) -> None:
        """Send one alert (held updates carry the Apply / Keep buttons, handled by `cogs.sources`)."""
        channel = await postable_channel(self.client, channel_id, alert.source.guild_id)
        if channel is None:
            return
        view = render.hold_view(alert.source) if alert.kind == "held" else None
        kwargs: dict[str, Any] = {"embed": render.alert_embed(alert), "allowed_mentions": render.NO_MENTIONS}
        if view is not None:
            kwargs["view"] = view
        await channel.send(**kwargs)
