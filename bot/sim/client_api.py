"""`DiscordSimulator`: the in-process, test-facing API over the simulated Discord."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.sim import payloads
from bot.sim import permissions as perms
from bot.sim.appcommands import OptionBuilder, resolve_path
from bot.sim.clock import MovableSimClock, SimClock, StillClock
from bot.sim.core import SimCore
from bot.sim.errors import SimError, Violation
from bot.sim.faults import FaultInjector
from bot.sim.gateway import ShardingConfig, shard_for
from bot.sim.interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionHandle,
    SimInteraction,
    SimModal,
    new_token,
)
from bot.sim.models import SimChannel, SimFile, SimGuild, SimMember, SimMessage, SimRole, SimUser, World
from bot.sim.ratelimit import RateLimitConfig
from bot.sim.server import SimServer
from bot.sim.stats import SimStats
from bot.sim.textparse import parse_invocation

if TYPE_CHECKING:
    from discord.types import guild as dguild

Actor = SimMember | SimUser


class DiscordSimulator:
    """A local Discord: REST + gateway on 127.0.0.1 for an unmodified discord.py client.

    Typical use::

        sim = DiscordSimulator(clock=ManualClock(start))
        await sim.start()
        guild = sim.add_guild("Labour North")
        alice = guild.add_member("alice")
        async with run_bot_against(sim, bot, sync_guild_ids=[guild.id]):
            reply = await (await sim.invoke(alice, "/candidate name", options={"name": "Yasmine Dar"})).response()
        await sim.stop()
    """

    def __init__(
        self,
        clock: SimClock | None = None,
        *,
        token: str | None = None,
        bot_name: str = "Hustings",
        rate_limits: RateLimitConfig | None = None,
        seed: int = 0,
        heartbeat_interval_ms: int = 41250,
        host: str = "127.0.0.1",
    ) -> None:
        self.clock: SimClock = clock or StillClock()
        self.token = token or f"sim.{secrets.token_urlsafe(24)}"
        self._core = SimCore(
            self.clock,
            self.token,
            bot_name=bot_name,
            rate_limits=rate_limits,
            seed=seed,
            heartbeat_interval_ms=heartbeat_interval_ms,
        )
        self._server = SimServer(self._core, host=host)
        self._started = False

    # --- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind 127.0.0.1 on a free port and start serving."""
        await self._server.start()
        self._core.world.base_url = self._server.base_url
        self._core.gateway.resume_url = f"ws://{self._server.host}:{self._server.port}/gateway/resume"
        self._started = True

    async def stop(self) -> None:
        """Close gateway sockets and the listener."""
        if self._started:
            await self._server.stop()
            self._started = False

    async def __aenter__(self) -> DiscordSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- addresses and state -----------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        """What to put in `discord.http.Route.BASE`."""
        return f"{self._server.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """What to put in `DiscordWebSocket.DEFAULT_GATEWAY`."""
        return f"ws://{self._server.host}:{self._server.port}/gateway"

    @property
    def world(self) -> World:
        """All simulated state (guilds, users, channels, messages)."""
        return self._core.world

    @property
    def bot_user(self) -> SimUser:
        """The bot's user."""
        return self._core.world.bot_user

    @property
    def application_id(self) -> int:
        """The application (and bot user) id."""
        return self._core.world.application_id

    @property
    def stats(self) -> SimStats:
        """Request, error and gateway counters."""
        return self._core.stats

    @property
    def violations(self) -> list[Violation]:
        """Every request rejected because the bot broke a Discord rule (assert it is `[]`)."""
        return self._core.violations

    @property
    def faults(self) -> FaultInjector:
        """Runtime fault switches."""
        return self._core.faults

    @property
    def rate_limits(self) -> RateLimitConfig:
        """Live rate-limit configuration (`sim.rate_limits.enabled = True`)."""
        return self._core.ratelimiter.config

    @property
    def response_deadline(self) -> float:
        """Real seconds the bot has for the initial interaction response (3.0 on Discord)."""
        return self._core.response_deadline

    @response_deadline.setter
    def response_deadline(self, seconds: float) -> None:
        self._core.response_deadline = seconds

    @property
    def nonce_window(self) -> timedelta:
        """How long an enforced nonce de-duplicates on the sim clock ("the past few minutes" on Discord)."""
        return self._core.nonce_window

    @nonce_window.setter
    def nonce_window(self, window: timedelta) -> None:
        self._core.nonce_window = window

    def set_dm_open_limit(self, count: int | None, window: float = 10.0) -> None:
        """Answer 40003 past `count` DM-channel openings per `window` real seconds (None: no limit)."""
        self._core.dm_open_limit = None if count is None else (count, window)
        self._core._dm_opens.clear()

    @property
    def connected(self) -> bool:
        """True while a bot session has a live gateway socket."""
        return self._core.gateway.connected

    def advance(self, delta: timedelta) -> datetime:
        """Move the shared clock (needs a clock with `advance`, like the bot's ManualClock)."""
        if not isinstance(self.clock, MovableSimClock):
            raise SimError("the simulator's clock cannot be advanced; pass a ManualClock")
        return self.clock.advance(delta)

    def set_rate_limits(self, enabled: bool = True, **config: Any) -> RateLimitConfig:
        """Switch Discord-style rate limits on/off and adjust limits (fields of RateLimitConfig)."""
        cfg = self._core.ratelimiter.config
        cfg.enabled = enabled
        for key, value in config.items():
            if not hasattr(cfg, key):
                raise SimError(f"unknown rate limit setting {key!r}")
            setattr(cfg, key, value)
        self._core.ratelimiter.reset()
        return cfg

    def add_guild(self, name: str, **kwargs: Any) -> SimGuild:
        """Create a guild (the bot is a member). See `World.add_guild` for options."""
        return self._core.world.add_guild(name, **kwargs)

    def add_user(self, name: str, *, global_name: str | None = None) -> SimUser:
        """A user in no guild (e.g. for DM-only tests)."""
        return self._core.world.add_user(name, global_name=global_name)

    def set_command_permission(
        self, guild: SimGuild, command: str, who: SimRole | SimMember, allowed: bool = True
    ) -> None:
        """What a server admin does under Server Settings → Integrations → the app → a command."""
        guild.command_overrides.setdefault(command.lstrip("/").split()[0], {})[who.id] = allowed

    def make_unavailable(self, guild: SimGuild, unavailable: bool = True) -> None:
        """An outage: GUILD_DELETE with `unavailable: true` now, and no GUILD_CREATE for it after a new
        IDENTIFY, so a bot that connects meanwhile never caches the guild.

        docs: developers/events/gateway-events.mdx, "Guild Delete" and "Guild Create". Interactions from
        its members keep arriving, each with its member (role ids) and resolved permissions.
        """
        guild.unavailable = unavailable
        if unavailable:
            outage: dguild.UnavailableGuild = {"id": str(guild.id), "unavailable": True}
            self._core.gateway.dispatch("GUILD_DELETE", outage)

    @property
    def allowed_privileged_intents(self) -> int:
        """Privileged intents switched on in the developer portal (all three unless a test says otherwise)."""
        return self._core.gateway.allowed_privileged_intents

    @allowed_privileged_intents.setter
    def allowed_privileged_intents(self, value: int) -> None:
        self._core.gateway.allowed_privileged_intents = value

    @property
    def sharding(self) -> ShardingConfig:
        """Discord's session limits, live: guilds per shard (4011), identify buckets, session starts, exclusivity."""
        return self._core.gateway.sharding

    def shard_of(self, guild: SimGuild, shard_count: int) -> int:
        """The shard that receives `guild`'s events when a bot runs `shard_count` shards."""
        return shard_for(guild.id, shard_count)

    def commands(self, guild: SimGuild | None = None) -> list[dict[str, Any]]:
        """Command definitions the bot registered for a guild, or globally."""
        return self._core.commands.list(guild.id if guild else None)

    def channel_messages(self, channel: SimChannel, *, include_ephemeral: bool = False) -> list[SimMessage]:
        """Messages in a channel, oldest first (deleted ones left out)."""
        return [
            m
            for m in self._core.world.channel_log.get(channel.id, [])
            if not m.deleted and (include_ephemeral or not m.ephemeral)
        ]

    def dms(self, who: Actor) -> list[SimMessage]:
        """Messages in the bot's DM channel with that user."""
        user = who.user if isinstance(who, SimMember) else who
        channel = self._core.world.dm_channels.get(user.id)
        return self.channel_messages(channel) if channel else []

    def dm_channel(self, who: Actor) -> SimChannel:
        """The DM channel between the bot and a user (created if needed)."""
        user = who.user if isinstance(who, SimMember) else who
        return self._core.world.dm_channel(user)

    # --- waiting -----------------------------------------------------------------------------------

    async def wait_until_connected(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 - the test API takes explicit timeouts
        """Wait for a bot to IDENTIFY."""
        await asyncio.wait_for(self._core.gateway.ready_event.wait(), timeout)

    async def wait_for_idle(self, timeout: float = 5.0, quiet: float = 0.05) -> None:  # noqa: ASYNC109 - the test API takes explicit timeouts
        """Wait until no request is in flight and the gateway has nothing queued, for `quiet` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        idle_since: float | None = None
        while True:
            now = loop.time()
            if self._core.idle():
                idle_since = idle_since if idle_since is not None else now
                if now - idle_since >= quiet:
                    return
            else:
                idle_since = None
            if now > deadline:
                raise TimeoutError(f"simulator not idle after {timeout}s (in flight: {self._core.inflight})")
            await asyncio.sleep(0.005)

    async def wait_for_violations(self, count: int = 1, timeout: float = 5.0) -> list[Violation]:  # noqa: ASYNC109 - the test API takes explicit timeouts
        """Wait until at least `count` violations were recorded; returns them all."""
        return await self._core.wait_for_violations(count, timeout)

    async def wait_for_message(
        self,
        predicate: Callable[[SimMessage], bool] | None = None,
        *,
        channel: SimChannel | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the test API takes explicit timeouts
    ) -> SimMessage:
        """The first message (already stored or arriving later) that matches."""

        def matches(m: SimMessage) -> bool:
            return (
                (channel is None or m.channel_id == channel.id)
                and not m.deleted
                and (predicate is None or predicate(m))
            )

        for m in self._core.world.messages.values():
            if matches(m):
                return m
        fut: asyncio.Future[SimMessage] = asyncio.get_running_loop().create_future()

        def hook(m: SimMessage) -> None:
            if not fut.done() and matches(m):
                fut.set_result(m)

        self._core.on_message.append(hook)
        try:
            return await asyncio.wait_for(fut, timeout)
        finally:
            self._core.on_message.remove(hook)

    # --- acting as a user --------------------------------------------------------------------------

    def _who(self, actor: Actor) -> tuple[SimUser, SimMember | None, SimGuild | None]:
        if isinstance(actor, SimMember):
            if actor.id not in actor.guild.members:
                raise SimError(f"{actor.name} is no longer in {actor.guild.name}")
            return actor.user, actor, actor.guild
        return actor, None, None

    def _channel_for(self, user: SimUser, guild: SimGuild | None, channel: SimChannel | None) -> SimChannel:
        if channel is not None:
            if guild is not None and channel.guild_id != guild.id:
                raise SimError(f"#{channel.name} is not in {guild.name}")
            return channel
        if guild is None:
            return self._core.world.dm_channel(user)
        if not guild.text_channels:
            raise SimError(f"{guild.name} has no text channel; pass channel=")
        return guild.text_channels[0]

    def _check_can_use(self, cmd: dict[str, Any], member: SimMember | None, channel: SimChannel) -> None:
        if member is None:
            return
        have = member.permissions_in(channel)
        if not have & perms.VIEW_CHANNEL or not have & perms.USE_APPLICATION_COMMANDS:
            raise SimError(f"{member.name} cannot use application commands in #{channel.name}")
        # docs: developers/interactions/application-commands.mdx, "Permissions" and "Syncing and
        # Unsyncing Permissions": overrides a server admin sets under Server Settings → Integrations win
        # over `default_member_permissions` (a user override first, then the member's roles, then
        # @everyone); administrators can always use the command.
        if have == perms.ALL:
            return
        overrides = member.guild.command_overrides.get(cmd["name"], {})
        verdict = overrides.get(member.id)
        if verdict is None:
            by_role = [overrides[r] for r in member.role_ids if r in overrides]
            verdict = any(by_role) if by_role else overrides.get(member.guild.id)
        if verdict is False:
            raise SimError(f"{member.name} is denied /{cmd['name']} by the server's integration settings")
        needed = cmd.get("default_member_permissions")
        if verdict is None and needed is not None and have & int(needed) != int(needed):
            raise SimError(f"{member.name} lacks permissions {needed} to see /{cmd['name']}")

    def _dispatch(
        self,
        kind: int,
        user: SimUser,
        member: SimMember | None,
        guild: SimGuild | None,
        channel: SimChannel,
        data: dict[str, Any],
        *,
        command_name: str | None = None,
        source: SimMessage | None = None,
        focused_type: int | None = None,
    ) -> InteractionHandle:
        core = self._core
        if not core.gateway.sessions_for(guild.id if guild is not None else None):
            raise SimError("no bot is connected to the simulator's gateway (for this guild's shard)")
        iid = core.world.new_id()
        interaction = SimInteraction(
            id=iid,
            token=new_token(iid),
            type=kind,
            user=user,
            member=member,
            guild=guild,
            channel=channel,
            data=data,
            created_at=self.clock.now(),
            command_name=command_name,
            source_message=source,
            focused_type=focused_type,
        )
        core.interactions[iid] = interaction
        core.by_token[interaction.token] = interaction
        core.gateway.dispatch("INTERACTION_CREATE", interaction.payload(core.world), on_sent=interaction.mark_sent)
        return InteractionHandle(interaction)

    def _command_data(
        self,
        actor: Actor,
        command: str,
        options: Mapping[str, Any] | None,
        channel: SimChannel | None,
        focused: str | None = None,
    ) -> tuple[SimUser, SimMember | None, SimGuild | None, SimChannel, dict[str, Any], str, int | None]:
        user, member, guild = self._who(actor)
        channel = self._channel_for(user, guild, channel)
        words = command.strip().lstrip("/").split()
        if not words:
            raise SimError("empty command")
        cmd = self._core.commands.find(words[0], guild.id if guild else None)
        self._check_can_use(cmd, member, channel)
        path, definitions = resolve_path(cmd, words[1:])
        builder = OptionBuilder(self._core.world, guild, member or user, channel)
        leaf = builder.build(definitions, dict(options or {}), focused=focused)
        nested: list[dict[str, Any]] = leaf
        node_defs = cmd.get("options") or []
        chain: list[tuple[str, int]] = []
        for name in path:
            node = next(o for o in node_defs if o["name"] == name)
            chain.append((name, node["type"]))
            node_defs = node.get("options") or []
        for name, kind in reversed(chain):
            entry: dict[str, Any] = {"name": name, "type": kind}
            if nested:
                entry["options"] = nested
            nested = [entry]
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1}
        if nested:
            data["options"] = nested
        resolved = builder.resolved.to_dict()
        if resolved:
            data["resolved"] = resolved
        if "guild_id" in cmd:
            data["guild_id"] = cmd["guild_id"]
        focused_type = None
        if focused is not None:
            focused_type = next(d["type"] for d in definitions if d["name"] == focused)
        full_name = " ".join([cmd["name"], *path])
        return user, member, guild, channel, data, full_name, focused_type

    async def invoke(
        self,
        actor: Actor,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        channel: SimChannel | None = None,
    ) -> InteractionHandle:
        """Run a slash command as `actor` (a member, or a user for a DM): `"/slate compare"`.

        Option values may be Python values or text; users/roles/channels may be Sim objects,
        mentions or names; attachments are SimFile or (filename, bytes).
        """
        user, member, guild, channel, data, name, _ = self._command_data(actor, command, options, channel)
        handle = self._dispatch(APPLICATION_COMMAND, user, member, guild, channel, data, command_name=name)
        await asyncio.sleep(0)
        return handle

    async def invoke_text(
        self,
        actor: Actor,
        text: str,
        *,
        channel: SimChannel | None = None,
        files: Mapping[str, SimFile | tuple[str, bytes]] | None = None,
    ) -> InteractionHandle:
        """Run a command typed as a user would: `/slate compare first: CLGA second: "Labour First"`.

        Parsed against the registered definitions; ATTACHMENT options come from `files`.
        """
        _, _, guild = self._who(actor)
        gid = guild.id if guild else None
        name, path, values = parse_invocation(text, lambda n: self._core.commands.find(n, gid))
        options: dict[str, Any] = dict(values)
        options.update(files or {})
        return await self.invoke(actor, "/" + " ".join([name, *path]), options, channel=channel)

    async def autocomplete(
        self,
        actor: Actor,
        command: str,
        focused: str,
        value: str,
        options: Mapping[str, Any] | None = None,
        *,
        channel: SimChannel | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the test API takes explicit timeouts
    ) -> list[dict[str, Any]]:
        """Type `value` into option `focused` and return the bot's choices (`[{"name", "value"}]`)."""
        values = {**dict(options or {}), focused: value}
        user, member, guild, channel, data, name, ftype = self._command_data(
            actor, command, values, channel, focused=focused
        )
        handle = self._dispatch(AUTOCOMPLETE, user, member, guild, channel, data, command_name=name, focused_type=ftype)
        return await handle.choices(timeout)

    def _latest(self, message: SimMessage | int) -> SimMessage:
        mid = message if isinstance(message, int) else message.id
        msg = self._core.world.messages.get(mid)
        if msg is None or msg.deleted:
            raise SimError(f"message {mid} does not exist (deleted?)")
        return msg

    def _component_target(
        self, actor: Actor, message: SimMessage | int, custom_id: str, kinds: tuple[int, ...]
    ) -> tuple[SimUser, SimMember | None, SimGuild | None, SimChannel, SimMessage, dict[str, Any]]:
        msg = self._latest(message)
        user, member, guild = self._who(actor)
        channel = self._core.world.channels[msg.channel_id]
        if guild is not None and msg.guild_id != guild.id:
            raise SimError("that message is in another guild")
        if msg.ephemeral and msg.interaction_user is not None and msg.interaction_user.id != user.id:
            raise SimError("only the invoking user can see (and click) an ephemeral message")
        comp = msg.find_component(custom_id)
        if comp is None:
            raise SimError(f"no component {custom_id!r} on message {msg.id}; have {msg.custom_ids}")
        if comp.get("type") not in kinds:
            raise SimError(f"component {custom_id!r} has type {comp.get('type')}, expected {kinds}")
        if comp.get("disabled"):
            raise SimError(f"component {custom_id!r} is disabled")
        return user, member, guild, channel, msg, comp

    async def click(self, actor: Actor, message: SimMessage | int, custom_id: str) -> InteractionHandle:
        """Press a button."""
        user, member, guild, channel, msg, comp = self._component_target(actor, message, custom_id, (2,))
        if comp.get("style") in (5, 6):
            raise SimError("link and premium buttons do not send interactions")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2}
        if "id" in comp:
            data["id"] = comp["id"]
        handle = self._dispatch(MESSAGE_COMPONENT, user, member, guild, channel, data, source=msg)
        await asyncio.sleep(0)
        return handle

    async def select(
        self, actor: Actor, message: SimMessage | int, custom_id: str, values: list[Any]
    ) -> InteractionHandle:
        """Choose values in a select menu (option values, or users/roles/channels for entity selects)."""
        user, member, guild, channel, msg, comp = self._component_target(actor, message, custom_id, (3, 5, 6, 7, 8))
        low, high = comp.get("min_values", 1), comp.get("max_values", 1)
        if not low <= len(values) <= high:
            raise SimError(f"select {custom_id!r} takes {low}-{high} values, got {len(values)}")
        kind = comp["type"]
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": kind}
        if "id" in comp:
            data["id"] = comp["id"]
        if kind == 3:
            allowed = [o["value"] for o in comp.get("options", [])]
            bad = [v for v in values if v not in allowed]
            if bad:
                raise SimError(f"{bad} are not options of {custom_id!r}: {allowed}")
            data["values"] = list(values)
        else:
            builder = OptionBuilder(self._core.world, guild, member or user, channel)
            option_type = {5: 6, 6: 8, 7: 9, 8: 7}[kind]
            data["values"] = [builder.coerce({"name": custom_id, "type": option_type}, v) for v in values]
            data["resolved"] = builder.resolved.to_dict()
        handle = self._dispatch(MESSAGE_COMPONENT, user, member, guild, channel, data, source=msg)
        await asyncio.sleep(0)
        return handle

    async def submit_modal(
        self,
        actor: Actor,
        modal: InteractionHandle | SimModal,
        values: Mapping[str, Any],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - the test API takes explicit timeouts
    ) -> InteractionHandle:
        """Fill in and submit a modal the bot opened; `values` maps custom_id to text (or list for selects)."""
        if isinstance(modal, InteractionHandle):
            modal = await modal.modal(timeout)
        source = modal.interaction
        user, member, guild = self._who(actor)
        if user.id != source.user.id:
            raise SimError("only the user the modal was shown to can submit it")
        unknown = set(values) - {c.get("custom_id") for c in _modal_inputs(modal.components)}
        if unknown:
            raise SimError(f"modal {modal.custom_id!r} has no inputs {sorted(unknown)}")
        components: list[dict[str, Any]] = []
        for comp in modal.components:
            if comp.get("type") == 1:
                inner = [_submitted(c, values) for c in comp.get("components") or []]
                components.append({"type": 1, "components": [c for c in inner if c]})
            elif comp.get("type") == 18 and isinstance(comp.get("component"), dict):
                submitted = _submitted(comp["component"], values)
                if submitted:
                    components.append(
                        {"type": 18, **({"id": comp["id"]} if "id" in comp else {}), "component": submitted}
                    )
        data = {"custom_id": modal.custom_id, "components": components}
        handle = self._dispatch(
            MODAL_SUBMIT,
            user,
            member,
            guild,
            source.channel,
            data,
            command_name=source.command_name,
            source=source.source_message and self._latest(source.source_message),
        )
        await asyncio.sleep(0)
        return handle

    async def post_message(self, member: Actor, channel: SimChannel, content: str) -> SimMessage:
        """A person posts in a channel (the bot gets MESSAGE_CREATE if its intents allow)."""
        user, _, guild = self._who(member)
        if guild is not None and channel.guild_id != guild.id:
            raise SimError(f"#{channel.name} is not in {guild.name}")
        msg = SimMessage(
            id=self._core.world.new_id(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=user,
            content=content,
            created_at=self.clock.now(),
        )
        self._core.world.add_message(msg)
        self._core.announce_create(msg)
        await asyncio.sleep(0)
        return msg

    def message_payload(self, message: SimMessage) -> dict[str, Any]:
        """The JSON Discord would return for a message (handy in assertions/debugging)."""
        return dict(payloads.message(message, self._core.world))


def _modal_inputs(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for comp in components:
        out.extend(comp.get("components") or [])
        if isinstance(comp.get("component"), dict):
            out.append(comp["component"])
    return out


def _submitted(comp: dict[str, Any], values: Mapping[str, Any]) -> dict[str, Any] | None:
    """What Discord sends back for one modal input."""
    custom_id = comp.get("custom_id")
    if custom_id is None:
        return None
    kind = comp.get("type")
    base: dict[str, Any] = {"type": kind, "custom_id": custom_id}
    if "id" in comp:
        base["id"] = comp["id"]
    if kind == 4:
        text = str(values.get(custom_id, comp.get("value") or ""))
        if comp.get("required", True) and not text:
            raise SimError(f"modal input {custom_id!r} is required")
        low, high = comp.get("min_length", 0), comp.get("max_length", 4000)
        if text and not low <= len(text) <= high:
            raise SimError(f"modal input {custom_id!r} must be {low}-{high} characters")
        return {**base, "value": text}
    raw = values.get(custom_id, [])
    if isinstance(raw, (list, tuple)):
        return {**base, "values": [str(v) for v in raw]}
    return {**base, "value": raw}
