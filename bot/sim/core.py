"""Shared simulator state and the message operations REST handlers and the test API both use."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.sim import payloads
from bot.sim.appcommands import CommandRegistry
from bot.sim.clock import SimClock
from bot.sim.errors import EMPTY_MESSAGE, REQUEST_TOO_LARGE, DiscordHTTPError, ErrorTree, Violation, form_error
from bot.sim.faults import FaultInjector
from bot.sim.gateway import GatewayServer
from bot.sim.interactions import SimInteraction
from bot.sim.models import (
    FLAG_COMPONENTS_V2,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    FLAG_SUPPRESS_EMBEDS,
    FLAG_SUPPRESS_NOTIFICATIONS,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    SimFile,
    SimMessage,
    SimUser,
    World,
)
from bot.sim.ratelimit import RateLimitConfig, RateLimiter
from bot.sim.stats import SimStats
from bot.sim.validation import check_message, is_empty_message

if TYPE_CHECKING:
    from discord.types import gateway as dgw

#: Flags a bot may set when sending; the rest are Discord's to set.
SENDABLE_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_COMPONENTS_V2 | FLAG_EPHEMERAL


@dataclass
class Upload:
    """One `files[n]` part of a multipart request."""

    index: int
    filename: str
    data: bytes
    content_type: str


class SimCore:
    """Everything the REST and gateway sides share."""

    def __init__(
        self,
        clock: SimClock,
        token: str,
        *,
        bot_name: str,
        rate_limits: RateLimitConfig | None,
        seed: int,
        heartbeat_interval_ms: int,
    ) -> None:
        self.clock = clock
        self.token = token
        self.world = World(clock, bot_name=bot_name)
        self.stats = SimStats()
        self.gateway = GatewayServer(self.world, self.stats, token, heartbeat_interval_ms=heartbeat_interval_ms)
        self.world.emit = self.gateway.dispatch
        self.gateway.on_token_reset = self._token_reset
        self.faults = FaultInjector(self.gateway, seed=seed)
        self.ratelimiter = RateLimiter(rate_limits)
        self.commands = CommandRegistry(self.world)
        self.interactions: dict[int, SimInteraction] = {}
        self.by_token: dict[str, SimInteraction] = {}
        self.violations: list[Violation] = []
        self.response_deadline = 3.0
        self.token_lifetime = timedelta(minutes=15)
        # Create Message, `enforce_nonce` (docs: resources/message.mdx): "checked for uniqueness in
        # the past few minutes"; tests shorten or lengthen it to model "a few".
        self.nonce_window = timedelta(minutes=5)
        # Error 40003 "You are opening direct messages too fast" (docs: topics/opcodes-and-status-codes.mdx).
        # Discord publishes no figure; (openings, real seconds), None for no limit. Real time, like
        # the rate limiter: a manual clock that stands still must not make every opening "too fast".
        self.dm_open_limit: tuple[int, float] | None = (10, 10.0)
        self._dm_opens: deque[float] = deque()
        self.upload_limit = 10 * 1024 * 1024  # bytes per request, Discord's default attachment_size_limit
        self._nonces: dict[tuple[int, int, str], tuple[SimMessage, datetime]] = {}
        self.inflight = 0
        self._violation_waiters: list[tuple[int, asyncio.Future[None]]] = []
        self.on_message: list[Callable[[SimMessage], None]] = []

    def _token_reset(self, token: str) -> None:
        """Discord reset the bot's token (the daily session start limit ran out): REST answers 401 from now on."""
        self.token = token

    # --- violations --------------------------------------------------------------------------------

    def record(self, violation: Violation) -> None:
        """Keep a violation and attach it to its interaction when known."""
        self.violations.append(violation)
        if violation.interaction_id is not None:
            interaction = self.interactions.get(violation.interaction_id)
            if interaction is not None:
                interaction.errors.append(violation)
                interaction.changed()
        for count, fut in list(self._violation_waiters):
            if not fut.done() and len(self.violations) >= count:
                fut.set_result(None)

    async def wait_for_violations(self, count: int, timeout: float) -> list[Violation]:  # noqa: ASYNC109 - the test API takes explicit timeouts
        """Wait until at least `count` violations were recorded."""
        if len(self.violations) < count:
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            entry = (count, fut)
            self._violation_waiters.append(entry)
            try:
                await asyncio.wait_for(fut, timeout)
            finally:
                self._violation_waiters.remove(entry)
        return list(self.violations)

    # --- messages ----------------------------------------------------------------------------------

    def validate_body(
        self, payload: dict[str, Any], uploads: list[Upload], *, creating: bool, prefix: tuple[str, ...] = ()
    ) -> None:
        """Raise Discord's 50035/50006 for an invalid create/edit body."""
        if sum(len(u.data) for u in uploads) > self.upload_limit:
            raise DiscordHTTPError(413, REQUEST_TOO_LARGE, "Request entity too large")
        tree = ErrorTree()
        check_message(payload, tree, has_files=bool(uploads), creating=creating)
        if tree:
            raise form_error(tree, *prefix)
        if creating and is_empty_message(payload, bool(uploads)):
            raise DiscordHTTPError(400, EMPTY_MESSAGE, "Cannot send an empty message")

    def new_message(
        self,
        channel_id: int,
        guild_id: int | None,
        author: SimUser,
        payload: dict[str, Any],
        uploads: list[Upload],
        **extra: Any,
    ) -> SimMessage:
        """Build and store a message from a create body (content, embeds, components, files)."""
        flags = int(payload.get("flags") or 0) & SENDABLE_FLAGS
        flags |= extra.pop("flags", 0)
        ephemeral = bool(flags & FLAG_EPHEMERAL)
        msg = SimMessage(
            id=self.world.new_id(),
            channel_id=channel_id,
            guild_id=guild_id,
            author=author,
            content=payload.get("content") or "",
            embeds=list(payload.get("embeds") or []),
            components=list(payload.get("components") or []),
            flags=flags,
            created_at=self.clock.now(),
            nonce=payload.get("nonce"),
            **extra,
        )
        msg.attachments = self._attachments_for(msg, payload, uploads, ephemeral=ephemeral)
        return self.world.add_message(msg)

    def _attachments_for(
        self, msg: SimMessage, payload: dict[str, Any], uploads: list[Upload], *, ephemeral: bool
    ) -> list[Any]:
        by_index = {u.index: u for u in uploads}
        keep: list[Any] = []
        used: set[int] = set()
        existing = {str(a.id): a for a in msg.attachments}
        listed = payload.get("attachments")
        for entry in listed or []:
            key = str(entry.get("id"))
            if key in existing:
                keep.append(existing[key])
                continue
            if key.isdigit() and int(key) in by_index:
                upload = by_index[int(key)]
                used.add(upload.index)
                file = SimFile(
                    filename=entry.get("filename") or upload.filename,
                    data=upload.data,
                    content_type=upload.content_type,
                    description=entry.get("description"),
                )
                keep.append(self.world.store_attachment(msg.channel_id, file, ephemeral=ephemeral))
        if listed is None:
            keep = list(msg.attachments)
        for upload in uploads:
            if upload.index not in used:
                file = SimFile(upload.filename, upload.data, upload.content_type)
                keep.append(self.world.store_attachment(msg.channel_id, file, ephemeral=ephemeral))
        return keep

    def edit_message(self, msg: SimMessage, payload: dict[str, Any], uploads: list[Upload]) -> SimMessage:
        """Apply an edit body; an edit that leaves the message empty is Discord's 50006."""
        before = (msg.content, msg.embeds, msg.components, msg.attachments, msg.flags)
        if "content" in payload:
            msg.content = payload["content"] or ""
        if "embeds" in payload:
            msg.embeds = list(payload["embeds"] or [])
        if "components" in payload:
            msg.components = list(payload["components"] or [])
        if payload.get("flags") is not None:
            settable = FLAG_SUPPRESS_EMBEDS | FLAG_COMPONENTS_V2
            msg.flags = (msg.flags & ~settable) | (int(payload["flags"]) & settable)
        if "attachments" in payload or uploads:
            msg.attachments = self._attachments_for(msg, payload, uploads, ephemeral=msg.ephemeral)
        if not (msg.content or msg.embeds or msg.components or msg.attachments):
            msg.content, msg.embeds, msg.components, msg.attachments, msg.flags = before
            raise DiscordHTTPError(400, EMPTY_MESSAGE, "Cannot send an empty message")
        msg.flags &= ~FLAG_LOADING
        msg.edited_at = self.clock.now()
        msg.edits += 1
        return msg

    def find_nonce(self, channel_id: int, author_id: int, nonce: Any) -> SimMessage | None:
        """An earlier message with the same enforced nonce, still inside the de-dup window."""
        entry = self._nonces.get((channel_id, author_id, str(nonce)))
        if entry is None:
            return None
        msg, at = entry
        if self.clock.now() - at > self.nonce_window:
            return None
        return msg

    def take_dm_opening(self) -> bool:
        """Count one DM-channel opening; False when it is over the limit (answer 40003)."""
        if self.dm_open_limit is None:
            return True
        count, window = self.dm_open_limit
        now = time.monotonic()
        while self._dm_opens and self._dm_opens[0] <= now - window:
            self._dm_opens.popleft()
        if len(self._dm_opens) >= count:
            return False
        self._dm_opens.append(now)
        return True

    def remember_nonce(self, msg: SimMessage) -> None:
        """Remember an enforced nonce for de-duplication."""
        self._nonces[(msg.channel_id, msg.author.id, str(msg.nonce))] = (msg, self.clock.now())

    # --- gateway events for messages ---------------------------------------------------------------

    def _message_intent(self, msg: SimMessage) -> int:
        return INTENT_GUILD_MESSAGES if msg.guild_id is not None else INTENT_DIRECT_MESSAGES

    def announce_create(self, msg: SimMessage) -> None:
        """MESSAGE_CREATE (ephemeral messages are never dispatched)."""
        for hook in list(self.on_message):
            hook(msg)
        if msg.ephemeral:
            return
        self.gateway.dispatch(
            "MESSAGE_CREATE",
            lambda intents: payloads.message(msg, self.world, gateway=True, intents=intents),
            self._message_intent(msg),
        )

    def announce_update(self, msg: SimMessage) -> None:
        """MESSAGE_UPDATE with the full message."""
        if msg.ephemeral:
            return
        self.gateway.dispatch(
            "MESSAGE_UPDATE",
            lambda intents: payloads.message(msg, self.world, gateway=True, intents=intents),
            self._message_intent(msg),
        )

    def announce_delete(self, msg: SimMessage) -> None:
        """MESSAGE_DELETE."""
        if msg.ephemeral:
            return
        body: dgw.MessageDeleteEvent = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
        if msg.guild_id is not None:
            body["guild_id"] = str(msg.guild_id)
        self.gateway.dispatch("MESSAGE_DELETE", body, self._message_intent(msg))

    # --- idleness ----------------------------------------------------------------------------------

    def idle(self) -> bool:
        """No REST request in flight and nothing waiting on the gateway."""
        return self.inflight == 0 and self.gateway.idle()
