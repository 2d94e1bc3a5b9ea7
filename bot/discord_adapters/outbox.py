"""The discord.py outbox: sends the delivery engine's messages (with nonces) and finds them again."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime

import aiohttp
import discord

from bot.domain.schedule.ledger import Lane
from bot.domain.schedule.sending import FailureKind, message_marker
from bot.services.delivery.ports import Outgoing, SendError, Sent
from bot.services.delivery.writes import ShieldedWrites
from bot.store import deliveries

#: Discord JSON error codes that will not go away by retrying.
PERMANENT_CODES: dict[int, str] = {
    10003: "the channel no longer exists",
    10013: "the member no longer exists",
    50001: "I can't see that channel (missing access)",
    50013: "I'm missing permissions to post there",
    50035: "Discord refused the message as invalid",
}
DM_CLOSED_CODES: dict[int, str] = {
    50007: "Discord won't let me DM you (DMs from server members are off, or you blocked the bot)",
    50278: "Discord won't let me DM you",
}


#: "You are opening direct messages too fast" (Discord's JSON error codes): a lane-wide back-off.
DM_THROTTLED_CODE = 40003


def classify_failure(status: int | None, code: int | None, *, opening_dm: bool = False) -> FailureKind:
    """Decide from an HTTP status and Discord error code (None for timeouts / connection errors).

    Only 50007/50278 are about the member; 40003, or a 429 while opening a DM channel, is about our
    pace of opening DMs, so it throttles the lane and never pauses anyone.
    """
    if code in DM_CLOSED_CODES:
        return FailureKind.DM_CLOSED
    if code == DM_THROTTLED_CODE or (opening_dm and status == 429):
        return FailureKind.THROTTLED
    if status is None or status >= 500 or status == 429 or status == 408:
        return FailureKind.TRANSIENT
    return FailureKind.PERMANENT


#: Not a Discord code: the bot saw Discord accept a post but drop its embeds (no Embed Links there).
EMBEDS_DROPPED = -50013


def failure_reason(status: int | None, code: int | None, text: str = "") -> str:
    """Organiser-facing reason for a failure."""
    if code == EMBEDS_DROPPED:
        return "I'm missing Embed Links there, so Discord dropped the post's embeds (I removed the broken post)"
    if code in DM_CLOSED_CODES:
        return DM_CLOSED_CODES[code]
    if code == DM_THROTTLED_CODE:
        return "Discord asked me to open direct messages more slowly; I'll try again shortly"
    if code in PERMANENT_CODES:
        return f"{PERMANENT_CODES[code]} (Discord error {code})"
    if status is None:
        return f"couldn't reach Discord ({text or 'timeout'})"
    if status >= 500:
        return f"Discord had a server error ({status})"
    return f"Discord refused it ({status}{f', error {code}' if code else ''})"


def send_error(status: int | None, code: int | None, text: str = "", *, opening_dm: bool = False) -> SendError:
    """Discord's answer (HTTP status, JSON error code; None for timeouts and connection errors) as the
    engine's `SendError`: what it means for retrying, and why in the organisers' words."""
    return SendError(status, classify_failure(status, code, opening_dm=opening_dm), failure_reason(status, code, text))


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
                    view=message.view or discord.utils.MISSING,
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
            raise send_error(403, EMBEDS_DROPPED, "embeds dropped")
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
        raise send_error(exc.status, exc.code or None, exc.text, opening_dm=opening_dm) from exc
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise send_error(None, None, type(exc).__name__, opening_dm=opening_dm) from exc
