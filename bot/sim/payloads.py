"""Render simulator state as the JSON objects Discord sends (checked against discord.py's parsers)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

INTENT_GUILD_MEMBERS = 1 << 1
INTENT_MESSAGE_CONTENT = 1 << 15


def iso(moment: datetime | None) -> str | None:
    """ISO-8601 timestamp as Discord writes it (aware, UTC)."""
    return moment.isoformat() if moment is not None else None


def user(u: SimUser) -> dict[str, Any]:
    """A user object."""
    data: dict[str, Any] = {
        "id": str(u.id),
        "username": u.name,
        "global_name": u.global_name,
        "discriminator": "0",
        "avatar": u.avatar,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "primary_guild": None,
        "collectibles": None,
    }
    if u.bot:
        data["bot"] = True
    return data


def client_user(u: SimUser) -> dict[str, Any]:
    """The bot's own user object (GET /users/@me and READY)."""
    return {**user(u), "verified": True, "mfa_enabled": False, "email": None, "locale": "en-US", "bio": ""}


def role(r: SimRole) -> dict[str, Any]:
    """A role object."""
    data: dict[str, Any] = {
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


def channel(c: SimChannel, *, permissions: int | None = None) -> dict[str, Any]:
    """A channel object; `permissions` adds the computed field interactions and resolved data carry."""
    if c.is_dm:
        assert c.recipient is not None
        data: dict[str, Any] = {
            "id": str(c.id),
            "type": 1,
            "last_message_id": str(c.last_message_id) if c.last_message_id else None,
            "flags": 0,
            "recipients": [user(c.recipient)],
        }
    else:
        data = {
            "id": str(c.id),
            "type": c.type,
            "guild_id": str(c.guild_id),
            "name": c.name,
            "position": c.position,
            "permission_overwrites": [
                {"id": str(tid), "type": t, "allow": str(allow), "deny": str(deny)}
                for tid, (allow, deny, t) in c.overwrites.items()
            ],
            "parent_id": str(c.parent_id) if c.parent_id else None,
            "nsfw": c.nsfw,
            "flags": 0,
        }
        if c.type in (0, 5):
            data.update(
                topic=c.topic,
                last_message_id=str(c.last_message_id) if c.last_message_id else None,
                rate_limit_per_user=0,
                default_auto_archive_duration=1440,
            )
        elif c.type == 15:  # forum channels (docs: developers/resources/channel.mdx, Channel Object)
            data.update(
                topic=c.topic,
                last_message_id=str(c.last_message_id) if c.last_message_id else None,
                rate_limit_per_user=0,
                default_auto_archive_duration=1440,
                available_tags=[],
                default_reaction_emoji=None,
                default_sort_order=None,
                default_forum_layout=0,
            )
        elif c.type in (10, 11, 12):  # threads (docs: developers/topics/threads.mdx)
            data.update(
                owner_id=str(c.owner_id) if c.owner_id else None,
                last_message_id=str(c.last_message_id) if c.last_message_id else None,
                rate_limit_per_user=0,
                message_count=0,
                member_count=1,
                thread_metadata={
                    "archived": False,
                    "auto_archive_duration": c.auto_archive_duration,
                    "archive_timestamp": "2026-01-01T00:00:00+00:00",
                    "locked": False,
                },
            )
        elif c.type in (2, 13):  # voice and stage channels
            data.update(
                bitrate=64000,
                user_limit=0,
                rtc_region=None,
                last_message_id=None,
                rate_limit_per_user=0,
            )
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def member(m: SimMember, *, with_user: bool = True, permissions: int | None = None) -> dict[str, Any]:
    """A guild member object."""
    data: dict[str, Any] = {
        "roles": [str(r) for r in m.role_ids],
        "nick": m.nick,
        "avatar": None,
        "banner": None,
        "joined_at": iso(m.joined_at),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
    }
    if with_user:
        data["user"] = user(m.user)
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def guild(g: SimGuild) -> dict[str, Any]:
    """The guild object returned by REST (no members or channels)."""
    return {
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
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": g.locale,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "max_members": 500000,
        "max_video_channel_users": 25,
    }


def guild_create(g: SimGuild, intents: int) -> dict[str, Any]:
    """GUILD_CREATE: the guild plus channels and members (all of them only with GUILD_MEMBERS)."""
    members = list(g.members.values()) if intents & INTENT_GUILD_MEMBERS else [g.bot_member]
    return {
        **guild(g),
        "joined_at": iso(g.bot_member.joined_at),
        "large": len(g.members) >= 250,
        "unavailable": False,
        "member_count": len(g.members),
        "members": [member(m) for m in members],
        "channels": [channel(c) for c in g.channels.values()],
        "threads": [],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def attachment(a: SimAttachment) -> dict[str, Any]:
    """An attachment object."""
    data: dict[str, Any] = {
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


def message(msg: SimMessage, world: World, *, gateway: bool = False, intents: int = 0) -> dict[str, Any]:
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
    data: dict[str, Any] = {
        "id": str(msg.id),
        "channel_id": str(msg.channel_id),
        "type": msg.type,
        "content": "" if hide else content,
        "author": user(msg.author),
        "timestamp": iso(msg.created_at),
        "edited_timestamp": iso(msg.edited_at),
        "tts": False,
        "mention_everyone": False,
        "mentions": [user(u) for u in mentions],
        "mention_roles": _ROLE_MENTION.findall(msg.content),
        "mention_channels": [],
        "attachments": [] if hide else [attachment(a) for a in msg.attachments],
        "embeds": [] if hide else msg.embeds,
        "components": [] if hide else msg.components,
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
        owners = {"0": str(msg.guild_id)} if msg.guild_id else {"1": str(msg.interaction_user.id)}
        data["interaction_metadata"] = {
            "id": str(msg.interaction_id),
            "type": msg.interaction_type or 2,
            "user": user(msg.interaction_user),
            "authorizing_integration_owners": owners,
        }
        if msg.interaction_name:
            data["interaction_metadata"]["name"] = msg.interaction_name
            data["interaction"] = {
                "id": str(msg.interaction_id),
                "type": msg.interaction_type or 2,
                "name": msg.interaction_name,
                "user": user(msg.interaction_user),
            }
    if gateway and msg.guild_id is not None:
        data["guild_id"] = str(msg.guild_id)
        m = world.member_of(msg.guild_id, msg.author.id)
        if m is not None and msg.webhook_id is None:
            data["member"] = member(m, with_user=False)
    return data


def application(world: World, owner: SimUser) -> dict[str, Any]:
    """GET /oauth2/applications/@me."""
    return {
        "id": str(world.application_id),
        "name": world.bot_user.name,
        "icon": None,
        "description": "Simulated application",
        "summary": "",
        "type": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": 1 << 14 | 1 << 18,  # GATEWAY_GUILD_MEMBERS + GATEWAY_MESSAGE_CONTENT (both granted)
        "owner": user(owner),
        "team": None,
        "bot": client_user(world.bot_user),
        "rpc_origins": [],
        "tags": [],
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "approximate_guild_count": len(world.guilds),
        "integration_types_config": {str(t): {} for t in world.install_types},
    }
