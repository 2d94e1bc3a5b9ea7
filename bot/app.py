"""The `commands.Bot` subclass and its lifecycle: resources in, cogs loaded in `setup_hook`."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
import time
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.cache import MISS_WAIT
from bot.clock import Clock
from bot.config import Settings
from bot.discordpy_private import InFlightCountingTree, drop_members_intent, point_discordpy_at
from bot.domain.access import Level, command_level
from bot.domain.cooldown import UseKind, command_kind
from bot.domain.limits import CONTENT_MAX
from bot.errors import UserError
from bot.gc_pacing import FullCollectionPacer, freeze_startup_heap
from bot.render.common import follow_up
from bot.services.health import HeartbeatWriter
from bot.store import meta
from bot.store.database import WRITE_DEADLINE, WRITE_WAIT, Database, storage_refuses_writes
from bot.store.identify import IdentifyGate

log = logging.getLogger(__name__)

#: Every extension the bot loads, in order.
EXTENSIONS: tuple[str, ...] = (
    "cogs.meta",
    "cogs.elections",
    "cogs.candidates",
    "cogs.slates",
    "cogs.nominations",
    "cogs.results",
    "cogs.admin",
    "cogs.sources",  # after cogs.admin: attaches /admin source to its group
    "cogs.announce",
    "cogs.remind",
    "cogs.hustings",
    "cogs.questions",  # after cogs.hustings: attaches to /hustings, uses its autocomplete
)


#: Interactions in hand beyond which read commands acknowledge before doing their work.
BUSY = 32
#: Discord's JSON error code when an interaction's token is no longer valid (the 3-second window passed).
UNKNOWN_INTERACTION = 10062
#: How long a deferred interaction's write may wait for another program's lock: Discord keeps an
#: interaction token valid for 15 minutes (discord-api-docs, interactions/receiving-and-responding,
#: "Followup Messages"), less a margin.
WRITE_PATIENCE = 14 * 60.0
#: What a member sees when storage refuses writes (disk full, read-only, file deleted): nothing was saved.
CANNOT_SAVE = (
    "I can't save anything right now, so nothing was changed. Please try again later; "
    "if it keeps happening, tell a moderator (the bot's host needs attention)."
)


def point_discord_at(api_base: str, gateway: str) -> None:
    """Send discord.py's REST and gateway traffic to the configured endpoints (proxy or simulator)."""
    point_discordpy_at(api_base, gateway)


#: Logged once when Discord refuses the Server Members intent.
NO_MEMBERS_INTENT = (
    "Discord refused the Server Members intent, so Hustings runs without it: it no longer hears when "
    "members leave, and checks instead that a member is still in the server before each reminder DM "
    "(one extra request per DM). To turn it on: Developer Portal → your application → Bot → Privileged "
    "Gateway Intents → Server Members Intent, then restart."
)


def intents() -> discord.Intents:
    """Guilds for the command context, members so leavers are unsubscribed from reminders."""
    result = discord.Intents.none()
    result.guilds = True
    result.members = True
    return result


class HustingsTree(InFlightCountingTree):
    """Command tree with the one error path for app commands; `in_flight` counts interactions in hand."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Before any command runs: acknowledge first when busy, and defer if a write has to wait.

        Before any autocomplete runs: the member must have the level its command needs, else they get
        an empty list and no handler reads anything (Discord applies no permission to autocomplete).
        """
        if interaction.type is discord.InteractionType.autocomplete:
            if await self._may_autocomplete(interaction):
                return True
            if not interaction.response.is_done():
                await interaction.response.autocomplete([])
            return False
        if interaction.type is discord.InteractionType.application_command:
            name = interaction.command.qualified_name if interaction.command else ""
            if await cooldown_refusal(interaction, command_kind(name)):
                return False
            WRITE_WAIT.set(DeferWhenWaiting(interaction))  # this task's context: the command that follows
            WRITE_DEADLINE.set(time.monotonic() + WRITE_PATIENCE)
            binding = getattr(interaction.command, "binding", None)
            if self.in_flight > BUSY and getattr(binding, "defer_when_busy", False):
                # A burst: if this reply has to wait for work (a view drawn afresh), answering everyone in
                # turn could take longer than Discord's 3 seconds, so the cache acknowledges it first
                # ("thinking…"). A reply already at hand goes out at once: a deferral would only add a
                # second request per member to the burst.
                MISS_WAIT.set(DeferWhenWaiting(interaction, "busy, and the reply has to be drawn"))
        return True

    def finished(self, interaction: discord.Interaction) -> None:
        """The command is over: its deferral callbacks let go of it, then discord.py's cycles are broken."""
        for var in (WRITE_WAIT, MISS_WAIT):
            notice = var.get()
            if isinstance(notice, DeferWhenWaiting):
                notice.forget()
        super().finished(interaction)

    async def _may_autocomplete(self, interaction: discord.Interaction) -> bool:
        command = interaction.command
        needed = command_level(command.qualified_name) if command is not None else Level.MODERATOR
        if needed is Level.MEMBER:
            return True
        from cogs._access import actor_from  # the one Interaction → Actor mapping; cogs import this module

        access = getattr(getattr(self.client, "services", None), "access", None)
        if access is None or interaction.guild_id is None:
            return False
        return await access.level(actor_from(interaction)) >= needed

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Users see a clear sentence; unexpected errors are logged with a reference they can quote."""
        original = getattr(error, "original", error)
        if isinstance(original, discord.NotFound) and original.code == UNKNOWN_INTERACTION:
            # Too late: Discord has given up on this interaction, so no reply (error or not) can reach the
            # member. Say so in one line — a traceback and a second doomed request per late interaction
            # would only make an overloaded bot later still.
            log.warning(
                "/%s was answered after Discord's 3-second deadline",
                interaction.command.qualified_name if interaction.command else "?",
            )
            return
        if isinstance(original, UserError):
            text = str(original)
        elif storage_refuses_writes(original):  # logged once per streak by the database, not per member
            text = CANNOT_SAVE
        elif isinstance(error, app_commands.CheckFailure):
            text = str(error) or "You don't have permission to use this command."
        elif isinstance(error, app_commands.TransformerError):
            text = f"I couldn't understand {error.value!r} for that option."
        else:
            ref = secrets.token_hex(4)
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error("command /%s failed (ref %s)", command, ref, exc_info=original)
            text = f"Sorry, something went wrong on my side. If it keeps happening, tell a moderator: ref `{ref}`."
        await send_ephemeral(interaction, text)


async def cooldown_refusal(interaction: discord.Interaction, kind: UseKind) -> bool:
    """True (and the member is told when to try again) when the member is over their cooldown for `kind`.

    Commands and buttons both pass through here; a refusal writes nothing (no audit row to flood).
    Organisers and moderators are only counted, never held back.
    """
    services = getattr(interaction.client, "services", None)
    cooldowns = getattr(services, "cooldowns", None)
    if services is None or cooldowns is None:
        return False
    retry_at = cooldowns.try_use(interaction.guild_id or 0, interaction.user.id, kind, services.clock.now())
    if retry_at is None:
        return False
    if interaction.guild_id is not None:  # organisers and moderators at work (a set-up session) are trusted
        from cogs._access import actor_from  # the one Interaction → Actor mapping; cogs import this module

        if await services.access.level(actor_from(interaction)) >= Level.ORGANISER:
            return False
    await send_ephemeral(
        interaction, f"You're going a bit fast: try again <t:{int(retry_at.timestamp()) + 1}:R>. Nothing was done."
    )
    return True


class DeferWhenWaiting:
    """A WRITE_WAIT (or MISS_WAIT) callback: acknowledge the interaction ("thinking…", ephemeral) unless it
    already was.

    Only the task that ran the check may defer: a background task the command started inherits the
    context but must not race the command's own reply. The interaction is held only until `forget()`
    (the command is done): the context holding this callback is copied into every timer and socket
    reader the command's task starts, and some outlive it — a cancelled timeout waits in the event loop's
    heap until its time, an HTTP connection opened for the reply is kept for reuse — which kept the
    interaction, its member and its namespace alive for minutes (issue #19).
    """

    __slots__ = ("_interaction", "_owner", "_why")

    def __init__(self, interaction: discord.Interaction, why: str = "a write has to wait for the database") -> None:
        self._interaction: discord.Interaction | None = interaction
        # Weakly: a strong reference back to the task would make every command's task cyclic garbage.
        task = asyncio.current_task()
        self._owner = weakref.ref(task) if task is not None else None
        self._why = why

    async def __call__(self) -> None:
        interaction = self._interaction
        if interaction is None:  # the command is over
            return
        current = asyncio.current_task()
        mine = self._owner() is current if self._owner is not None else current is None
        if mine and not interaction.response.is_done():
            command = interaction.command.qualified_name if interaction.command else "?"
            log.info("%s: deferring /%s", self._why, command)
            await interaction.response.defer(ephemeral=True, thinking=True)

    def forget(self) -> None:
        """The command is done: let go of its interaction."""
        self._interaction = None


async def send_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Reply, or follow up when already acknowledged, with an ephemeral sentence and no pings."""
    if len(text) > CONTENT_MAX:  # errors echo what was typed, which may be up to 6,000 characters
        text = text[: CONTENT_MAX - 1] + "…"
    try:
        if interaction.response.is_done():
            await follow_up(interaction, content=text)  # fills a "thinking…" message if one is waiting
        else:
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
    except discord.HTTPException:
        log.warning("could not deliver an error message to the user", exc_info=True)


class HustingsBot(commands.Bot):
    """Hustings: resources are passed in; cogs reach them through `bot.services`.

    With a shard count in the settings (`HUSTINGS_SHARD_COUNT`, `HUSTINGS_SHARD_IDS`), constructing one
    gives a `ShardedHustingsBot`: the same bot on discord.py's AutoShardedBot, running those shards.
    """

    def __new__(cls, *args: object, settings: Settings | None = None, **kwargs: object) -> HustingsBot:
        if cls is HustingsBot and settings is not None and settings.sharded:
            cls = ShardedHustingsBot
        return super().__new__(cls)

    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        clock: Clock,
        extensions: Sequence[str] = EXTENSIONS,
        sync_commands: bool = True,
        heartbeat: Path | None = None,  # the database to write a health heartbeat beside (`hustings run`)
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            tree_cls=HustingsTree,
            help_command=None,
            # Installed to servers only: every command reads and changes one server's data.
            allowed_installs=app_commands.AppInstallationType(guild=True, user=False),
            **self._shard_options(settings),
        )
        from bot.composition import build_services  # the composition root builds on this module's bot

        self.settings = settings
        self.db = db
        self.clock = clock
        self.services = build_services(settings=settings, db=db, clock=clock, client=self)
        self._extensions = tuple(extensions)
        self._sync_commands = sync_commands
        self.gc_pacer: FullCollectionPacer | None = None  # started in setup_hook
        self.heartbeat: HeartbeatWriter | None = None
        if heartbeat is not None:  # `hustings run`: what `hustings health` reads
            self.heartbeat = HeartbeatWriter(
                heartbeat,
                db,
                connected=lambda: self.is_ready() and not self.is_closed() and not self.gateway_down(),
                # A process standing by runs no delivery loop: nothing of its own can be late.
                last_tick=lambda: self.services.delivery.last_tick if self.services.leading else time.time(),
            )

    def _shard_options(self, settings: Settings) -> dict[str, Any]:
        """What discord.py's client is told about shards: nothing for one unsharded session."""
        return {}

    async def setup_hook(self) -> None:
        """Load the cogs, start the background loops and sync the command tree (only if it changed since the
        last sync) — or, with several processes on PostgreSQL, leave those to whichever process leads."""
        for name in self._extensions:
            await self.load_extension(name)
        if self._sync_commands:
            self.services.on_lead.append(self.sync_tree_if_changed)
        await self.services.start()
        if self.heartbeat is not None:
            self.heartbeat.start()
        freeze_startup_heap()
        tree = self.tree
        assert isinstance(tree, InFlightCountingTree)  # tree_cls above
        # A full pass walks all the interactions in hand hold, from about 100 objects for a cached reply
        # to thousands for a view drawn afresh (~0.6 µs each): it waits until the bot is no longer busy.
        self.gc_pacer = FullCollectionPacer(busy=lambda: tree.in_flight > BUSY).start()

    async def connect(self, *, reconnect: bool = True) -> None:
        """Connect to the gateway; without the Server Members intent, carry on without it.

        Discord closes the gateway with 4014 when a privileged intent is asked for but not switched on
        in the developer portal (docs: developers/events/gateway.mdx, "Privileged Intents").
        """
        try:
            await super().connect(reconnect=reconnect)
        except discord.PrivilegedIntentsRequired:
            if not self.intents.members:
                raise
            log.warning(NO_MEMBERS_INTENT)
            drop_members_intent(self)
            await super().connect(reconnect=reconnect)

    async def close(self) -> None:
        """Stop the background loops before the connection closes."""
        if self.heartbeat is not None:
            await self.heartbeat.stop()
        if self.gc_pacer is not None:
            await self.gc_pacer.stop()
        await self.services.stop()
        await super().close()

    async def cooldown_refusal(self, interaction: discord.Interaction, kind: UseKind) -> bool:
        """Whether the member is over their cooldown (and was told so); buttons reach it through the client."""
        return await cooldown_refusal(interaction, kind)

    def tree_fingerprint(self, guild: discord.abc.Snowflake | None = None) -> str:
        """A stable hash of the command definitions that would be synced to `guild` (None: global)."""
        payload = [cmd.to_dict(self.tree) for cmd in self.tree.get_commands(guild=guild)]
        text = json.dumps(sorted(payload, key=lambda c: (c.get("type", 1), c["name"])), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    async def sync_tree_if_changed(self) -> bool:
        """Sync globally, or to the dev guild when configured; skip when the stored hash matches."""
        guild = discord.Object(self.settings.dev_guild) if self.settings.dev_guild else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        # Keyed by application too: the same database behind another application (a new token) must sync.
        scope = f"command_tree:{self.application_id}:{guild.id if guild else 'global'}"
        fingerprint = self.tree_fingerprint(guild)
        if await meta.get_state(self.db.reader, scope) == fingerprint:
            log.info("command tree unchanged; not syncing")
            return False
        await self.tree.sync(guild=guild)
        async with self.db.transaction() as tx:
            await meta.set_state(tx, scope, fingerprint)
        log.info("synced %d commands (%s)", len(self.tree.get_commands(guild=guild)), scope)
        return True

    def gateway_down(self) -> bool:
        """True while the gateway connection is down (between a drop and the resume)."""
        ws = self.ws
        return ws is None or not ws.open

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Removed from a server (GUILD_DELETE without `unavailable`): pause its posts and DMs, keep its data."""
        await self.services.delivery.guild_removed(guild.id)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Invited (back) to a server: resume what was paused when it removed the bot."""
        await self.services.delivery.guild_back(guild.id)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        """A server is there at start-up (perhaps re-invited while the bot was down): resume if paused."""
        await self.services.delivery.guild_back(guild.id)

    async def on_ready(self) -> None:
        """Connected: on_ready fires again after reconnects, so what must run once checks that itself."""
        log.info("connected as %s to %d guild(s)", self.user, len(self.guilds))
        self.services.connected([g.id for g in self.guilds])  # once per process: scheduled events follow the data
        # Removed from a server while down: no GUILD_DELETE comes, it is just absent (unavailable ones are listed).
        # Only the servers of this process's shards can be judged here: the others' are on other processes.
        await self.services.delivery.guilds_present({g.id for g in self.guilds}, owned=self.owns_guild)

    def owns_guild(self, guild_id: int) -> bool:
        """Whether this process's shards receive the guild's events (docs: events/gateway.mdx, "Sharding")."""
        count = self.shard_count
        if not count or count <= 1:
            return True
        shards = getattr(self, "shard_ids", None) or ([self.shard_id] if self.shard_id is not None else None)
        return shards is None or (guild_id >> 22) % count in shards


class ShardedHustingsBot(HustingsBot, commands.AutoShardedBot):
    """HustingsBot on discord.py's AutoShardedBot: this process runs the shards `HUSTINGS_SHARD_IDS` of
    `HUSTINGS_SHARD_COUNT` (all of them when no ids are set); other processes run the rest.

    On PostgreSQL the processes take turns to IDENTIFY, one per `max_concurrency` bucket every 5 seconds
    (`bot.store.identify`); on SQLite (one process) discord.py's own wait between its shards is kept.
    """

    def __init__(self, *, settings: Settings, db: Database, **kwargs: Any) -> None:
        super().__init__(settings=settings, db=db, **kwargs)
        self.identify_gate: IdentifyGate | None = None
        if db.engine == "postgresql":
            self.identify_gate = IdentifyGate(str(db.path), self._max_concurrency)

    def _shard_options(self, settings: Settings) -> dict[str, Any]:
        ids = list(settings.shard_ids) if settings.shard_ids is not None else None
        return {"shard_count": settings.shard_count, "shard_ids": ids}

    async def _max_concurrency(self) -> int:
        return (await self.fetch_session_start_limits()).max_concurrency

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait for this shard's identify bucket across every process (PostgreSQL), else discord.py's wait."""
        if self.identify_gate is None:
            await super().before_identify_hook(shard_id, initial=initial)
            return
        await self.identify_gate.turn(shard_id or 0)

    def gateway_down(self) -> bool:
        """True while any of this process's shards is disconnected."""
        shards = self.shards
        return not shards or any(shard.is_closed() for shard in shards.values())

    async def close(self) -> None:
        """Close the bot, then let go of any identify turn still held."""
        try:
            await super().close()
        finally:
            if self.identify_gate is not None:
                await self.identify_gate.close()
