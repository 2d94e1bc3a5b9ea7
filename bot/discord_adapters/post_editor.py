"""The discord.py side of editing a post the bot made (the public hustings post follows its hustings)."""

from __future__ import annotations

import discord

from bot.services.delivery.ports import Outgoing


class DiscordPostEditor:
    """Edits one of the bot's channel messages by id, without needing the channel cached."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def edit(self, channel_id: int, message_id: int, message: Outgoing) -> bool:
        """Edit the message to `message` (no view: its buttons are removed); False when it was deleted.

        Other refusals (permissions, a channel gone) raise `discord.HTTPException` for the caller to log.
        """
        partial = self.client.get_partial_messageable(channel_id).get_partial_message(message_id)
        try:
            await partial.edit(
                content=message.content or None,
                embeds=message.embeds,
                view=message.view,  # None clears the components (a cancelled hustings has no buttons)
                allowed_mentions=message.allowed_mentions,
            )
        except discord.NotFound:  # 10008 Unknown Message: deleted in Discord (10003: the channel is gone)
            return False
        return True
