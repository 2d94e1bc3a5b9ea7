"""Guild scheduled events: the REST routes, their validation and their permission rule.

Everything here follows discord-api-docs `developers/resources/guild-scheduled-event.mdx` (formerly
`docs/resources/Guild_Scheduled_Event.md`); each rule cites the section it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, cast

from aiohttp import web

from bot.sim import errors as E
from bot.sim import payloads
from bot.sim import permissions as perms
from bot.sim.core import SimCore
from bot.sim.errors import DiscordHTTPError, ErrorTree, form_error, not_found
from bot.sim.models import SimGuild
from bot.sim.payloads import beyond_discordpy
from bot.sim.rest import API_PREFIX, no_content, ok, read_body, snowflake_param

if TYPE_CHECKING:
    from discord.types import scheduled_event as dse

# Permission bits (docs: developers/topics/permissions.mdx).
MUTE_MEMBERS = 1 << 22
MOVE_MEMBERS = 1 << 24
MANAGE_EVENTS = 1 << 33
CREATE_EVENTS = 1 << 44

UNKNOWN_SCHEDULED_EVENT = 10070
MAX_SCHEDULED_EVENTS = 30038
#: "A guild can have a maximum of 100 events with SCHEDULED or ACTIVE status at any time."
EVENT_LIMIT = 100

# Entity types, statuses and the one privacy level ("Guild Scheduled Event Object" tables).
STAGE_INSTANCE, VOICE, EXTERNAL = 1, 2, 3
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
GUILD_ONLY = 2
STAGE_CHANNEL, VOICE_CHANNEL = 13, 2

#: "Valid Guild Scheduled Event Status Transitions"; COMPLETED and CANCELED are final.
TRANSITIONS = {SCHEDULED: {ACTIVE, CANCELED}, ACTIVE: {COMPLETED}}


@dataclass(eq=False)
class SimScheduledEvent:
    """One scheduled event as the simulator keeps it."""

    id: int
    guild_id: int
    creator_id: int
    name: str
    description: str | None
    start: datetime
    end: datetime | None
    entity_type: int
    channel_id: int | None
    location: str | None
    status: int = SCHEDULED
    privacy_level: int = GUILD_ONLY

    def payload(self) -> dse.GuildScheduledEvent:
        """The guild scheduled event object."""
        data: dse.GuildScheduledEvent
        if self.entity_type == EXTERNAL:
            external: dse.ExternalScheduledEvent = {
                "id": str(self.id),
                "guild_id": str(self.guild_id),
                "channel_id": None,
                "creator_id": str(self.creator_id),
                "name": self.name,
                "description": self.description,
                "scheduled_start_time": cast(str, payloads.iso(self.start)),
                "scheduled_end_time": cast(str, payloads.iso(self.end)),  # required for external events (validated)
                "privacy_level": cast("Literal[2]", self.privacy_level),
                "status": cast("dse.EventStatus", self.status),
                "entity_type": 3,
                "entity_id": None,
                "entity_metadata": {"location": cast(str, self.location)},  # required too
                "image": None,
            }
            data = external
        else:
            in_channel: dse.VoiceScheduledEvent = {
                "id": str(self.id),
                "guild_id": str(self.guild_id),
                "channel_id": str(self.channel_id),
                "creator_id": str(self.creator_id),
                "name": self.name,
                "description": self.description,
                "scheduled_start_time": cast(str, payloads.iso(self.start)),
                "scheduled_end_time": payloads.iso(self.end),
                "privacy_level": cast("Literal[2]", self.privacy_level),
                "status": cast("dse.EventStatus", self.status),
                "entity_type": 2,
                "entity_id": None,
                "entity_metadata": None,
                "image": None,
            }
            data = beyond_discordpy(in_channel, entity_type=self.entity_type)  # 1 (stage) has the same fields
        return beyond_discordpy(data, recurrence_rule=None)  # Discord sends it; discord.py's type leaves it out


def _time(value: Any, field: str, tree: ErrorTree) -> datetime | None:
    if not isinstance(value, str):
        tree.add((field,), "DATE_TIME_TYPE_CONVERT", "Could not parse date time.")
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        tree.add((field,), "DATE_TIME_TYPE_CONVERT", "Could not parse date time.")
        return None
    if moment.tzinfo is None:
        tree.add((field,), "DATE_TIME_TYPE_CONVERT", "Could not parse date time.")
        return None
    return moment


class EventRoutes:
    """GET/POST /guilds/{id}/scheduled-events, GET/PATCH/DELETE …/{event id}."""

    def __init__(self, core: SimCore) -> None:
        self.core = core
        self.world = core.world

    def register(self, app: web.Application) -> None:
        r = app.router
        base = API_PREFIX + "/guilds/{guild_id}/scheduled-events"
        r.add_get(base, self.list_events)
        r.add_post(base, self.create_event)
        r.add_get(base + "/{event_id}", self.get_event)
        r.add_patch(base + "/{event_id}", self.edit_event)
        r.add_delete(base + "/{event_id}", self.delete_event)

    # ------------------------------------------------------------------ lookups

    def _guild(self, request: web.Request) -> SimGuild:
        gid = snowflake_param(request, "guild_id", lambda: not_found(E.UNKNOWN_GUILD, "Guild"))
        guild = self.world.guilds.get(gid)
        if guild is None or self.world.bot_user.id not in guild.members:
            raise not_found(E.UNKNOWN_GUILD, "Guild")
        return guild

    def _event(self, request: web.Request, guild: SimGuild) -> SimScheduledEvent:
        def unknown() -> DiscordHTTPError:
            return not_found(UNKNOWN_SCHEDULED_EVENT, "Guild Scheduled Event")

        eid = snowflake_param(request, "event_id", unknown)
        event = self.world.scheduled_events.get(eid)
        if event is None or event.guild_id != guild.id:
            raise unknown()
        self._advance(event)
        return event

    def _advance(self, event: SimScheduledEvent) -> None:
        """ "An external event will automatically begin at its scheduled start time" and end at its end."""
        now = self.world.clock.now()
        if event.entity_type == EXTERNAL:
            if event.status == SCHEDULED and event.start <= now:
                event.status = ACTIVE
            if event.status == ACTIVE and event.end is not None and event.end <= now:
                event.status = COMPLETED

    # ------------------------------------------------------------------ permissions

    def _require(self, guild: SimGuild, entity_type: int, channel_id: int | None, *, creating: bool, own: bool) -> None:
        """ "Guild Scheduled Event Permissions Requirements": by entity type, in the event's channel or guild-wide."""
        me = guild.bot_member
        channel = guild.channels.get(channel_id) if channel_id is not None else None
        have = me.permissions_in(channel) if entity_type != EXTERNAL else perms.base_permissions(me)
        # Modify/delete: "If the event was created by the current user, either CREATE_EVENTS or MANAGE_EVENTS."
        events = CREATE_EVENTS if creating or not own else CREATE_EVENTS | MANAGE_EVENTS
        if not creating and not own:
            events = MANAGE_EVENTS
        if not have & events:
            raise DiscordHTTPError(403, E.MISSING_PERMISSIONS, "Missing Permissions", violation=False)
        needed = {
            EXTERNAL: 0,
            VOICE: perms.VIEW_CHANNEL | perms.CONNECT,
            STAGE_INSTANCE: perms.MANAGE_CHANNELS | MUTE_MEMBERS | MOVE_MEMBERS,
        }[entity_type]
        if have & needed != needed:
            raise DiscordHTTPError(403, E.MISSING_PERMISSIONS, "Missing Permissions", violation=False)

    # ------------------------------------------------------------------ validation

    def _validate(
        self, guild: SimGuild, body: dict[str, Any], old: SimScheduledEvent | None
    ) -> tuple[dict[str, Any], ErrorTree]:
        """Check a create (old None) or modify body; returns the merged fields."""
        tree = ErrorTree()
        now = self.world.clock.now()
        creating = old is None
        merged: dict[str, Any] = {}
        for key in ("name", "privacy_level", "scheduled_start_time", "entity_type"):
            if creating and key not in body:
                tree.add((key,), "BASE_TYPE_REQUIRED", "This field is required")
        name = body.get("name", old.name if old else None)
        if "name" in body and (not isinstance(name, str) or not 1 <= len(name) <= 100):
            tree.add(("name",), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        merged["name"] = name
        description = body.get("description", old.description if old else None)
        if description is not None and (not isinstance(description, str) or not 1 <= len(description) <= 1000):
            tree.add(("description",), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 1000 in length.")
        merged["description"] = description
        if "privacy_level" in body and body["privacy_level"] != GUILD_ONLY:
            tree.add(("privacy_level",), "BASE_TYPE_CHOICES", "Value must be one of {2}.")
        entity_type = body.get("entity_type", old.entity_type if old else None)
        if "entity_type" in body and entity_type not in (STAGE_INSTANCE, VOICE, EXTERNAL):
            tree.add(("entity_type",), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}.")
        merged["entity_type"] = entity_type
        start = old.start if old else None
        if "scheduled_start_time" in body:
            start = _time(body["scheduled_start_time"], "scheduled_start_time", tree)
            # Undocumented but enforced: a start time in the past is refused (create and modify).
            if start is not None and start <= now:
                tree.add(
                    ("scheduled_start_time",),
                    "GUILD_SCHEDULED_EVENT_SCHEDULED_START_TIME_IN_PAST",
                    "Cannot schedule event in the past.",
                )
        merged["start"] = start
        end = old.end if old else None
        if "scheduled_end_time" in body:
            end = (
                None
                if body["scheduled_end_time"] is None
                else _time(body["scheduled_end_time"], "scheduled_end_time", tree)
            )
        if start is not None and end is not None and end <= start:
            tree.add(
                ("scheduled_end_time",),
                "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
                "Cannot schedule event to end before starting.",
            )
        merged["end"] = end
        # "Field Requirements By Entity Type": EXTERNAL needs channel_id null, a location and an end;
        # STAGE_INSTANCE and VOICE need a channel_id (entity_metadata is discarded on modify).
        channel_id = old.channel_id if old else None
        if "channel_id" in body:
            channel_id = int(body["channel_id"]) if body["channel_id"] is not None else None
        location = old.location if old else None
        metadata = body.get("entity_metadata")
        if isinstance(metadata, dict) and "location" in metadata:
            location = metadata["location"]
        if entity_type == EXTERNAL:
            if channel_id is not None:
                tree.add(("channel_id",), "GUILD_SCHEDULED_EVENT_CHANNEL_NOT_NULL", "Channel id must be null.")
            if not isinstance(location, str) or not 1 <= len(location) <= 100:
                tree.add(("entity_metadata", "location"), "BASE_TYPE_REQUIRED", "This field is required")
            if end is None:
                tree.add(("scheduled_end_time",), "BASE_TYPE_REQUIRED", "This field is required")
        elif entity_type in (STAGE_INSTANCE, VOICE):
            location = None
            channel = guild.channels.get(channel_id) if channel_id is not None else None
            wanted = STAGE_CHANNEL if entity_type == STAGE_INSTANCE else VOICE_CHANNEL
            if channel is None:
                tree.add(("channel_id",), "BASE_TYPE_REQUIRED", "This field is required")
            elif channel.type != wanted:
                tree.add(("channel_id",), "GUILD_SCHEDULED_EVENT_INVALID_CHANNEL", "Invalid channel type.")
        merged["channel_id"] = channel_id
        merged["location"] = location
        return merged, tree

    # ------------------------------------------------------------------ routes

    async def list_events(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        found = []
        for event in self.world.scheduled_events.values():
            if event.guild_id == guild.id:
                self._advance(event)
                found.append(event.payload())
        return ok(found)

    async def get_event(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        return ok(self._event(request, guild).payload())

    async def create_event(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        body, _ = await read_body(request)
        merged, tree = self._validate(guild, body, None)
        if tree:
            raise form_error(tree)
        self._require(guild, merged["entity_type"], merged["channel_id"], creating=True, own=True)
        live = [
            e
            for e in self.world.scheduled_events.values()
            if e.guild_id == guild.id and e.status in (SCHEDULED, ACTIVE)
        ]
        if len(live) >= EVENT_LIMIT:
            raise DiscordHTTPError(400, MAX_SCHEDULED_EVENTS, "Maximum number of guild scheduled events reached (100)")
        event = SimScheduledEvent(
            id=self.world.new_id(),
            guild_id=guild.id,
            creator_id=self.world.bot_user.id,
            name=merged["name"],
            description=merged["description"],
            start=merged["start"],
            end=merged["end"],
            entity_type=merged["entity_type"],
            channel_id=merged["channel_id"],
            location=merged["location"],
        )
        self.world.scheduled_events[event.id] = event
        self.world.emit("GUILD_SCHEDULED_EVENT_CREATE", event.payload(), INTENT_GUILD_SCHEDULED_EVENTS)
        return ok(event.payload())

    async def edit_event(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        event = self._event(request, guild)
        body, _ = await read_body(request)
        own = event.creator_id == self.world.bot_user.id
        self._require(guild, event.entity_type, event.channel_id, creating=False, own=own)
        if event.status in (COMPLETED, CANCELED):
            # "Once status is set to COMPLETED or CANCELED, the status can no longer be updated"
            raise DiscordHTTPError(400, E.GENERAL, "Cannot modify a finished event")
        changes = {k: v for k, v in body.items() if k != "status"}
        merged, tree = self._validate(guild, changes, event) if changes else ({}, ErrorTree())
        if (
            "status" in body
            and body["status"] != event.status
            and body["status"] not in TRANSITIONS.get(event.status, ())
        ):
            tree.add(("status",), "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION", "Invalid status transition.")
        if tree:
            raise form_error(tree)
        if merged:
            if merged["entity_type"] != event.entity_type or merged["channel_id"] != event.channel_id:
                self._require(guild, merged["entity_type"], merged["channel_id"], creating=False, own=own)
            event.name = merged["name"]
            event.description = merged["description"]
            event.start = merged["start"]
            event.end = merged["end"]
            event.entity_type = merged["entity_type"]
            event.channel_id = merged["channel_id"]
            event.location = merged["location"]
        if "status" in body:
            event.status = body["status"]
        self.world.emit("GUILD_SCHEDULED_EVENT_UPDATE", event.payload(), INTENT_GUILD_SCHEDULED_EVENTS)
        return ok(event.payload())

    async def delete_event(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        event = self._event(request, guild)
        self._require(
            guild, event.entity_type, event.channel_id, creating=False, own=event.creator_id == self.world.bot_user.id
        )
        del self.world.scheduled_events[event.id]
        self.world.emit("GUILD_SCHEDULED_EVENT_DELETE", event.payload(), INTENT_GUILD_SCHEDULED_EVENTS)
        return no_content()


#: Gateway intent for scheduled-event dispatches (docs: developers/events/gateway.mdx, GUILD_SCHEDULED_EVENTS).
INTENT_GUILD_SCHEDULED_EVENTS = 1 << 16
