"""Channel, message and DM routes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sim import errors as E
from bot.sim import payloads
from bot.sim import permissions as perms
from bot.sim.core import SimCore
from bot.sim.errors import DiscordHTTPError, not_found
from bot.sim.models import SimChannel, SimMessage
from bot.sim.rest import API_PREFIX, no_content, ok, read_body, snowflake_param
from bot.sim.rest_threads import THREAD_TYPES

if TYPE_CHECKING:
    from discord.types import message as dmsg

MESSAGEABLE_TYPES = {0, 1, 2, 5}


class MessageRoutes:
    """POST/GET/PATCH/DELETE channel messages, GET channel, DM channel creation, attachment files."""

    def __init__(self, core: SimCore) -> None:
        self.core = core
        self.world = core.world

    def register(self, app: web.Application) -> None:
        r = app.router
        p = API_PREFIX
        r.add_get(p + "/channels/{channel_id}", self.get_channel)
        r.add_post(p + "/channels/{channel_id}/messages", self.create_message)
        r.add_get(p + "/channels/{channel_id}/messages", self.list_messages)
        r.add_get(p + "/channels/{channel_id}/messages/{message_id}", self.get_message)
        r.add_patch(p + "/channels/{channel_id}/messages/{message_id}", self.edit_message)
        r.add_delete(p + "/channels/{channel_id}/messages/{message_id}", self.delete_message)
        r.add_post(p + "/channels/{channel_id}/typing", self.typing)
        r.add_post(p + "/users/@me/channels", self.create_dm)
        r.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self.attachment_file)

    def _channel(self, request: web.Request) -> SimChannel:
        cid = snowflake_param(request, "channel_id", lambda: not_found(E.UNKNOWN_CHANNEL, "Channel"))
        channel = self.world.channels.get(cid)
        if channel is None:
            raise not_found(E.UNKNOWN_CHANNEL, "Channel")
        return channel

    def _message(self, request: web.Request, channel: SimChannel) -> SimMessage:
        mid = snowflake_param(request, "message_id", lambda: not_found(E.UNKNOWN_MESSAGE, "Message"))
        msg = self.world.messages.get(mid)
        if msg is None or msg.deleted or msg.channel_id != channel.id or msg.ephemeral:
            raise not_found(E.UNKNOWN_MESSAGE, "Message")
        return msg

    def _require(self, channel: SimChannel, needed: int) -> None:
        if channel.guild_id is None:
            return
        guild = self.world.guilds[channel.guild_id]
        if guild.bot_removed:  # no longer a member: the guild's channels are out of reach
            raise DiscordHTTPError(403, E.MISSING_ACCESS, "Missing Access", violation=False)
        have = guild.bot_member.permissions_in(channel)
        if not have & perms.VIEW_CHANNEL:
            raise DiscordHTTPError(403, E.MISSING_ACCESS, "Missing Access", violation=False)
        if have & needed != needed:
            raise DiscordHTTPError(403, E.MISSING_PERMISSIONS, "Missing Permissions", violation=False)

    async def get_channel(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        self._require(channel, perms.VIEW_CHANNEL)
        return ok(payloads.channel(channel))

    async def typing(self, request: web.Request) -> web.Response:
        self._require(self._channel(request), perms.SEND_MESSAGES)
        return no_content()

    async def create_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        payload, uploads = await read_body(request)
        if channel.type not in MESSAGEABLE_TYPES | THREAD_TYPES:
            raise DiscordHTTPError(400, 50008, "Cannot send messages in a non-text channel")
        # docs: developers/topics/threads.mdx "Permissions": in a thread only Send Messages in Threads counts.
        talk = perms.SEND_MESSAGES_IN_THREADS if channel.type in THREAD_TYPES else perms.SEND_MESSAGES
        needed = talk | (perms.ATTACH_FILES if uploads else 0)
        self._require(channel, needed)
        if channel.is_dm and channel.recipient is not None and channel.recipient.dms_closed:
            raise DiscordHTTPError(403, E.CANNOT_MESSAGE_USER, "Cannot send messages to this user", violation=False)
        if channel.is_dm and channel.recipient is not None and not self._shares_a_guild(channel.recipient.id):
            # 50278 "Cannot send messages to this user due to having no mutual guilds"
            # (docs: topics/opcodes-and-status-codes.mdx): e.g. after the bot was removed from theirs.
            raise DiscordHTTPError(
                403,
                E.NO_MUTUAL_GUILDS,
                "Cannot send messages to this user due to having no mutual guilds",
                violation=False,
            )
        self.core.validate_body(payload, uploads, creating=True)
        payload = self._without_forbidden_embeds(channel, payload, uploads)
        bot = self.world.bot_user
        if payload.get("enforce_nonce") and payload.get("nonce") is not None:
            earlier = self.core.find_nonce(channel.id, bot.id, payload["nonce"])
            if earlier is not None:
                return ok(payloads.message(earlier, self.world))
        payload = {**payload, "flags": int(payload.get("flags") or 0) & ~(1 << 6)}  # no ephemeral here
        extra: dict[str, Any] = {}
        ref = payload.get("message_reference") or {}
        if ref.get("message_id"):
            ref_msg = self.world.messages.get(int(ref["message_id"]))
            if ref_msg is None and ref.get("fail_if_not_exists", True):
                tree = E.ErrorTree()
                tree.add(("message_reference",), "REPLIES_UNKNOWN_MESSAGE", "Unknown message")
                raise E.form_error(tree)
            if ref_msg is not None:
                extra.update(reference_id=ref_msg.id, type=19)
        msg = self.core.new_message(channel.id, channel.guild_id, bot, payload, uploads, **extra)
        if channel.guild_id is not None:
            author = self.world.guilds[channel.guild_id].bot_member
            msg.pings = perms.pings(msg.content, payload.get("allowed_mentions"), author, channel)
        if payload.get("enforce_nonce") and payload.get("nonce") is not None:
            self.core.remember_nonce(msg)
        self.core.announce_create(msg)
        return ok(payloads.message(msg, self.world))

    def _without_forbidden_embeds(
        self, channel: SimChannel, payload: dict[str, Any], uploads: list[Any]
    ) -> dict[str, Any]:
        """Without Embed Links, an embed-only message is refused and any other loses its embeds silently.

        Undocumented; reported in discord/discord-api-docs#2601 ("Embed checking doesnt happen when
        sending/editing messages"): with content the message is created and the embeds are dropped,
        an embed with no content gets 403 Missing Permissions.
        """
        if channel.guild_id is None or not payload.get("embeds"):
            return payload
        have = self.world.guilds[channel.guild_id].bot_member.permissions_in(channel)
        if have & perms.EMBED_LINKS:
            return payload
        if not payload.get("content") and not uploads and not payload.get("components"):
            raise DiscordHTTPError(403, E.MISSING_PERMISSIONS, "Missing Permissions", violation=False)
        return {**payload, "embeds": []}

    def _shares_a_guild(self, user_id: int) -> bool:
        """True when the user is in a guild the bot is in (a user in none, e.g. made by a test, counts as shared)."""
        theirs = [g for g in self.world.guilds.values() if user_id in g.members]
        return not theirs or any(not g.bot_removed for g in theirs)

    async def list_messages(self, request: web.Request) -> web.Response:
        """Get Channel Messages (docs: resources/message.mdx#get-channel-messages).

        Newest to oldest; `before`, `after` and `around` page by message id, `limit` 1-100
        (default 50). Without READ_MESSAGE_HISTORY "no messages will be returned" (not an error).
        The message `nonce` is not in these objects: it "will appear in the Message Create event".
        """
        channel = self._channel(request)
        self._require(channel, perms.VIEW_CHANNEL)
        if channel.guild_id is not None:
            have = self.world.guilds[channel.guild_id].bot_member.permissions_in(channel)
            if not have & perms.READ_MESSAGE_HISTORY:
                return ok([])
        q = request.query
        limit = max(1, min(int(q.get("limit", "50")), 100))
        msgs = [m for m in self.world.channel_log.get(channel.id, []) if not m.deleted and not m.ephemeral]
        if "before" in q:
            msgs = [m for m in msgs if m.id < int(q["before"])]
        if "after" in q:
            msgs = [m for m in msgs if m.id > int(q["after"])][:limit]
        if "around" in q:
            pivot = int(q["around"])
            older = [m for m in msgs if m.id <= pivot][-(limit // 2 + 1) :]
            newer = [m for m in msgs if m.id > pivot][: limit - len(older)]
            msgs = older + newer
        msgs = sorted(msgs, key=lambda m: m.id, reverse=True)[:limit]
        return ok([_without_nonce(payloads.message(m, self.world)) for m in msgs])

    async def get_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        self._require(channel, perms.READ_MESSAGE_HISTORY)
        return ok(_without_nonce(payloads.message(self._message(request, channel), self.world)))

    async def edit_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        msg = self._message(request, channel)
        payload, uploads = await read_body(request)
        if msg.author.id != self.world.bot_user.id:
            raise DiscordHTTPError(403, E.CANNOT_EDIT_OTHERS_MESSAGE, "Cannot edit a message authored by another user")
        self.core.validate_body(payload, uploads, creating=False)
        self.core.edit_message(msg, payload, uploads)
        self.core.announce_update(msg)
        return ok(payloads.message(msg, self.world))

    async def delete_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        msg = self._message(request, channel)
        if msg.author.id != self.world.bot_user.id:
            self._require(channel, perms.MANAGE_MESSAGES)
        msg.deleted = True
        self.core.announce_delete(msg)
        return no_content()

    async def create_dm(self, request: web.Request) -> web.Response:
        payload, _ = await read_body(request)
        raw = str(payload.get("recipient_id", ""))
        user = self.world.users.get(int(raw)) if raw.isdigit() else None
        if user is None:
            tree = E.ErrorTree()
            tree.add(("recipient_id",), "NUMBER_TYPE_COERCE", f'Value "{raw}" is not snowflake.')
            raise E.form_error(tree)
        if not self.core.take_dm_opening():
            # 40003 "You are opening direct messages too fast" (docs: topics/opcodes-and-status-codes.mdx)
            raise DiscordHTTPError(403, E.OPENING_DMS_TOO_FAST, "You are opening direct messages too fast")
        return ok(payloads.channel(self.world.dm_channel(user)))

    async def attachment_file(self, request: web.Request) -> web.Response:
        raw = request.match_info["attachment_id"]
        att = self.world.attachments.get(int(raw)) if raw.isdigit() else None
        if att is None or att.filename != request.match_info["filename"]:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=att.data, content_type=att.content_type.split(";")[0])


def _without_nonce(message: dmsg.Message) -> dmsg.Message:
    """A message as reading returns it: the nonce only comes back on creation (and MESSAGE_CREATE)."""
    message.pop("nonce", None)
    return message
