"""Threads: start a public thread (without a message, or from one) in a text channel; threads are channels.

Discord's rules modelled here (docs: developers/resources/channel.mdx "Start Thread from Message",
"Start Thread without Message"; developers/topics/threads.mdx "Permissions"):
- a thread is a channel of type 11 (public) or 12 (private) whose `parent_id` is the text channel;
- the name is 1-100 characters; `auto_archive_duration` is one of 60, 1440, 4320, 10080;
- starting a public thread needs Create Public Threads in the parent (a private one Create Private Threads);
  without `type`, "Start Thread without Message" makes a private thread;
- a thread started from a message shares that message's id, so a message has at most one thread;
- threads inherit the parent's permissions, and only Send Messages in Threads lets anyone post in one
  (Send Messages has no effect there) — enforced in bot.sim.rest_messages through `thread_send_needs`.
Both routes fire Thread Create on the gateway.

Forum channels (type 15; docs: developers/resources/channel.mdx "Start Thread in Forum or Media Channel"):
a post is a public thread started with its first message (`message`, at least one of content/embeds/
components, checked like any message), needs Send Messages in the forum ("Create Posts"; Create Public
Threads is ignored), and fires Thread Create then Message Create; the thread has the starter message's id.
Deleting a thread (a person, in their client: `SimGuild.delete_thread`) fires Thread Delete.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.sim import errors as E
from bot.sim import payloads
from bot.sim import permissions as perms
from bot.sim.core import SimCore
from bot.sim.errors import DiscordHTTPError, ErrorTree, form_error, not_found
from bot.sim.models import INTENT_GUILDS, SimChannel, World
from bot.sim.rest import API_PREFIX, ok, read_body, snowflake_param
from bot.sim.validation import is_empty_message

PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
ANNOUNCEMENT_THREAD = 10
THREAD_TYPES = {ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD}
ARCHIVE_DURATIONS = {60, 1440, 4320, 10080}
FORUM = 15
#: Error 160004: "A thread has already been created for this message".
THREAD_ALREADY_CREATED = 160004


def permission_parent(world: World, channel: SimChannel) -> SimChannel:
    """The channel whose overwrites decide permissions: a thread's parent, else the channel itself."""
    if channel.type in THREAD_TYPES and channel.parent_id is not None:
        return world.channels.get(channel.parent_id, channel)
    return channel


class ThreadRoutes:
    """POST /channels/{id}/threads and POST /channels/{id}/messages/{id}/threads."""

    def __init__(self, core: SimCore) -> None:
        self.core = core
        self.world = core.world

    def register(self, app: web.Application) -> None:
        r = app.router
        r.add_post(API_PREFIX + "/channels/{channel_id}/threads", self.start_without_message)
        r.add_post(API_PREFIX + "/channels/{channel_id}/messages/{message_id}/threads", self.start_from_message)

    def _parent(self, request: web.Request) -> SimChannel:
        cid = snowflake_param(request, "channel_id", lambda: not_found(E.UNKNOWN_CHANNEL, "Channel"))
        channel = self.world.channels.get(cid)
        if channel is None:
            raise not_found(E.UNKNOWN_CHANNEL, "Channel")
        return channel

    def _require(self, parent: SimChannel, needed: int) -> None:
        if parent.guild_id is None:
            raise DiscordHTTPError(400, 50024, "Cannot execute action on this channel type")
        have = self.world.guilds[parent.guild_id].bot_member.permissions_in(parent)
        if not have & perms.VIEW_CHANNEL:
            raise DiscordHTTPError(403, E.MISSING_ACCESS, "Missing Access", violation=False)
        if have & needed != needed:
            raise DiscordHTTPError(403, E.MISSING_PERMISSIONS, "Missing Permissions", violation=False)

    @staticmethod
    def _validate(body: dict[str, Any]) -> None:
        tree = ErrorTree()
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            tree.add(("name",), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        duration = body.get("auto_archive_duration")
        if duration is not None and duration not in ARCHIVE_DURATIONS:
            tree.add(("auto_archive_duration",), "BASE_TYPE_CHOICES", "Value must be one of {60, 1440, 4320, 10080}.")
        if tree:
            raise form_error(tree)

    def _make(self, parent: SimChannel, body: dict[str, Any], kind: int, thread_id: int | None = None) -> SimChannel:
        thread = SimChannel(
            id=thread_id or self.world.new_id(),
            name=str(body["name"]),
            type=kind,
            guild_id=parent.guild_id,
            parent_id=parent.id,
        )
        thread.owner_id = self.world.bot_user.id
        thread.auto_archive_duration = int(body.get("auto_archive_duration") or 4320)
        self.world.channels[thread.id] = thread  # threads are channels (not in the guild's channel list)
        data = {**payloads.channel(thread), "newly_created": True}
        self.world.emit("THREAD_CREATE", data, INTENT_GUILDS)
        return thread

    async def start_without_message(self, request: web.Request) -> web.Response:
        parent = self._parent(request)
        body, uploads = await read_body(request)
        self._validate(body)
        if parent.type == FORUM:
            return await self._forum_post(parent, body, uploads)
        if parent.type not in (0, 5):
            raise DiscordHTTPError(400, 50024, "Cannot execute action on this channel type")
        kind = int(body.get("type") or PRIVATE_THREAD)  # docs: `type` defaults to PRIVATE_THREAD
        if kind not in (PUBLIC_THREAD, PRIVATE_THREAD, ANNOUNCEMENT_THREAD):
            tree = ErrorTree()
            tree.add(("type",), "BASE_TYPE_CHOICES", "Value must be one of {10, 11, 12}.")
            raise form_error(tree)
        self._require(parent, perms.CREATE_PRIVATE_THREADS if kind == PRIVATE_THREAD else perms.CREATE_PUBLIC_THREADS)
        return ok(payloads.channel(self._make(parent, body, kind)))

    async def start_from_message(self, request: web.Request) -> web.Response:
        parent = self._parent(request)
        mid = snowflake_param(request, "message_id", lambda: not_found(E.UNKNOWN_MESSAGE, "Message"))
        msg = self.world.messages.get(mid)
        if msg is None or msg.deleted or msg.channel_id != parent.id:
            raise not_found(E.UNKNOWN_MESSAGE, "Message")
        body, _ = await read_body(request)
        self._validate(body)
        if parent.type not in (0, 5):
            raise DiscordHTTPError(400, 50024, "Cannot execute action on this channel type")
        self._require(parent, perms.CREATE_PUBLIC_THREADS | perms.READ_MESSAGE_HISTORY)
        if mid in self.world.channels:  # the thread takes the message's id: one thread per message
            raise DiscordHTTPError(400, THREAD_ALREADY_CREATED, "A thread has already been created for this message")
        kind = ANNOUNCEMENT_THREAD if parent.type == 5 else PUBLIC_THREAD
        return ok(payloads.channel(self._make(parent, body, kind, thread_id=mid)))

    async def _forum_post(self, forum: SimChannel, body: dict[str, Any], uploads: list[Any]) -> web.Response:
        """A forum post: a public thread and its starter message (same id), Send Messages ("Create Posts")."""
        message = body.get("message")
        if not isinstance(message, dict) or is_empty_message(message, bool(uploads)):
            tree = ErrorTree()
            tree.add(("message",), "BASE_TYPE_REQUIRED", "This field is required")
            raise form_error(tree)
        self._require(forum, perms.SEND_MESSAGES)  # docs: CREATE_PUBLIC_THREADS is ignored
        self.core.validate_body(message, uploads, creating=True)
        thread_id = self.world.new_id()
        thread = self._make(forum, body, PUBLIC_THREAD, thread_id=thread_id)
        author = self.world.bot_user
        msg = self.core.new_message(thread.id, forum.guild_id, author, message, uploads)
        # The starter message has the thread's id (docs: topics/threads.mdx, threads in thread-only channels).
        self.world.messages.pop(msg.id, None)
        msg.id = thread.last_message_id = thread_id
        self.world.messages[msg.id] = msg
        self.core.announce_create(msg)
        return ok({**payloads.channel(thread), "message": payloads.message(msg, self.world)})
