"""The scheduled-events gateway through discord.py (guild scheduled events REST API)."""

from __future__ import annotations

from typing import Any

import discord

from bot.domain.hustings import EVENT_PERMISSIONS, EventSpec, PlaceKind, missing_permissions

#: Discord's values (docs: developers/resources/guild-scheduled-event.mdx).
GUILD_ONLY = 2
CANCELED = 4


def event_payload(spec: EventSpec, *, editing: bool = False) -> dict[str, Any]:
    """The JSON body for a create or modify call; an external event names its location, others a channel."""
    payload: dict[str, Any] = {
        "name": spec.name,
        "description": spec.description,
        "privacy_level": GUILD_ONLY,
        "scheduled_start_time": spec.start.isoformat(),
        "scheduled_end_time": spec.end.isoformat(),
        "entity_type": spec.place.kind.entity_type,
    }
    if spec.place.kind is PlaceKind.EXTERNAL:
        payload["entity_metadata"] = {"location": spec.place.location}
        if editing:
            payload["channel_id"] = None  # required null when an event becomes external
    else:
        payload["channel_id"] = str(spec.place.channel_id)
    return payload


class DiscordEvents:
    """Creates, edits, cancels and lists a guild's scheduled events; checks the bot's permissions."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def existing(self, guild_id: int) -> set[int] | None:
        """Ids of the guild's scheduled events (None when the guild is unknown or unreadable)."""
        try:
            data = await self.client.http.get_scheduled_events(guild_id, False)
        except discord.HTTPException:
            return None
        return {int(e["id"]) for e in data}

    async def create(self, guild_id: int, spec: EventSpec) -> int:
        """POST /guilds/{id}/scheduled-events."""
        data = await self.client.http.create_guild_scheduled_event(guild_id, **event_payload(spec))
        return int(data["id"])

    async def edit(self, guild_id: int, event_id: int, spec: EventSpec) -> None:
        """PATCH the event to match `spec`."""
        await self.client.http.edit_scheduled_event(guild_id, event_id, **event_payload(spec, editing=True))

    async def cancel(self, guild_id: int, event_id: int) -> None:
        """Set the event's status to CANCELED (an event already gone counts as cancelled)."""
        try:
            await self.client.http.edit_scheduled_event(guild_id, event_id, status=CANCELED)
        except discord.NotFound:
            return

    def missing(self, guild_id: int, kind: PlaceKind, channel_id: int | None) -> list[str] | None:
        """The permissions the bot lacks for an event of this kind (channel ones read in that channel)."""
        guild = self.client.get_guild(guild_id)
        if guild is None:
            return None
        me = guild.me
        channel = guild.get_channel(channel_id) if channel_id is not None else None
        # Read each flag by name: iterating Permissions yields canonical names only (read_messages, not view_channel).
        names = {flag for flags in EVENT_PERMISSIONS.values() for flag, _, _ in flags}
        guild_perms = {name: bool(getattr(me.guild_permissions, name)) for name in names}
        channel_perms = (
            {name: bool(getattr(channel.permissions_for(me), name)) for name in names} if channel is not None else {}
        )
        return missing_permissions(kind, guild_perms, channel_perms)
