"""`hustings sandbox`: simulator + demo data + the real bot, driven from a prompt or `--run` lines.

Commands are typed as in Discord (`/candidate name: Yasmine Dar`); lines starting with `:` control
the sandbox (`:as moderator`, `:advance 2d`, `:click 1`, `:help`).
"""

from __future__ import annotations

import asyncio
import shlex
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.timeparse import TimeParseError, parse_duration
from bot.sandbox.events import Seen, event_changes
from bot.sandbox.terminal import NAMES, render_message
from bot.services.imports import apply_import, load_demo_pack, plan_import
from bot.sim import DiscordSimulator, SimGuild, SimMember, SimMessage, run_bot_against
from bot.sim import permissions as perms
from bot.sim.errors import SimError
from bot.sim.rest_events import CREATE_EVENTS
from bot.store import elections, meta
from bot.store.database import Database
from bot.store.migrations import migrate

LIVE_ELECTION = "ncwu-nec"  # the demo pack's fictional live election
SANDBOX_EPOCH_KEY = "sandbox:epoch"
SANDBOX_NOW_KEY = "sandbox:now"
HELP = """\
Type slash commands as in Discord, e.g.  /candidate name: Yasmine Dar   /results   /nominations progress
  :as member|organiser|moderator   act as another user (now: {who})
  :advance 2d | 3h | 90m          move time forward (scheduled posts and reminders fire)
  :click N                        press button N of the last reply
  :channel NAME                   run commands in another channel (now: #{channel})
  :messages [NAME]                show a channel's recent posts
  :dms                            show your DMs
  :help   :quit"""


@dataclass
class Sandbox:
    """The running sandbox: simulator, guild, users, and what the terminal has shown."""

    sim: DiscordSimulator
    guild: SimGuild
    users: dict[str, SimMember]
    console: Console
    output: Path
    who: str = "member"
    channel: str = "general"
    last_buttons: list[tuple[SimMessage, dict[str, Any]]] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)
    delivery: Any = None  # the bot's delivery engine (moves the clock step by step)
    events_seen: Seen = field(default_factory=dict)

    @property
    def actor(self) -> SimMember:
        """The user commands are run as."""
        return self.users[self.who]

    def channel_named(self, name: str):
        """A guild text channel by name."""
        for channel in self.guild.channels.values():
            if channel.name == name.lstrip("#"):
                return channel
        names = ", ".join("#" + c.name for c in self.guild.channels.values())
        raise SimError(f"no channel #{name}; channels: {names}")

    def save_files(self, message: SimMessage) -> list[Path]:
        """Write a message's attachments to the output folder."""
        paths = []
        for attachment in message.attachments:
            self.output.mkdir(parents=True, exist_ok=True)
            path = self.output / f"{message.id}-{attachment.filename}"
            path.write_bytes(attachment.data)
            paths.append(path)
        return paths

    def show(self, message: SimMessage, heading: str) -> None:
        """Render one message and remember its buttons for `:click`."""
        self.seen.add(message.id)
        comps = render_message(
            self.console,
            self.sim.message_payload(message),
            now=self.sim.clock.now(),
            heading=heading,
            files=self.save_files(message),
        )
        self.last_buttons = [(message, c) for c in comps]

    def show_new_posts(self) -> None:
        """Print channel posts and DMs that arrived since last shown (scheduled posts, reminders), and events."""
        names = {c.id: c.name for c in self.guild.channels.values()}
        found = [e for e in self.sim.world.scheduled_events.values() if e.guild_id == self.guild.id]
        for line in event_changes(self.events_seen, found, names):
            self.console.print(Text(line, style="magenta"))
        for message in list(self.sim.world.messages.values()):
            if message.id in self.seen or message.deleted or message.interaction_id is not None:
                continue
            if message.ephemeral or message.author.id != self.sim.bot_user.id:
                continue
            channel = self.sim.world.channels.get(message.channel_id)
            if channel is None:
                continue
            if channel.is_dm:
                who = next((n for n, m in self.users.items() if channel.id == self.sim.dm_channel(m).id), "someone")
                self.show(message, f"DM to {who}")
            elif message.guild_id == self.guild.id:
                self.show(message, f"Hustings in #{channel.name}")


async def _prepare_database(db: Database, guild_id: int, now) -> None:
    """Load the demo pack the first time this guild is seen."""
    if await elections.list_for_guild(db.reader, guild_id):
        return
    plan = await plan_import(db, guild_id, load_demo_pack(now))
    await apply_import(db, guild_id, plan, actor_id=None, actor_name="sandbox", now=now, source="demo pack")


def _build_guild(sim: DiscordSimulator) -> tuple[SimGuild, dict[str, SimMember]]:
    # Created in the same order at the same simulated instant every run, so ids are stable and a
    # kept database (--database) still matches its guild, channels and users.
    # The bot may put hustings and deadlines in the server's Events list (Create Events; Connect for voice).
    bot_permissions = perms.DEFAULT_BOT | CREATE_EVENTS | perms.CONNECT
    guild = sim.add_guild("Sandbox", channels=("general", "announcements", "alerts"), bot_permissions=bot_permissions)
    organiser_role = guild.add_role("Organiser")
    moderator_role = guild.add_role("Moderator", perms.MANAGE_GUILD)
    users = {
        "member": guild.add_member("sam", global_name="Sam (member)"),
        "organiser": guild.add_member("olu", [organiser_role], global_name="Olu (organiser)"),
        "moderator": guild.add_member("mo", [moderator_role], global_name="Mo (moderator)"),
    }
    guild.add_channel("hustings-hall", "voice")  # made last: earlier ids stay as before
    NAMES.update({m.id: m.display_name for m in users.values()})
    NAMES.update({c.id: c.name for c in guild.channels.values()})
    NAMES[organiser_role.id], NAMES[moderator_role.id] = "Organiser", "Moderator"
    return guild, users


async def _configure(db: Database, guild: SimGuild) -> None:
    """Give the sandbox guild its roles and channels, as a moderator would with /admin config."""
    settings = await meta.get_settings(db.reader, guild.id)
    settings.moderator_role_ids = [guild.role("Moderator").id]
    settings.organiser_role_ids = [guild.role("Organiser").id]
    settings.announce_channel_id = guild.channel("announcements").id
    settings.alert_channel_id = guild.channel("alerts").id
    async with db.transaction() as tx:
        await meta.save_settings(tx, settings)


#: What a new sandbox world does first, through the real commands, so reminders have something to do.
FIRST_RUN = (
    ("organiser", f"/announce reminders election: {LIVE_ELECTION}"),
    ("member", f"/remind deadlines election: {LIVE_ELECTION}"),
)


async def _first_run(box: Sandbox) -> None:
    """Switch on the live demo election's reminders and subscribe the member to deadline DMs."""
    for who, line in FIRST_RUN:
        handle = await box.sim.invoke_text(box.users[who], line, channel=box.channel_named("general"))
        await handle.response(timeout=15)
    await box.sim.wait_for_idle(timeout=5)
    box.console.print(
        Text(
            "Automatic reminders are on for the live demo election and Sam gets deadline DMs: "
            "try :advance 5d to see them arrive.",
            style="dim",
        )
    )


async def _run_line(box: Sandbox, line: str) -> bool:
    """Run one typed line; returns False to quit."""
    line = line.strip()
    if not line or line.startswith("#"):
        return True
    if line.startswith(":"):
        return await _control(box, line[1:])
    if not line.startswith("/"):
        box.console.print("Commands start with / (try /election info) or : (try :help).")
        return True
    handle = await box.sim.invoke_text(box.actor, line, channel=box.channel_named(box.channel))
    await _show_handle(box, handle, f"{box.who}: {line}")
    return True


async def _safe_line(box: Sandbox, line: str) -> bool:
    """Run a line, printing what went wrong instead of stopping the sandbox."""
    try:
        return await _run_line(box, line)
    except SimError as exc:
        box.console.print(Text(str(exc), style="red"))
        return True


async def _interactive(box: Sandbox) -> None:
    """Read lines from the terminal until :quit or end of input."""
    box.console.print(Text("Hustings sandbox — a local Discord with the demo elections.", style="bold"))
    box.console.print(HELP.format(who=box.who, channel=box.channel))
    while True:
        try:
            line = await asyncio.to_thread(box.console.input, f"[{box.who} #{box.channel}] ")
        except (EOFError, KeyboardInterrupt):
            return
        if not await _safe_line(box, line):
            return


async def _show_handle(box: Sandbox, handle, heading: str) -> None:
    try:
        await handle.acknowledged(timeout=15)
        if handle.callback_type == 9:
            await _fill_modal(box, handle)
            return
        if handle.callback_type in (4, 5):
            await handle.response(timeout=30)
    except (SimError, TimeoutError) as exc:
        box.console.print(Text(f"(no reply: {exc})", style="red"))
        return
    await box.sim.wait_for_idle(timeout=5)
    for message in handle.messages or ([handle.original] if handle.original else []):
        box.show(message, heading)
    box.show_new_posts()


async def _fill_modal(box: Sandbox, handle) -> None:
    modal = await handle.modal()
    box.console.print(Text(f"── form: {modal.title}", style="bold cyan"))
    values = {}
    for field_ in modal.text_inputs():
        label = field_.get("label", field_["custom_id"])
        default = field_.get("value") or ""
        answer = await asyncio.to_thread(box.console.input, f"{label} [{default[:40]}]: ")
        values[field_["custom_id"]] = answer or default
    submitted = await box.sim.submit_modal(box.actor, modal, values)
    await _show_handle(box, submitted, f"{box.who}: submitted {modal.title}")


async def _control(box: Sandbox, text: str) -> bool:
    words = shlex.split(text)
    if not words:
        return True
    verb, args = words[0].lower(), words[1:]
    if verb in ("quit", "exit", "q"):
        return False
    if verb == "help":
        box.console.print(HELP.format(who=box.who, channel=box.channel))
    elif verb == "as" and args and args[0] in box.users:
        box.who = args[0]
        box.console.print(f"now acting as {box.actor.display_name}")
    elif verb == "advance" and args:
        try:
            delta = parse_duration(" ".join(args))
        except TimeParseError as exc:
            box.console.print(str(exc))
            return True
        # step through every instant the scheduler would wake at, so nothing due on the way is "missed"
        await box.delivery.run_for(delta)
        await box.sim.wait_for_idle(timeout=10, quiet=0.3)
        box.show_new_posts()
        box.console.print(f"time is now {box.sim.clock.now():%a %d %b %Y %H:%M} UTC")
    elif verb == "click" and args and args[0].isdigit():
        index = int(args[0]) - 1
        if not 0 <= index < len(box.last_buttons):
            box.console.print("no such button on the last reply")
            return True
        message, comp = box.last_buttons[index]
        handle = await box.sim.click(box.actor, message, comp["custom_id"])
        await _show_handle(box, handle, f"{box.who} pressed {comp.get('label') or comp['custom_id']}")
    elif verb == "channel" and args:
        box.channel_named(args[0])
        box.channel = args[0].lstrip("#")
    elif verb == "messages":
        channel = box.channel_named(args[0] if args else box.channel)
        for message in box.sim.channel_messages(channel)[-5:]:
            box.show(message, f"#{channel.name}")
    elif verb == "dms":
        for message in box.sim.dms(box.actor)[-5:]:
            box.show(message, f"DM to {box.who}")
    else:
        box.console.print("unknown sandbox command; :help lists them")
    return True


async def run_sandbox(*, database: str | None, commands: Sequence[str], output: str = "sandbox-output") -> int:
    """Start everything, then run `commands` (non-interactive) or read lines from the terminal."""
    console = Console(highlight=False)
    with tempfile.TemporaryDirectory(prefix="hustings-sandbox-") as tmp:
        db_path = Path(database) if database else Path(tmp) / "sandbox.db"
        db = await Database.open(db_path)
        try:
            await migrate(db)
            epoch, start, fresh = await _sandbox_times(db)
            clock = ManualClock(epoch)
            async with DiscordSimulator(clock=clock) as sim:
                guild, users = _build_guild(sim)
                clock.set(start)
                await _configure(db, guild)
                await _prepare_database(db, guild.id, clock.now())
                settings = Settings(
                    _env_file=None,
                    HUSTINGS_DATABASE=str(db_path),
                    HUSTINGS_DISCORD_API=sim.api_base,
                    HUSTINGS_DISCORD_GATEWAY=sim.gateway_url,
                    HUSTINGS_DEV_GUILD=str(guild.id),
                )
                bot = HustingsBot(settings=settings, db=db, clock=clock)
                # the simulator starts empty each run, so always sync (Discord itself would remember)
                async with run_bot_against(sim, bot, sync_guild_ids=[guild.id]):
                    box = Sandbox(sim, guild, users, console, Path(output), delivery=bot.services.delivery)
                    if fresh:
                        await _first_run(box)
                    box.seen.update(sim.world.messages)
                    if commands:
                        for line in commands:
                            console.print(Text(f"> {line}", style="bold"))
                            if not await _safe_line(box, line):
                                break
                    else:
                        await _interactive(box)
                    async with db.transaction() as tx:
                        await meta.set_state(tx, SANDBOX_NOW_KEY, clock.now().isoformat())
        finally:
            await db.close()
    return 0


async def _sandbox_times(db: Database) -> tuple[datetime, datetime, bool]:
    """The instant the sandbox world was first created, and where its clock stood when last left."""
    now = datetime.now(UTC).replace(microsecond=0)
    epoch_text = await meta.get_state(db.reader, SANDBOX_EPOCH_KEY)
    if epoch_text is None:
        async with db.transaction() as tx:
            await meta.set_state(tx, SANDBOX_EPOCH_KEY, now.isoformat())
        return now, now, True
    last_text = await meta.get_state(db.reader, SANDBOX_NOW_KEY)
    last = datetime.fromisoformat(last_text) if last_text else now
    return datetime.fromisoformat(epoch_text), max(now, last), False
