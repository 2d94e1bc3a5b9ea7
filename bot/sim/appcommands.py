"""Registered application commands: bulk overwrite storage, lookup, and typed option payloads."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.sim import payloads
from bot.sim.errors import SimError
from bot.sim.models import SimAttachment, SimChannel, SimFile, SimGuild, SimMember, SimRole, SimUser, World

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11
TYPE_NAMES = {
    STRING: "string",
    INTEGER: "integer",
    BOOLEAN: "boolean",
    USER: "user",
    CHANNEL: "channel",
    ROLE: "role",
    MENTIONABLE: "mentionable",
    NUMBER: "number",
    ATTACHMENT: "attachment",
}

_USER_REF = re.compile(r"^<@!?(\d+)>$")
_ROLE_REF = re.compile(r"^<@&(\d+)>$")
_CHANNEL_REF = re.compile(r"^<#(\d+)>$")


class CommandRegistry:
    """What the bot registered, per scope (None = global), keeping ids stable across overwrites."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._scopes: dict[int | None, dict[tuple[int, str], dict[str, Any]]] = {}

    def overwrite(self, guild_id: int | None, body: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Replace a scope's commands (Discord's bulk overwrite) and return the stored objects."""
        old = self._scopes.get(guild_id, {})
        new: dict[tuple[int, str], dict[str, Any]] = {}
        for cmd in body:
            kind = int(cmd.get("type", 1))
            key = (kind, cmd["name"])
            previous = old.get(key)
            stored = {
                "id": previous["id"] if previous else str(self.world.new_id()),
                "application_id": str(self.world.application_id),
                "version": str(self.world.new_id()),
                "type": kind,
                "name": cmd["name"],
                "name_localizations": cmd.get("name_localizations"),
                "description": cmd.get("description", ""),
                "description_localizations": cmd.get("description_localizations"),
                "options": cmd.get("options") or [],
                "default_member_permissions": cmd.get("default_member_permissions"),
                "nsfw": bool(cmd.get("nsfw", False)),
                "contexts": cmd.get("contexts"),
                # docs: developers/interactions/application-commands.mdx, "integration_types": defaults to
                # the app's configured installation contexts (user installs too, when switched on).
                "integration_types": cmd.get("integration_types") or list(self.world.install_types),
            }
            if guild_id is not None:
                stored["guild_id"] = str(guild_id)
            else:
                stored["dm_permission"] = cmd.get("dm_permission", True)
            new[key] = stored
        self._scopes[guild_id] = new
        return list(new.values())

    def list(self, guild_id: int | None) -> list[dict[str, Any]]:
        """Stored commands of one scope."""
        return list(self._scopes.get(guild_id, {}).values())

    def find(self, name: str, guild_id: int | None, kind: int = 1) -> dict[str, Any]:
        """The command a user in that guild (or DM when None) sees under `name`."""
        for scope in ([guild_id] if guild_id is not None else []) + [None]:
            cmd = self._scopes.get(scope, {}).get((kind, name))
            if cmd is not None:
                if scope is None and guild_id is None and 1 not in (cmd.get("contexts") or [0, 1, 2]):
                    continue
                if scope is None and guild_id is not None and 0 not in (cmd.get("contexts") or [0, 1, 2]):
                    continue
                return cmd
        known = sorted(n for s in self._scopes.values() for (_, n) in s)
        raise SimError(f"no command /{name} registered for this scope; registered: {known}")


def resolve_path(cmd: dict[str, Any], words: list[str]) -> tuple[list[str], list[dict[str, Any]]]:
    """Walk group/subcommand names; return (consumed names after the command, the leaf's option defs)."""
    options = cmd.get("options") or []
    consumed: list[str] = []
    for _ in range(2):
        subs = {o["name"]: o for o in options if o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)}
        if not subs:
            break
        if len(consumed) >= len(words):
            raise SimError(f"/{cmd['name']} {' '.join(consumed)} needs one of: {sorted(subs)}")
        word = words[len(consumed)]
        if word not in subs:
            raise SimError(f"/{cmd['name']} has no subcommand {word!r}; choose from {sorted(subs)}")
        consumed.append(word)
        options = subs[word].get("options") or []
    if len(words) > len(consumed):
        raise SimError(f"unexpected words after /{cmd['name']} {' '.join(consumed)}: {words[len(consumed) :]}")
    return consumed, options


@dataclass
class Resolved:
    """`data.resolved` collected while building option payloads."""

    users: dict[str, Any] = field(default_factory=dict)
    members: dict[str, Any] = field(default_factory=dict)
    roles: dict[str, Any] = field(default_factory=dict)
    channels: dict[str, Any] = field(default_factory=dict)
    attachments: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v}


class OptionBuilder:
    """Turns Python values (or text as typed) into typed option payloads plus resolved objects."""

    def __init__(self, world: World, guild: SimGuild | None, actor: SimMember | SimUser, channel: SimChannel) -> None:
        self.world = world
        self.guild = guild
        self.actor = actor
        self.channel = channel
        self.resolved = Resolved()

    def build(
        self,
        definitions: list[dict[str, Any]],
        values: dict[str, Any],
        *,
        focused: str | None = None,
    ) -> list[dict[str, Any]]:
        """Option payloads for the leaf command; `focused` marks the autocomplete option (sent as text)."""
        by_name = {d["name"]: d for d in definitions}
        unknown = set(values) - set(by_name)
        if focused is not None and focused not in by_name:
            unknown.add(focused)
        if unknown:
            raise SimError(f"unknown option(s) {sorted(unknown)}; this command takes {sorted(by_name)}")
        out: list[dict[str, Any]] = []
        for definition in definitions:
            name = definition["name"]
            if name == focused:
                raw = values.get(name, "")
                out.append({"name": name, "type": definition["type"], "value": str(raw), "focused": True})
                continue
            if name not in values:
                if definition.get("required") and focused is None:
                    raise SimError(f"option {name!r} is required")
                continue
            value = self.coerce(definition, values[name])
            out.append({"name": name, "type": definition["type"], "value": value})
        return out

    def coerce(self, definition: dict[str, Any], raw: Any) -> Any:
        """One value as Discord's client would send it, validated against choices and bounds."""
        kind = definition["type"]
        name = definition["name"]
        choices = definition.get("choices")
        if choices:
            for choice in choices:
                if raw == choice["value"] or raw == choice["name"] or str(raw) == str(choice["value"]):
                    return choice["value"]
            raise SimError(f"{raw!r} is not a choice of {name!r}: {[c['name'] for c in choices]}")
        if kind == STRING:
            value = str(raw)
            low, high = definition.get("min_length", 0), definition.get("max_length", 6000)
            if not low <= len(value) <= high:
                raise SimError(f"{name!r} must be {low}-{high} characters")
            return value
        if kind in (INTEGER, NUMBER):
            try:
                number = int(raw) if kind == INTEGER else float(raw)
            except (TypeError, ValueError):
                raise SimError(f"{name!r} needs a {TYPE_NAMES[kind]}, got {raw!r}") from None
            if isinstance(raw, bool) or (kind == INTEGER and isinstance(raw, float) and not raw.is_integer()):
                raise SimError(f"{name!r} needs a {TYPE_NAMES[kind]}, got {raw!r}")
            low, high = definition.get("min_value"), definition.get("max_value")
            if (low is not None and number < low) or (high is not None and number > high):
                raise SimError(f"{name!r} must be between {low} and {high}")
            return number
        if kind == BOOLEAN:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("true", "yes", "1", "on"):
                return True
            if text in ("false", "no", "0", "off"):
                return False
            raise SimError(f"{name!r} needs True/False, got {raw!r}")
        if kind == USER:
            return self._add_user(self._find_user(raw))
        if kind == ROLE:
            return self._add_role(self._find_role(raw))
        if kind == MENTIONABLE:
            if isinstance(raw, SimRole) or (isinstance(raw, str) and _ROLE_REF.match(raw)):
                return self._add_role(self._find_role(raw))
            try:
                return self._add_user(self._find_user(raw))
            except SimError:
                return self._add_role(self._find_role(raw))
        if kind == CHANNEL:
            channel = self._find_channel(raw)
            allowed = definition.get("channel_types")
            if allowed and channel.type not in allowed:
                raise SimError(f"{name!r} accepts channel types {allowed}, not {channel.type}")
            actor = self._actor_member()
            perms = actor.permissions_in(channel) if actor else 0
            self.resolved.channels[str(channel.id)] = payloads.channel(channel, permissions=perms)
            return str(channel.id)
        if kind == ATTACHMENT:
            att = self._attachment(raw)
            self.resolved.attachments[str(att.id)] = payloads.attachment(att)
            return str(att.id)
        raise SimError(f"unsupported option type {kind}")

    # --- resolution helpers ----------------------------------------------------------------------

    def _actor_member(self) -> SimMember | None:
        return self.actor if isinstance(self.actor, SimMember) else None

    def _find_user(self, raw: Any) -> SimUser:
        if isinstance(raw, SimMember):
            return raw.user
        if isinstance(raw, SimUser):
            return raw
        text = str(raw).strip()
        match = _USER_REF.match(text)
        if match or text.isdigit():
            uid = int(match.group(1) if match else text)
            if uid in self.world.users:
                return self.world.users[uid]
        name = text.lstrip("@")
        if self.guild is not None:
            for m in self.guild.members.values():
                if name in (m.user.name, m.user.global_name, m.nick):
                    return m.user
        for u in self.world.users.values():
            if name in (u.name, u.global_name):
                return u
        raise SimError(f"no user matches {raw!r}")

    def _add_user(self, user: SimUser) -> str:
        self.resolved.users[str(user.id)] = payloads.user(user)
        member = self.guild.members.get(user.id) if self.guild else None
        if member is not None:
            self.resolved.members[str(user.id)] = payloads.member(
                member, with_user=False, permissions=member.permissions_in(self.channel)
            )
        return str(user.id)

    def _find_role(self, raw: Any) -> SimRole:
        if isinstance(raw, SimRole):
            return raw
        if self.guild is None:
            raise SimError("role options need a guild")
        text = str(raw).strip()
        match = _ROLE_REF.match(text)
        if match or text.isdigit():
            rid = int(match.group(1) if match else text)
            if rid in self.guild.roles:
                return self.guild.roles[rid]
        name = text.lstrip("@")
        for role in self.guild.roles.values():
            if role.name in (name, text):
                return role
        raise SimError(f"no role matches {raw!r}")

    def _add_role(self, role: SimRole) -> str:
        self.resolved.roles[str(role.id)] = payloads.role(role)
        return str(role.id)

    def _find_channel(self, raw: Any) -> SimChannel:
        if isinstance(raw, SimChannel):
            return raw
        if self.guild is None:
            raise SimError("channel options need a guild")
        text = str(raw).strip()
        match = _CHANNEL_REF.match(text)
        if match or text.isdigit():
            cid = int(match.group(1) if match else text)
            if cid in self.guild.channels:
                return self.guild.channels[cid]
        name = text.lstrip("#")
        for channel in self.guild.channels.values():
            if channel.name == name:
                return channel
        raise SimError(f"no channel matches {raw!r}")

    def _attachment(self, raw: Any) -> SimAttachment:
        if isinstance(raw, SimAttachment):
            return raw
        if isinstance(raw, tuple):
            raw = SimFile(*raw)
        if isinstance(raw, SimFile):
            return self.world.store_attachment(self.channel.id, raw, ephemeral=True)
        raise SimError(f"attachment options take a SimFile or (filename, bytes), got {type(raw).__name__}")
