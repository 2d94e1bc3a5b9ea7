"""`hustings sandbox`: simulator + demo data + the real bot, driven from a prompt or `--run` lines.

Commands are typed as in Discord (`/candidate name: Yasmine Dar`); lines starting with `:` control
the sandbox (`:as moderator`, `:advance 2d`, `:click 1`, `:help`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shlex
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.timeparse import TimeParseError, parse_duration
from bot.sandbox.events import Seen, event_changes, thread_changes
from bot.sandbox.terminal import Display, render_message
from bot.services.imports import apply_import, load_demo_pack, plan_import
from bot.sim import DiscordSimulator, SimGuild, SimMember, SimMessage, run_bot_against
from bot.sim import permissions as perms
from bot.sim.errors import SimError
from bot.sim.rest_events import CREATE_EVENTS
from bot.sim.rest_threads import THREAD_TYPES
from bot.sim.textparse import parse_options
from bot.store import elections, meta
from bot.store.database import Database
from bot.store.migrations import migrate

log = logging.getLogger(__name__)

LIVE_ELECTION = "ncwu-nec"  # the demo pack's fictional live election
SANDBOX_EPOCH_KEY = "sandbox:epoch"
SANDBOX_NOW_KEY = "sandbox:now"
SANDBOX_POSTS_KEY = "sandbox:posts"
KEPT_POSTS = 50  # the bot's posts and DMs kept between runs (--database), newest last
HELP = """\
Type slash commands as in Discord, e.g.  /candidate name: Yasmine Dar   /results   /nominations progress
  :as {people}   act as another user (now: {who})
  :advance 2d | 3h | 90m          move time forward (scheduled posts and reminders fire)
  :click N                        press button N of the last reply
  :channel NAME                   run commands in another channel (now: #{channel}; {channels})
  :messages [NAME]                show a channel's recent posts
  :dms                            show your DMs
  :help   :quit
Attach a file with @ and its path:  /admin data import file: @candidates.csv
This server's id is {guild_id} (for hustings import --guild {guild_id} --database FILE, with the sandbox closed).
Times are shown in {zone}, the server's time zone (/admin config timezone changes it)."""

#: Who `:as` can act as: the name shown in `:help`, and other words people type for them.
ALIASES = {"admin": "moderator", "mod": "moderator", "mod2": "moderator2", "organizer": "organiser"}


class SandboxInputError(Exception):
    """A typed line the sandbox can't run; the message says what to type instead."""


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
    db: Database | None = None
    default_zone: str = "Europe/London"
    earlier_posts: list[dict[str, Any]] = field(default_factory=list)  # from runs before this one
    posts: list[dict[str, Any]] = field(default_factory=list)  # the bot's posts and DMs this run

    def help_text(self) -> str:
        """`:help`, filled in with who and where the user is now."""
        return HELP.format(
            people="|".join(self.users),
            who=self.who,
            channel=self.channel,
            channels=", ".join("#" + c.name for c in self.guild.channels.values()),
            guild_id=self.guild.id,
            zone=self.display.zone,
        )

    async def refresh_zone(self) -> None:
        """Show times in the server's configured zone (it may just have been changed)."""
        if self.db is None:
            return
        settings = await meta.get_settings(self.db.reader, self.guild.id)
        self.display.zone = ZoneInfo(settings.timezone or self.default_zone)

    display: Display = field(default_factory=Display)  # mention names and the server's zone
    events_seen: Seen = field(default_factory=dict)
    threads_seen: set[int] = field(default_factory=set)

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
        raise SandboxInputError(f"There is no #{name.lstrip('#')} channel here; channels: {names}")

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
        # Threads the bot opened since start-up (a hustings' questions) read as names too, as in Discord.
        self.display.names.update(
            {c.id: c.name for c in self.sim.world.channels.values() if c.guild_id == self.guild.id}
        )
        comps = render_message(
            self.console,
            self.sim.message_payload(message),
            now=self.sim.clock.now(),
            heading=heading,
            files=self.save_files(message),
            display=self.display,
        )
        self.last_buttons = [(message, c) for c in comps]

    def show_new_posts(self) -> None:
        """Print channel posts and DMs that arrived since last shown (scheduled posts, reminders), and events."""
        names = {c.id: c.name for c in self.guild.channels.values()}
        found = [e for e in self.sim.world.scheduled_events.values() if e.guild_id == self.guild.id]
        for line in event_changes(self.events_seen, found, names, self.display.zone):
            self.console.print(Text(line, style="magenta"))
        mine = [c for c in self.sim.world.channels.values() if c.guild_id == self.guild.id]
        for line in thread_changes(self.threads_seen, mine, names):
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
                where = f"dm:{who}"
            elif message.guild_id == self.guild.id and channel.type in THREAD_TYPES:
                self.show(message, f"Hustings in the thread “{channel.name}”")
                where = f"#{channel.name}"
            elif message.guild_id == self.guild.id:
                self.show(message, f"Hustings in #{channel.name}")
                where = f"#{channel.name}"
            else:
                continue
            payload = self.sim.message_payload(message)
            self.posts.append(
                {"where": where, "at": (message.created_at or self.sim.clock.now()).isoformat(), "payload": payload}
            )

    def show_kept(self, where: str, heading: str, current: list[SimMessage]) -> None:
        """The last five posts to `where` (a "#channel" or "dm:who"), earlier runs' included."""
        earlier = [p for p in self.earlier_posts if p["where"] == where]
        shown: list[tuple[str, Any]] = [("kept", p) for p in earlier] + [("live", m) for m in current]
        if not shown:
            self.console.print("nothing yet")
        for kind, item in shown[-5:]:
            if kind == "live":
                self.show(item, heading)
            else:
                when = datetime.fromisoformat(item["at"])
                render_message(
                    self.console,
                    item["payload"],
                    now=self.sim.clock.now(),
                    heading=f"{heading} ({when:%d %b})",
                    display=self.display,
                )


async def _prepare_database(db: Database, guild_id: int, now) -> None:
    """Load the demo pack the first time this guild is seen."""
    if await elections.list_for_guild(db.reader, guild_id):
        return
    plan = await plan_import(db, guild_id, load_demo_pack(now))
    await apply_import(db, guild_id, plan, actor_id=None, actor_name="sandbox", now=now, source="demo pack")


def _build_guild(sim: DiscordSimulator, display: Display) -> tuple[SimGuild, dict[str, SimMember]]:
    # Created in the same order at the same simulated instant every run, so ids are stable and a
    # kept database (--database) still matches its guild, channels and users.
    # The bot may put hustings and deadlines in the server's Events list (Create Events; Connect for voice).
    bot_permissions = perms.DEFAULT_BOT | CREATE_EVENTS | perms.CONNECT | perms.CREATE_PUBLIC_THREADS
    guild = sim.add_guild("Sandbox", channels=("general", "announcements", "alerts"), bot_permissions=bot_permissions)
    organiser_role = guild.add_role("Organiser")
    moderator_role = guild.add_role("Moderator", perms.MANAGE_GUILD)
    users = {
        "member": guild.add_member("sam", global_name="Sam (member)"),
        "organiser": guild.add_member("olu", [organiser_role], global_name="Olu (organiser)"),
        "moderator": guild.add_member("mo", [moderator_role], global_name="Mo (moderator)"),
        # a second moderator, so two-person publish can be completed
        "moderator2": guild.add_member("mia", [moderator_role], global_name="Mia (second moderator)"),
    }
    guild.add_channel("hustings-hall", "voice")  # made last: earlier ids stay as before
    display.names.update({m.id: m.display_name for m in users.values()})
    display.names.update({c.id: c.name for c in guild.channels.values()})
    display.names[organiser_role.id], display.names[moderator_role.id] = "Organiser", "Moderator"
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
    files = _files_for(box, line)
    handle = await box.sim.invoke_text(box.actor, line, channel=box.channel_named(box.channel), files=files)
    await _show_handle(box, handle, f"{box.who}: {line}")
    await box.refresh_zone()
    return True


def _files_for(box: Sandbox, line: str) -> dict[str, tuple[str, bytes]]:
    """Check a typed command against the registered ones as Discord's own client would (telling the
    user what is missing in plain words) and read `@path` values of file options from disk."""
    known = {c["name"]: c for c in box.sim.commands(None) + box.sim.commands(box.guild) if c.get("type", 1) == 1}
    first, _, rest = line[1:].strip().partition(" ")
    if first not in known:
        listed = ", ".join("/" + n for n in sorted(known))
        raise SandboxInputError(f"There is no /{first} command. Commands: {listed}")
    shown = "/" + first
    options = known[first].get("options") or []
    rest = rest.strip()
    for _ in range(2):
        subs = {o["name"]: o for o in options if o.get("type") in (1, 2)}
        if not subs:
            break
        word, _, remainder = rest.partition(" ")
        if word not in subs:
            choices = ", ".join(f"{shown} {sub}" for sub in subs)
            raise SandboxInputError(f"{shown} needs one more word: {choices}")
        shown, options, rest = f"{shown} {word}", subs[word].get("options") or [], remainder.strip()
    names = [o["name"] for o in options]
    takes = "; ".join(f"{o['name']}: {o.get('description', '')}" for o in options) or "no options"
    try:
        values = parse_options(rest, names)
    except SimError:
        raise SandboxInputError(f"Type options as name: value. {shown} takes {takes}") from None
    missing = [o for o in options if o.get("required") and o["name"] not in values]
    if missing:
        needs = ", ".join(f"{o['name']}: ({o.get('description', '')})" for o in missing)
        raise SandboxInputError(f"{shown} needs {needs}. Example: {shown} {missing[0]['name']}: …")
    files: dict[str, tuple[str, bytes]] = {}
    for option in options:
        value = values.get(option["name"])
        if value is not None:
            _check_value(box, option, value)
        if option.get("type") != 11 or value is None:
            continue
        if not value.startswith("@"):
            raise SandboxInputError(f"Attach a file with @ and its path, e.g. {option['name']}: @candidates.csv")
        path = Path(value[1:]).expanduser()
        if not path.is_file():
            raise SandboxInputError(f"There is no file at {path} (paths are read from {Path.cwd()}).")
        files[option["name"]] = (path.name, path.read_bytes())
    return files


def _check_value(box: Sandbox, option: dict[str, Any], value: str) -> None:
    """Refuse, in plain words, an option value Discord's own client would not let through."""
    name, kind = option["name"], option.get("type")
    if option.get("choices"):
        names = [str(c["value"]) for c in option["choices"]] + [str(c["name"]) for c in option["choices"]]
        if value not in names:
            listed = ", ".join(str(c["value"]) for c in option["choices"])
            raise SandboxInputError(f"{name}: choose one of {listed}.")
    elif kind == 4 and not value.lstrip("-").isdigit():
        raise SandboxInputError(f"{name}: needs a whole number, e.g. {name}: 3")
    elif kind == 10:
        try:
            float(value)
        except ValueError:
            raise SandboxInputError(f"{name}: needs a number, e.g. {name}: 2.5") from None
    elif kind == 5 and value.strip().lower() not in ("true", "false", "yes", "no", "on", "off", "1", "0"):
        raise SandboxInputError(f"{name}: needs True or False")
    elif kind == 7:
        box.channel_named(value.lstrip("#"))


async def _safe_line(box: Sandbox, line: str) -> bool:
    """Run a line, printing what went wrong instead of stopping the sandbox."""
    try:
        return await _run_line(box, line)
    except SandboxInputError as exc:
        box.console.print(Text(str(exc), style="red"))
        return True
    except SimError as exc:
        # the local Discord refused the line: its own reason is written for developers, so say it plainly
        log.debug("the simulator refused %r: %s", line, exc)
        box.console.print(
            Text("Discord would not accept that line as typed: check the names and values (:help).", style="red")
        )
        return True


async def _interactive(box: Sandbox) -> None:
    """Read lines from the terminal until :quit or end of input."""
    box.console.print(Text("Hustings sandbox — a local Discord with the demo elections.", style="bold"))
    box.console.print(Text(box.help_text()))
    while True:
        # posts the bot makes while the prompt waits (a "post now", a due reminder) show as they arrive
        watcher = asyncio.create_task(_watch_posts(box))
        try:
            # escaped: rich would otherwise read "[member #general]" as a style tag and print nothing
            line = await asyncio.to_thread(box.console.input, escape(f"[{box.who} #{box.channel}] "))
        except (EOFError, KeyboardInterrupt):
            return
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        if not await _safe_line(box, line):
            return


async def _watch_posts(box: Sandbox) -> None:
    """Print the bot's new posts and DMs every half second until cancelled."""
    while True:
        await asyncio.sleep(0.5)
        box.show_new_posts()


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
    if box.delivery is not None:
        await box.delivery.settled()  # a "post now" is sent before the prompt comes back, and shown
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
        box.console.print(Text(box.help_text()))
    elif verb == "as":
        wanted = ALIASES.get(" ".join(args).lower(), " ".join(args).lower())
        by_name = {m.user.name: key for key, m in box.users.items()}
        wanted = by_name.get(wanted, wanted)
        if wanted not in box.users:
            box.console.print(f"Act as one of: {', '.join(box.users)} (e.g. :as moderator).")
            return True
        box.who = wanted
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
        box.console.print(
            f"time is now {box.sim.clock.now().astimezone(box.display.zone):%a %d %b %Y %H:%M %Z} ({box.display.zone})"
        )
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
        box.show_kept(f"#{channel.name}", f"#{channel.name}", box.sim.channel_messages(channel))
    elif verb == "dms":
        box.show_kept(f"dm:{box.who}", f"DM to {box.who}", box.sim.dms(box.actor))
    else:
        box.console.print(f"There is no :{verb} here; :help lists what you can type.")
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
                display = Display()
                guild, users = _build_guild(sim, display)
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
                    box = Sandbox(
                        sim,
                        guild,
                        users,
                        console,
                        Path(output),
                        delivery=bot.services.delivery,
                        db=db,
                        default_zone=settings.timezone,
                        earlier_posts=json.loads(await meta.get_state(db.reader, SANDBOX_POSTS_KEY) or "[]"),
                        display=display,
                    )
                    await box.refresh_zone()
                    console.print(
                        Text(
                            f"Server id {guild.id} · times in {box.display.zone} · :help lists the sandbox commands",
                            style="dim",
                        )
                    )
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
                    box.show_new_posts()
                    kept = (box.earlier_posts + box.posts)[-KEPT_POSTS:]
                    async with db.transaction() as tx:
                        await meta.set_state(tx, SANDBOX_NOW_KEY, clock.now().isoformat())
                        await meta.set_state(tx, SANDBOX_POSTS_KEY, json.dumps(kept))
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
