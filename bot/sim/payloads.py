"""Render simulator state as the JSON objects Discord sends (checked against discord.py's parsers).

Each builder is typed with discord.py's own `discord.types` TypedDicts, so mypy flags drift when a
discord.py upgrade changes what it expects. Fields Discord sends that those types do not declare (or
declare non-null) go through `beyond_discordpy`; a key those types require that Discord no longer sends
is a `# type: ignore[typeddict-item]` naming it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Literal, TypeVar, cast

if TYPE_CHECKING:
    from discord.types import appinfo as dapp
    from discord.types import channel as dch
    from discord.types import components as dcomp
    from discord.types import embed as dembed
    from discord.types import guild as dguild
    from discord.types import interactions as dint
    from discord.types import member as dmember
    from discord.types import message as dmsg
    from discord.types import role as drole
    from discord.types import threads as dthreads
    from discord.types import user as duser

    from bot.sim.models import (
        SimAttachment,
        SimChannel,
        SimGuild,
        SimMember,
        SimMessage,
        SimRole,
        SimUser,
        World,
    )

PayloadT = TypeVar("PayloadT", bound=Mapping[str, object])


def beyond_discordpy(payload: PayloadT, **fields: object) -> PayloadT:
    """Add fields Discord sends that discord.py's types leave out or type non-null (it ignores or `.get`s them)."""
    cast("dict[str, object]", payload).update(fields)
    return payload


INTENT_GUILD_MEMBERS = 1 << 1
INTENT_MESSAGE_CONTENT = 1 << 15


def iso(moment: datetime | None) -> str | None:
    """ISO-8601 timestamp as Discord writes it (aware, UTC)."""
    return moment.isoformat() if moment is not None else None


def user(u: SimUser) -> duser.User:
    """A user object."""
    data: duser.User = {
        "id": str(u.id),
        "username": u.name,
        "global_name": u.global_name,
        "discriminator": "0",
        "avatar": u.avatar,
        "public_flags": 0,
        "flags": 0,
    }
    if u.bot:
        data["bot"] = True
    # null on Discord when unset; discord.py types the last three as objects, not null
    return beyond_discordpy(
        data,
        banner=None,
        accent_color=None,
        avatar_decoration_data=None,
        primary_guild=None,
        collectibles=None,
    )


def client_user(u: SimUser) -> duser.User:
    """The bot's own user object (GET /users/@me and READY)."""
    data = user(u)
    data.update({"verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"})
    return beyond_discordpy(data, bio="")


def role(r: SimRole) -> drole.Role:
    """A role object."""
    data: drole.Role = {
        "id": str(r.id),
        "name": r.name,
        "color": r.color,
        "colors": {"primary_color": r.color, "secondary_color": None, "tertiary_color": None},
        "hoist": r.hoist,
        "icon": None,
        "unicode_emoji": None,
        "position": r.position,
        "permissions": str(r.permissions),
        "managed": r.managed,
        "mentionable": r.mentionable,
        "flags": 0,
    }
    if r.bot_id is not None:
        data["tags"] = {"bot_id": str(r.bot_id)}
    return data


def _last_message_id(c: SimChannel) -> str | None:
    return str(c.last_message_id) if c.last_message_id else None


def channel(c: SimChannel, *, permissions: int | None = None) -> dch.Channel:
    """A channel object; `permissions` adds the computed field interactions and resolved data carry."""
    data: dch.Channel
    if c.is_dm:
        assert c.recipient is not None
        dm: dch.DMChannel = {  # type: ignore[typeddict-item]  # discord.py requires `name`; a DM has none
            "id": str(c.id),
            "type": 1,
            "last_message_id": _last_message_id(c),
            "recipients": [user(c.recipient)],
        }
        data = beyond_discordpy(dm, flags=0)
    elif c.type in (10, 11, 12):  # threads (docs: developers/topics/threads.mdx)
        metadata: dthreads.ThreadMetadata = {
            "archived": False,
            "auto_archive_duration": cast("dthreads.ThreadArchiveDuration", c.auto_archive_duration),
            "archive_timestamp": "2026-01-01T00:00:00+00:00",
            "locked": False,
        }
        thread: dch.ThreadChannel = {  # type: ignore[typeddict-item]  # Discord sends no `total_message_sent` here
            "id": str(c.id),
            "type": cast("dthreads.ThreadType", c.type),
            "guild_id": str(c.guild_id),
            "name": c.name,
            "parent_id": str(c.parent_id),
            "nsfw": c.nsfw,
            "flags": 0,
            "last_message_id": _last_message_id(c),
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "thread_metadata": metadata,
        }
        if c.owner_id:
            thread["owner_id"] = str(c.owner_id)
        # Discord lists threads' overwrites and position too; discord.py's ThreadChannel declares neither
        data = beyond_discordpy(thread, position=c.position, permission_overwrites=_overwrites(c))
    elif c.type in (2, 13):  # voice and stage channels
        voice: dch.VoiceChannel = {
            "id": str(c.id),
            "type": 2,
            "guild_id": str(c.guild_id),
            "name": c.name,
            "position": c.position,
            "permission_overwrites": _overwrites(c),
            "parent_id": str(c.parent_id) if c.parent_id else None,
            "nsfw": c.nsfw,
            "bitrate": 64000,
            "user_limit": 0,
            "rtc_region": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }
        data = beyond_discordpy(voice, type=c.type, flags=0)  # a stage channel (13) has the same fields
    elif c.type in (0, 5):
        text: dch.TextChannel = {
            "id": str(c.id),
            "type": 0,
            "guild_id": str(c.guild_id),
            "name": c.name,
            "position": c.position,
            "permission_overwrites": _overwrites(c),
            "parent_id": str(c.parent_id) if c.parent_id else None,
            "nsfw": c.nsfw,
            "last_message_id": _last_message_id(c),
            "rate_limit_per_user": 0,
            "default_auto_archive_duration": 1440,
        }
        # an announcement channel (5) has the same fields; the topic is null when unset
        data = beyond_discordpy(text, type=c.type, topic=c.topic, flags=0)
    elif c.type == 15:  # forum channels (docs: developers/resources/channel.mdx, Channel Object)
        forum: dch.ForumChannel = {
            "id": str(c.id),
            "type": 15,
            "guild_id": str(c.guild_id),
            "name": c.name,
            "position": c.position,
            "permission_overwrites": _overwrites(c),
            "parent_id": str(c.parent_id) if c.parent_id else None,
            "nsfw": c.nsfw,
            "last_message_id": _last_message_id(c),
            "rate_limit_per_user": 0,
            "default_auto_archive_duration": 1440,
            "available_tags": [],
            "default_reaction_emoji": None,
            "default_sort_order": None,
            "default_forum_layout": 0,
            "flags": 0,
        }
        data = beyond_discordpy(forum, topic=c.topic)  # the topic is null when unset
    else:
        category: dch.CategoryChannel = {
            "id": str(c.id),
            "type": 4,
            "guild_id": str(c.guild_id),
            "name": c.name,
            "position": c.position,
            "permission_overwrites": _overwrites(c),
            "parent_id": str(c.parent_id) if c.parent_id else None,
            "nsfw": c.nsfw,
        }
        data = beyond_discordpy(category, type=c.type, flags=0)
    if permissions is not None:
        # interactions' resolved channels carry the member's computed permissions
        data = beyond_discordpy(data, permissions=str(permissions))
    return data


def _overwrites(c: SimChannel) -> list[dch.PermissionOverwrite]:
    return [
        {"id": str(tid), "type": cast("dch.OverwriteType", t), "allow": str(allow), "deny": str(deny)}
        for tid, (allow, deny, t) in c.overwrites.items()
    ]


def member(m: SimMember, *, with_user: bool = True, permissions: int | None = None) -> dmember.Member:
    """A guild member object."""
    data: dmember.Member = {
        "roles": [str(r) for r in m.role_ids],
        "joined_at": iso(m.joined_at),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "banner": None,
    }
    if with_user:
        data["user"] = user(m.user)
    if permissions is not None:
        data["permissions"] = str(permissions)
    # null on Discord when unset; discord.py types them as strings
    return beyond_discordpy(data, nick=m.nick, avatar=None, communication_disabled_until=None)


def member_with_user(m: SimMember) -> dmember.MemberWithUser:
    """A guild member object with its user (member chunks, member events)."""
    return cast("dmember.MemberWithUser", member(m))


def guild(g: SimGuild) -> dguild.Guild:
    """The guild object returned by REST (no members or channels)."""
    # discord.py's Guild requires the deprecated `region`, and GUILD_CREATE's `stage_instances` and
    # `guild_scheduled_events`, which the REST guild object does not carry (developers/resources/guild.mdx)
    data: dguild.Guild = {  # type: ignore[typeddict-item]
        "id": str(g.id),
        "name": g.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(g.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": [role(r) for r in g.roles.values()],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": g.locale,
        "nsfw_level": 0,
        "max_members": 500000,
        "max_video_channel_users": 25,
        "incidents_data": None,
    }
    return beyond_discordpy(data, safety_alerts_channel_id=None, premium_progress_bar_enabled=False)


def guild_create(g: SimGuild, intents: int) -> dguild.Guild:
    """GUILD_CREATE: the guild plus channels and members (all of them only with GUILD_MEMBERS)."""
    members = list(g.members.values()) if intents & INTENT_GUILD_MEMBERS else [g.bot_member]
    data = guild(g)
    data.update(
        {
            "joined_at": iso(g.bot_member.joined_at),
            "large": len(g.members) >= 250,
            "unavailable": False,
            "member_count": len(g.members),
            "members": [member(m) for m in members],
            "channels": [cast("dch.GuildChannel", channel(c)) for c in g.channels.values()],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
    )
    return data


def attachment(a: SimAttachment) -> dmsg.Attachment:
    """An attachment object."""
    data: dmsg.Attachment = {
        "id": str(a.id),
        "filename": a.filename,
        "size": a.size,
        "url": a.url,
        "proxy_url": a.url,
        "content_type": a.content_type,
    }
    if a.description:
        data["description"] = a.description
    if a.ephemeral:
        data["ephemeral"] = True
    return data


_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def message(msg: SimMessage, world: World, *, gateway: bool = False, intents: int = 0) -> dmsg.Message:
    """A message object; `gateway=True` adds guild_id/member as MESSAGE_CREATE carries them.

    Without MESSAGE_CONTENT, other people's guild messages arrive with empty content, as on Discord.
    """
    content = msg.content
    hide = (
        gateway
        and msg.guild_id is not None
        and msg.author.id != world.bot_user.id
        and not intents & INTENT_MESSAGE_CONTENT
        and f"<@{world.bot_user.id}>" not in msg.content
    )
    mentions = [world.users[int(i)] for i in _USER_MENTION.findall(msg.content) if int(i) in world.users]
    # embeds and components are kept as the bot sent them (bot.sim.validation checked them)
    embeds = cast("list[dembed.Embed]", msg.embeds)
    components = cast("list[dcomp.ComponentBase]", msg.components)
    data: dmsg.Message = {
        "id": str(msg.id),
        "channel_id": str(msg.channel_id),
        "type": cast("dmsg.MessageType", msg.type),
        "content": "" if hide else content,
        "author": user(msg.author),
        "timestamp": cast(str, iso(msg.created_at)),
        "edited_timestamp": iso(msg.edited_at),
        "tts": False,
        "mention_everyone": False,
        "mentions": [cast("dmember.UserWithMember", user(u)) for u in mentions],  # no `member` here
        "mention_roles": _ROLE_MENTION.findall(msg.content),
        "mention_channels": [],
        "attachments": [] if hide else [attachment(a) for a in msg.attachments],
        "embeds": [] if hide else embeds,
        "components": [] if hide else components,
        "pinned": False,
        "flags": msg.flags,
        "reactions": [],
        "sticker_items": [],
    }
    if msg.nonce is not None:
        data["nonce"] = msg.nonce
    if msg.webhook_id is not None:
        data["webhook_id"] = str(msg.webhook_id)
    if msg.application_id is not None:
        data["application_id"] = str(msg.application_id)
    if msg.reference_id is not None:
        data["message_reference"] = {
            "type": 0,
            "message_id": str(msg.reference_id),
            "channel_id": str(msg.channel_id),
        }
        if msg.guild_id:
            data["message_reference"]["guild_id"] = str(msg.guild_id)
    if msg.interaction_id is not None and msg.interaction_user is not None:
        owners: dict[Literal["0", "1"], str] = (
            {"0": str(msg.guild_id)} if msg.guild_id else {"1": str(msg.interaction_user.id)}
        )
        metadata = {
            "id": str(msg.interaction_id),
            "type": msg.interaction_type or 2,
            "user": user(msg.interaction_user),
            "authorizing_integration_owners": owners,
        }
        if msg.interaction_name:
            metadata["name"] = msg.interaction_name
            data["interaction"] = {
                "id": str(msg.interaction_id),
                "type": cast("dint.InteractionType", msg.interaction_type or 2),
                "name": msg.interaction_name,
                "user": user(msg.interaction_user),
            }
        # the type varies with the interaction type; the simulator keeps the fields all kinds share
        data["interaction_metadata"] = cast("dint.MessageInteractionMetadata", metadata)
    if gateway and msg.guild_id is not None:
        data["guild_id"] = str(msg.guild_id)
        m = world.member_of(msg.guild_id, msg.author.id)
        if m is not None and msg.webhook_id is None:
            data["member"] = member(m, with_user=False)
    return data


def application(world: World, owner: SimUser) -> dapp.AppInfo:
    """GET /oauth2/applications/@me."""
    data: dapp.AppInfo = {
        "id": str(world.application_id),
        "name": world.bot_user.name,
        "icon": None,
        "description": "Simulated application",
        "summary": "",
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": 1 << 14 | 1 << 18,  # GATEWAY_GUILD_MEMBERS + GATEWAY_MESSAGE_CONTENT (both granted)
        "owner": user(owner),
        "rpc_origins": [],
        "tags": [],
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "integration_types_config": {cast("Literal['0', '1']", str(t)): {} for t in world.install_types},
    }
    # Discord sends these; discord.py's AppInfo leaves them out (`team` it types non-null)
    return beyond_discordpy(
        data, type=None, team=None, bot=client_user(world.bot_user), approximate_guild_count=len(world.guilds)
    )
