"""Discord permission bits and the channel permission computation Discord documents."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.sim.models import SimChannel, SimMember

CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CONNECT = 1 << 20
SPEAK = 1 << 21
CHANGE_NICKNAME = 1 << 26
MANAGE_ROLES = 1 << 28
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38

ALL = (1 << 53) - 1

#: What a fresh guild's @everyone role gets on Discord (the common subset that matters here).
DEFAULT_EVERYONE = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | MENTION_EVERYONE
    | USE_EXTERNAL_EMOJIS
    | CONNECT
    | SPEAK
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)

#: What the simulated bot's managed role gets unless a test says otherwise.
DEFAULT_BOT = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | SEND_MESSAGES_IN_THREADS
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_APPLICATION_COMMANDS
    | MANAGE_MESSAGES
)


def combine(flags: Iterable[int]) -> int:
    """OR a list of permission bits together."""
    value = 0
    for flag in flags:
        value |= flag
    return value


def base_permissions(member: SimMember) -> int:
    """Guild-level permissions of a member: @everyone plus every role, owner and admin get all."""
    guild = member.guild
    if guild.owner_id == member.id:
        return ALL
    value = guild.everyone_role.permissions
    for role_id in member.role_ids:
        role = guild.roles.get(role_id)
        if role is not None:
            value |= role.permissions
    if value & ADMINISTRATOR:
        return ALL
    return value


def channel_permissions(member: SimMember, channel: SimChannel | None) -> int:
    """Apply the channel's overwrites (everyone, then roles, then the member) to the base set.

    A thread has no overwrites of its own: it inherits its parent's (docs: developers/topics/threads.mdx,
    "Permissions").
    """
    value = base_permissions(member)
    if value == ALL or channel is None:
        return value
    if channel.type in (10, 11, 12) and channel.parent_id is not None:
        channel = member.guild.channels.get(channel.parent_id, channel)
    overwrites = channel.overwrites
    everyone = overwrites.get(member.guild.id)
    if everyone is not None:
        value = (value & ~everyone[1]) | everyone[0]
    allow = deny = 0
    for role_id in member.role_ids:
        ow = overwrites.get(role_id)
        if ow is not None:
            allow |= ow[0]
            deny |= ow[1]
    value = (value & ~deny) | allow
    own = overwrites.get(member.id)
    if own is not None:
        value = (value & ~own[1]) | own[0]
    if not value & VIEW_CHANNEL:
        return 0
    return value


_ROLE = re.compile(r"<@&(\d+)>")
_USER = re.compile(r"<@!?(\d+)>")
_EVERYONE = re.compile(r"@(everyone|here)")


def pings(content: str, allowed: dict[str, Any] | None, author: SimMember, channel: SimChannel) -> frozenset[str]:
    """Who a message notifies on Discord.

    docs: developers/resources/message.mdx, "Allowed Mentions Object": a mention notifies only when
    allowed_mentions permits it (no field = parse everything) and "to mention roles and notify their
    members, the role's `mentionable` field must be set to `true`, or the bot must have the
    `MENTION_EVERYONE` permission; to mention `@everyone` and `@here`, the bot must have the
    `MENTION_EVERYONE` permission" (in that channel: developers/topics/permissions.mdx).
    """
    allowed = allowed if allowed is not None else {"parse": ["everyone", "users", "roles"]}
    parse = set(allowed.get("parse") or [])
    roles = {str(r) for r in allowed.get("roles") or []}
    users = {str(u) for u in allowed.get("users") or []}
    may_everyone = bool(channel_permissions(author, channel) & MENTION_EVERYONE)
    out: set[str] = set()
    if "everyone" in parse and may_everyone and _EVERYONE.search(content):
        out.add("everyone")
    for raw in _ROLE.findall(content):
        role = author.guild.roles.get(int(raw))
        if role is None or not ("roles" in parse or raw in roles):
            continue
        if role.mentionable or may_everyone:
            out.add(f"role:{raw}")
    for raw in _USER.findall(content):
        if "users" in parse or raw in users:
            out.add(f"user:{raw}")
    return frozenset(out)
