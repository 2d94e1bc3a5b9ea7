"""The discord.py outbox: sends the delivery engine's messages (with nonces) and finds them again."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime

import aiohttp
import discord

from bot.domain.schedule.ledger import Lane
from bot.domain.schedule.sending import EMBEDS_DROPPED, message_marker
from bot.services.delivery.ports import Outgoing, SendError, Sent
from bot.services.delivery.writes import ShieldedWrites
from bot.store import deliveries

#: How many messages a reconcile reads at most (Discord pages by 100): a busier channel is read no further.
RECONCILE_SCAN = 1000


class DiscordOutbox:
    """Sends through discord.py: `PartialMessageable.send(nonce=…)` (discord.py sets enforce_nonce)."""

    def __init__(self, client: discord.Client, writes: ShieldedWrites) -> None:
        self.client = client
        self.db = writes.db
        self.writes = writes  # the engine's: a stop never cuts the write of a DM channel in half
        self._dm_channels: dict[int, int] = {}

    async def post(self, channel_id: int, message: Outgoing, nonce: str) -> Sent:
        """Post into a channel by id, without needing it cached."""
        channel = self.client.get_partial_messageable(channel_id)
        try:
            with _send_errors():
                sent = await channel.send(
                    content=message.content or None,
                    embeds=message.embeds,
                    files=message.files() if message.files else discord.utils.MISSING,
                    allowed_mentions=message.allowed_mentions,
                    nonce=nonce,
                )
        except SendError as exc:
            if exc.status == 403:
                exc.missing = self._missing_rights(channel_id, message)
            raise
        if message.embeds and not sent.embeds:
            # Without Embed Links, Discord accepts text + embeds and silently drops the embeds
            # (discord/discord-api-docs#2601): that post is not what was scheduled, so it must not count
            # as delivered. Remove it and fail, naming the permission.
            with contextlib.suppress(discord.HTTPException):
                await sent.delete()
            raise SendError(403, EMBEDS_DROPPED, "embeds dropped")
        return Sent(sent.channel.id, sent.id)

    def _missing_rights(self, channel_id: int, message: Outgoing) -> list[str]:
        """Which of its permissions the bot lacks for this message in a cached guild channel (send-time re-check)."""
        channel = self.client.get_channel(channel_id)
        if not isinstance(channel, discord.abc.GuildChannel) or channel.guild.me is None:
            return []
        have = channel.permissions_for(channel.guild.me)
        needs = [("view_channel", "View Channel"), ("send_messages", "Send Messages")]
        needs += [("embed_links", "Embed Links")] if message.embeds else []
        needs += [("attach_files", "Attach Files")] if message.files else []
        return [label for name, label in needs if not getattr(have, name)]

    async def dm_requests(self, user_id: int) -> int:
        """1 when the member's DM channel is known (cached or stored), else 2 (open it, then post)."""
        if user_id in self._dm_channels:
            return 1
        stored = await deliveries.dm_channel(self.db.reader, user_id)
        if stored is not None:
            self._dm_channels[user_id] = stored
            return 1
        return 2

    async def dm(self, user_id: int, message: Outgoing, nonce: str) -> Sent:
        """Open (once, remembered in the database) and post into the member's DM channel."""
        return await self.post(await self._open(user_id), message, nonce)

    async def open_dm(self, user_id: int) -> None:
        """Open the member's DM channel now (when they subscribe), so a fan-out needn't."""
        await self._open(user_id)

    async def _open(self, user_id: int) -> int:
        channel_id = self._dm_channels.get(user_id) or await deliveries.dm_channel(self.db.reader, user_id)
        if channel_id is None:
            with _send_errors(opening_dm=True):
                data = await self.client.http.start_private_message(user_id)
            channel_id = int(data["id"])
            opened = channel_id
            await self.writes.run(lambda tx: deliveries.save_dm_channel(tx, user_id, opened))
        self._dm_channels[user_id] = channel_id
        return channel_id

    async def find_sent(self, lane: Lane, target_id: int, after: datetime, marks: set[str]) -> list[Sent]:
        """Read the channel's messages after `after` (Discord's `after` paging) for our post.

        A DM channel never opened holds nothing of ours.
        """
        if lane is Lane.DM:
            channel_id = self._dm_channels.get(target_id) or await deliveries.dm_channel(self.db.reader, target_id)
            if channel_id is None:
                return []
        else:
            channel_id = target_id
        me = self.client.user.id if self.client.user else None
        channel = self.client.get_partial_messageable(channel_id)
        found: list[Sent] = []
        with _send_errors():
            async for msg in channel.history(limit=RECONCILE_SCAN, after=after, oldest_first=True):
                marker = message_marker(msg.content, [(e.title, e.description) for e in msg.embeds])
                if msg.author.id == me and marker in marks:
                    found.append(Sent(channel_id, msg.id))
        return found


@contextlib.contextmanager
def _send_errors(*, opening_dm: bool = False) -> Iterator[None]:
    """Turn discord.py and network errors into `SendError`."""
    try:
        yield
    except discord.HTTPException as exc:
        raise SendError(exc.status, exc.code or None, exc.text, opening_dm=opening_dm) from exc
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise SendError(None, None, type(exc).__name__, opening_dm=opening_dm) from exc
