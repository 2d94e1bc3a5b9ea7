"""In-memory Discord state: users, guilds, roles, channels, members, messages and attachments."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from bot.sim import payloads
from bot.sim import permissions as perms
from bot.sim.clock import SimClock
from bot.sim.errors import SimError
from bot.sim.snowflake import SnowflakeGenerator

if TYPE_CHECKING:
    from discord.types import gateway as dgw
    from discord.types import guild as dguild

    from bot.sim.rest_events import SimScheduledEvent

# Gateway intent bits the simulator filters dispatches by.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15

# Message flags.
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_COMPONENTS_V2 = 1 << 15

ChannelKind = Literal["text", "voice", "category", "announcement", "stage", "forum"]
CHANNEL_TYPES: dict[str, int] = {
    "text": 0,
    "dm": 1,
    "voice": 2,
    "category": 4,
    "announcement": 5,
    "stage": 13,
    "forum": 15,
}

# (event name, payload or a function of the session intents that builds it, required intent bit);
# whatever the gateway returns is ignored
EmitFn = Callable[[str, "Mapping[str, Any] | Callable[[int], Mapping[str, Any]]", int], object]


@dataclass(eq=False)
class SimUser:
    """A Discord user (a person or the bot)."""

    id: int
    name: str
    global_name: str | None = None
    bot: bool = False
    dms_closed: bool = False
    avatar: str | None = None

    @property
    def display_name(self) -> str:
        """Global display name, or the username."""
        return self.global_name or self.name

    @property
    def mention(self) -> str:
        """`<@id>` as typed in a message."""
        return f"<@{self.id}>"


@dataclass(eq=False)
class SimRole:
    """A guild role; the @everyone role's id equals the guild id."""

    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    bot_id: int | None = None

    @property
    def mention(self) -> str:
        """`<@&id>` as typed in a message."""
        return f"<@&{self.id}>"


@dataclass(eq=False)
class SimChannel:
    """A guild channel or a DM channel (type 1, `recipient` set)."""

    id: int
    name: str
    type: int
    guild_id: int | None = None
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    nsfw: bool = False
    # target id -> (allow, deny, type 0=role 1=member)
    overwrites: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    recipient: SimUser | None = None
    last_message_id: int | None = None
    owner_id: int | None = None  # threads: who started it (bot.sim.rest_threads)
    auto_archive_duration: int = 4320  # threads: minutes of inactivity before it archives

    @property
    def is_dm(self) -> bool:
        """True for a DM channel."""
        return self.type == 1

    @property
    def mention(self) -> str:
        """`<#id>` as typed in a message."""
        return f"<#{self.id}>"


@dataclass(eq=False)
class SimMember:
    """A user's membership in a guild."""

    user: SimUser
    guild: SimGuild
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: datetime | None = None

    @property
    def id(self) -> int:
        """The user id."""
        return self.user.id

    @property
    def name(self) -> str:
        """The username."""
        return self.user.name

    @property
    def display_name(self) -> str:
        """Nickname, global name or username, like Discord shows."""
        return self.nick or self.user.display_name

    @property
    def mention(self) -> str:
        """`<@id>` as typed in a message."""
        return f"<@{self.id}>"

    @property
    def roles(self) -> list[SimRole]:
        """The member's roles (without @everyone)."""
        return [self.guild.roles[r] for r in self.role_ids if r in self.guild.roles]

    def permissions_in(self, channel: SimChannel | None = None) -> int:
        """Permission bits in `channel` (guild-level when None)."""
        return perms.channel_permissions(self, channel)


@dataclass(eq=False)
class SimFile:
    """A file a test hands to the simulator (e.g. for an ATTACHMENT command option)."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"
    description: str | None = None


@dataclass(eq=False)
class SimAttachment:
    """A stored attachment, served over HTTP by the simulator at `url`."""

    id: int
    filename: str
    data: bytes
    content_type: str
    url: str
    description: str | None = None
    ephemeral: bool = False

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)


@dataclass(eq=False)
class SimMessage:
    """A message as the simulator stores it; embeds and components are Discord JSON dicts."""

    id: int
    channel_id: int
    guild_id: int | None
    author: SimUser
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[SimAttachment] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    created_at: datetime | None = None
    edited_at: datetime | None = None
    nonce: str | int | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_id: int | None = None
    interaction_type: int | None = None
    interaction_name: str | None = None
    interaction_user: SimUser | None = None
    reference_id: int | None = None
    deleted: bool = False
    edits: int = 0
    #: Who this message notified, as Discord decides it ("everyone", "role:<id>", "user:<id>"): see
    #: `permissions.pings`. Filled for messages the bot creates in a channel.
    pings: frozenset[str] = frozenset()

    @property
    def ephemeral(self) -> bool:
        """True when only the invoking user sees it."""
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        """True while it is a deferred "Bot is thinking..." placeholder."""
        return bool(self.flags & FLAG_LOADING)

    def iter_components(self) -> Iterator[dict[str, Any]]:
        """Every component, depth first (rows, containers, sections and their children)."""
        yield from _walk_components(self.components)

    def find_component(self, custom_id: str) -> dict[str, Any] | None:
        """The interactive component with this custom_id, or None."""
        for comp in self.iter_components():
            if comp.get("custom_id") == custom_id:
                return comp
        return None

    @property
    def custom_ids(self) -> list[str]:
        """custom_ids of all interactive components, in order."""
        return [c["custom_id"] for c in self.iter_components() if "custom_id" in c]

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """All buttons (type 2)."""
        return [c for c in self.iter_components() if c.get("type") == 2]

    def button(self, label: str) -> dict[str, Any]:
        """The button with this label (raises SimError when absent)."""
        for b in self.buttons:
            if b.get("label") == label:
                return b
        raise SimError(f"no button labelled {label!r} on message {self.id}; have {self.custom_ids}")

    @property
    def filenames(self) -> list[str]:
        """Names of the attached files."""
        return [a.filename for a in self.attachments]

    @property
    def text(self) -> str:
        """Content plus every embed's visible text (and V2 text displays), for easy assertions."""
        parts = [self.content]
        for e in self.embeds:
            for key in ("title", "description"):
                if e.get(key):
                    parts.append(e[key])
            for key in ("author", "footer"):
                sub = e.get(key) or {}
                if label := sub.get("name") or sub.get("text"):
                    parts.append(label)
            for f in e.get("fields", []):
                parts.extend([f.get("name", ""), f.get("value", "")])
        for comp in self.iter_components():
            if comp.get("type") == 10:
                parts.append(comp.get("content", ""))
        return "\n".join(p for p in parts if p)


def _walk_components(components: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for comp in components:
        yield comp
        yield from _walk_components(comp.get("components", []))
        if isinstance(comp.get("accessory"), dict):
            yield from _walk_components([comp["accessory"]])
        if isinstance(comp.get("component"), dict):
            yield from _walk_components([comp["component"]])


class World:
    """Every piece of simulated state, plus the hook that turns changes into gateway events."""

    def __init__(self, clock: SimClock, bot_name: str = "Hustings") -> None:
        self.clock = clock
        self.ids = SnowflakeGenerator(clock)
        self.users: dict[int, SimUser] = {}
        self.guilds: dict[int, SimGuild] = {}
        self.channels: dict[int, SimChannel] = {}
        self.messages: dict[int, SimMessage] = {}
        self.channel_log: dict[int, list[SimMessage]] = {}
        self.attachments: dict[int, SimAttachment] = {}
        self.dm_channels: dict[int, SimChannel] = {}
        self.scheduled_events: dict[int, SimScheduledEvent] = {}  # see bot.sim.rest_events
        self.application_id = self.ids.next()
        #: Installation contexts switched on for the app in the developer portal: 0 guild, 1 user.
        self.install_types: tuple[int, ...] = (0,)
        self.bot_user = SimUser(id=self.application_id, name=bot_name, bot=True)
        self.users[self.bot_user.id] = self.bot_user
        self.base_url = "http://127.0.0.1:0"
        self.emit: EmitFn = lambda name, data, intent: None

    def new_id(self) -> int:
        """A fresh snowflake."""
        return self.ids.next()

    def add_user(self, name: str, *, global_name: str | None = None, bot: bool = False) -> SimUser:
        """Create a user that belongs to no guild yet."""
        user = SimUser(id=self.new_id(), name=name, global_name=global_name, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        owner: SimUser | None = None,
        bot_permissions: int = perms.DEFAULT_BOT,
        everyone_permissions: int = perms.DEFAULT_EVERYONE,
        channels: Iterable[str] = ("general",),
    ) -> SimGuild:
        """Create a guild with @everyone, the bot's managed role, the bot member and some text channels."""
        gid = self.new_id()
        owner = owner or self.add_user(f"{name.lower().replace(' ', '-')}-owner")
        guild = SimGuild(world=self, id=gid, name=name, owner_id=owner.id)
        guild.roles[gid] = SimRole(id=gid, guild_id=gid, name="@everyone", permissions=everyone_permissions)
        self.guilds[gid] = guild
        bot_role = guild.add_role(self.bot_user.name, permissions=bot_permissions, _emit=False)
        bot_role.managed = True
        bot_role.bot_id = self.bot_user.id
        guild._add_member(self.bot_user, [bot_role.id])
        guild._add_member(owner, [])
        for ch in channels:
            guild.add_channel(ch, _emit=False)
        self.emit("GUILD_CREATE", lambda intents: payloads.guild_create(guild, intents), INTENT_GUILDS)
        return guild

    def add_message(self, message: SimMessage) -> SimMessage:
        """Store a message and index it by channel."""
        self.messages[message.id] = message
        self.channel_log.setdefault(message.channel_id, []).append(message)
        channel = self.channels.get(message.channel_id)
        if channel is not None and not message.ephemeral:
            channel.last_message_id = message.id
        return message

    def store_attachment(self, channel_id: int, file: SimFile, *, ephemeral: bool = False) -> SimAttachment:
        """Keep an uploaded file and give it a URL the simulator serves."""
        aid = self.new_id()
        att = SimAttachment(
            id=aid,
            filename=file.filename,
            data=file.data,
            content_type=file.content_type,
            url=f"{self.base_url}/attachments/{channel_id}/{aid}/{file.filename}",
            description=file.description,
            ephemeral=ephemeral,
        )
        self.attachments[aid] = att
        return att

    def dm_channel(self, user: SimUser) -> SimChannel:
        """The bot's DM channel with `user`, created on first use."""
        channel = self.dm_channels.get(user.id)
        if channel is None:
            channel = SimChannel(id=self.new_id(), name="", type=1, recipient=user)
            self.dm_channels[user.id] = channel
            self.channels[channel.id] = channel
        return channel

    def member_of(self, guild_id: int | None, user_id: int) -> SimMember | None:
        """The member record, if the user is in that guild."""
        guild = self.guilds.get(guild_id) if guild_id is not None else None
        return guild.members.get(user_id) if guild else None


@dataclass(eq=False)
class SimGuild:
    """A guild. Changes made after the bot connected are dispatched to it as gateway events."""

    world: World
    id: int
    name: str
    owner_id: int
    roles: dict[int, SimRole] = field(default_factory=dict)
    channels: dict[int, SimChannel] = field(default_factory=dict)
    members: dict[int, SimMember] = field(default_factory=dict)
    locale: str = "en-GB"
    #: Command permission overrides set under Server Settings → Integrations: command name → role or
    #: user id → allowed. See `DiscordSimulator.set_command_permission`.
    command_overrides: dict[str, dict[int, bool]] = field(default_factory=dict)
    #: In an outage: READY lists it as unavailable and no GUILD_CREATE follows.
    unavailable: bool = False
    bot_removed: bool = False  # the bot was kicked (or left); see `remove_bot`

    @property
    def everyone_role(self) -> SimRole:
        """The @everyone role (id == guild id)."""
        return self.roles[self.id]

    @property
    def bot_member(self) -> SimMember:
        """The bot's own member record."""
        return self.members[self.world.bot_user.id]

    @property
    def owner(self) -> SimMember:
        """The owner's member record."""
        return self.members[self.owner_id]

    @property
    def text_channels(self) -> list[SimChannel]:
        """Text channels in position order."""
        return sorted((c for c in self.channels.values() if c.type == 0), key=lambda c: c.position)

    def add_role(
        self,
        name: str,
        permissions: int = 0,
        *,
        color: int = 0,
        hoist: bool = False,
        mentionable: bool = False,
        _emit: bool = True,
    ) -> SimRole:
        """Create a role above the existing ones."""
        role = SimRole(
            id=self.world.new_id(),
            guild_id=self.id,
            name=name,
            permissions=permissions,
            position=len(self.roles),
            color=color,
            hoist=hoist,
            mentionable=mentionable,
        )
        self.roles[role.id] = role
        if _emit:
            self.world.emit("GUILD_ROLE_CREATE", {"guild_id": str(self.id), "role": payloads.role(role)}, INTENT_GUILDS)
        return role

    def add_channel(
        self,
        name: str,
        kind: ChannelKind = "text",
        *,
        topic: str | None = None,
        category: SimChannel | None = None,
        overwrites: dict[SimRole | SimMember, tuple[int, int]] | None = None,
        _emit: bool = True,
    ) -> SimChannel:
        """Create a channel; `overwrites` maps a role or member to (allow, deny) bits."""
        if kind not in CHANNEL_TYPES or CHANNEL_TYPES[kind] == 1:  # a DM is opened, never created here
            raise SimError(f"unsupported channel kind {kind!r}")
        channel = SimChannel(
            id=self.world.new_id(),
            name=name,
            type=CHANNEL_TYPES[kind],
            guild_id=self.id,
            position=len(self.channels),
            topic=topic,
            parent_id=category.id if category else None,
        )
        for target, (allow, deny) in (overwrites or {}).items():
            channel.overwrites[target.id] = (allow, deny, 1 if isinstance(target, SimMember) else 0)
        self.channels[channel.id] = channel
        self.world.channels[channel.id] = channel
        if _emit:
            self.world.emit("CHANNEL_CREATE", payloads.channel(channel), INTENT_GUILDS)
        return channel

    def add_member(
        self,
        name: str,
        roles: Iterable[SimRole] = (),
        *,
        permissions: int | None = None,
        nick: str | None = None,
        global_name: str | None = None,
        user: SimUser | None = None,
    ) -> SimMember:
        """Add a person (a new user unless `user` is given); `permissions` grants them via a personal role."""
        user = user or self.world.add_user(name, global_name=global_name)
        role_ids = [r.id for r in roles]
        if permissions is not None:
            role_ids.append(self.add_role(f"{name}-perms", permissions).id)
        member = self._add_member(user, role_ids, nick=nick)
        self.world.emit("GUILD_MEMBER_ADD", {**payloads.member(member), "guild_id": str(self.id)}, INTENT_GUILD_MEMBERS)
        return member

    def remove_member(self, member: SimMember) -> None:
        """Remove someone from the guild (a leave or kick)."""
        self.members.pop(member.id, None)
        body: dgw.GuildMemberRemoveEvent = {"guild_id": str(self.id), "user": payloads.user(member.user)}
        self.world.emit("GUILD_MEMBER_REMOVE", body, INTENT_GUILD_MEMBERS)

    def remove_bot(self) -> None:
        """Kick the bot from this guild: GUILD_DELETE without `unavailable` (docs: events/gateway-events.mdx
        "Guild Delete": "If the `unavailable` field is not set, the user was removed from the guild");
        its channels answer 403 Missing Access and its members, sharing no other guild, can't be DMed.
        """
        self.bot_removed = True
        removed: dguild.UnavailableGuild = {"id": str(self.id)}
        self.world.emit("GUILD_DELETE", removed, INTENT_GUILDS)

    def invite_bot(self) -> None:
        """Add the bot back (a re-invite): GUILD_CREATE with the whole guild."""
        self.bot_removed = False
        self.world.emit("GUILD_CREATE", lambda intents: payloads.guild_create(self, intents), INTENT_GUILDS)

    def delete_thread(self, thread: SimChannel) -> None:
        """Someone with Manage Threads deletes a thread (or forum post) in their client: it and its messages
        are gone, and the bot hears THREAD_DELETE with just the fields the docs list (docs:
        developers/events/gateway-events.mdx "Thread Delete": `id`, `guild_id`, `parent_id` and `type`)."""
        if thread.type not in (10, 11, 12) or thread.guild_id != self.id:
            raise SimError(f"{thread.name!r} is not a thread of {self.name}")
        self.world.channels.pop(thread.id, None)
        data = {"id": str(thread.id), "guild_id": str(self.id), "parent_id": str(thread.parent_id), "type": thread.type}
        self.world.emit("THREAD_DELETE", data, INTENT_GUILDS)

    def set_roles(self, member: SimMember, roles: Iterable[SimRole]) -> None:
        """Replace a member's roles."""
        member.role_ids = [r.id for r in roles]
        self.world.emit(
            "GUILD_MEMBER_UPDATE", {**payloads.member(member), "guild_id": str(self.id)}, INTENT_GUILD_MEMBERS
        )

    def edit_role(self, role: SimRole, *, permissions: int | None = None, mentionable: bool | None = None) -> None:
        """Change a role as a server admin would; the bot hears GUILD_ROLE_UPDATE (its cache follows)."""
        if permissions is not None:
            role.permissions = permissions
        if mentionable is not None:
            role.mentionable = mentionable
        self.world.emit("GUILD_ROLE_UPDATE", {"guild_id": str(self.id), "role": payloads.role(role)}, INTENT_GUILDS)

    def set_overwrite(self, channel: SimChannel, target: SimRole | SimMember, allow: int, deny: int) -> None:
        """Set a channel permission overwrite; the bot hears CHANNEL_UPDATE."""
        channel.overwrites[target.id] = (allow, deny, 1 if isinstance(target, SimMember) else 0)
        self.world.emit("CHANNEL_UPDATE", payloads.channel(channel), INTENT_GUILDS)

    def member(self, name: str) -> SimMember:
        """Find a member by username, global name or nickname."""
        for m in self.members.values():
            if name in (m.user.name, m.user.global_name, m.nick):
                return m
        raise SimError(f"no member {name!r} in {self.name}")

    def channel(self, name: str) -> SimChannel:
        """Find a channel by name."""
        for c in self.channels.values():
            if c.name == name:
                return c
        raise SimError(f"no channel {name!r} in {self.name}")

    def role(self, name: str) -> SimRole:
        """Find a role by name."""
        for r in self.roles.values():
            if r.name == name:
                return r
        raise SimError(f"no role {name!r} in {self.name}")

    def _add_member(self, user: SimUser, role_ids: list[int], *, nick: str | None = None) -> SimMember:
        member = SimMember(user=user, guild=self, role_ids=role_ids, nick=nick, joined_at=self.world.clock.now())
        self.members[user.id] = member
        return member
