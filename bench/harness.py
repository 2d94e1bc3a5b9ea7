"""What every benchmark shares: the machine, the simulator world, the bot process, timing and percentiles."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.data import NOW
from bot.clock import ManualClock
from bot.sim import DiscordSimulator, InteractionHandle, SimGuild, SimMember
from bot.store.database import Database
from bot.store.migrations import migrate

REPO = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------------------------------ machine


def machine() -> dict[str, str]:
    """The facts a reader needs to compare figures: cores, CPU, Python, library versions."""
    import discord

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": str(os.cpu_count() or "?"),
        "usable cores": str(len(os.sched_getaffinity(0))) if hasattr(os, "sched_getaffinity") else "?",
        "cpu": cpu,
        "python": platform.python_version(),
        "discord.py": discord.__version__,
        "sqlite": sqlite3.sqlite_version,
        "os": platform.platform(terse=True),
        "load average at start (1/5/15 min)": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


# ------------------------------------------------------------------------------------------ numbers


def pct(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def ms(seconds: float) -> str:
    """Seconds as a short millisecond figure."""
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


# ------------------------------------------------------------------------------------------ world


@dataclass
class World:
    """A running simulator with one guild, some members, and a database file for the bot."""

    sim: DiscordSimulator
    guild: SimGuild
    members: list[SimMember]
    folder: Path
    db_path: Path

    async def open_db(self) -> Database:
        """The bot's database (migrated); the caller closes it."""
        db = await Database.open(self.db_path)
        await migrate(db)
        return db


@asynccontextmanager
async def world(members: int = 50, channels: Sequence[str] = ("general", "announcements")) -> AsyncIterator[World]:
    """A simulator on 127.0.0.1, a guild and members, and a temporary folder with a fresh database."""
    with tempfile.TemporaryDirectory(prefix="hustings-bench-") as tmp:
        folder = Path(tmp)
        sim = DiscordSimulator(clock=ManualClock(NOW))
        await sim.start()
        try:
            guild = sim.add_guild("Bench Labour", channels=tuple(channels))
            people = [guild.add_member(f"member{i:04d}", global_name=f"Member {i}") for i in range(members)]
            db_path = folder / "hustings.db"
            db = await Database.open(db_path)
            await migrate(db)
            await db.close()
            yield World(sim, guild, people, folder, db_path)
        finally:
            await sim.stop()


# ------------------------------------------------------------------------------------------ the bot


@dataclass
class BotProcess:
    """The bot in its own interpreter (see `bench.botproc`); start with `bot_process(...)`."""

    proc: asyncio.subprocess.Process
    stats_path: Path
    log_path: Path
    spawned: float
    ready_wall: float = 0.0  # seconds from spawn to READY, seen by the parent
    ready_self: float = 0.0  # seconds from interpreter start to READY, seen by the bot
    final: dict[str, Any] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        """The bot's process id."""
        return self.proc.pid

    def rss_kib(self) -> int:
        """The bot's resident memory now, in KiB."""
        from bench.botproc import rss_kib

        return rss_kib(self.pid)

    async def snapshot(self) -> dict[str, Any]:
        """Ask the bot for its stats (SIGUSR1) and read them."""
        before = self.stats_path.stat().st_mtime_ns if self.stats_path.exists() else 0
        self.proc.send_signal(signal.SIGUSR1)
        for _ in range(200):
            await asyncio.sleep(0.025)
            if self.stats_path.exists() and self.stats_path.stat().st_mtime_ns != before:
                with contextlib.suppress(ValueError):
                    return json.loads(self.stats_path.read_text())
        raise TimeoutError("the bot process did not write its stats")

    def log_tail(self, lines: int = 40) -> str:
        """The end of the bot's log (for failures)."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@asynccontextmanager
async def bot_process(
    w: World,
    *,
    extensions: Sequence[str] = ("bench.noop_cog",),
    no_chart_cache: bool = False,
    loop_watch: bool = True,
    bare: bool = False,
    dm_rate: float | None = None,
    profile: Path | None = None,
    ready_timeout: float = 60.0,
) -> AsyncIterator[BotProcess]:
    """Start the bot process against `w` and wait for READY; SIGTERM it on exit and collect its stats."""
    compile_bytecode()
    stats_path = w.folder / f"bot-stats-{time.monotonic_ns()}.json"
    log_path = w.folder / f"bot-{time.monotonic_ns()}.log"
    cmd = [
        sys.executable,
        "-m",
        "bench.botproc",
        "--database",
        str(w.db_path),
        "--api",
        w.sim.api_base,
        "--gateway",
        w.sim.gateway_url,
        "--token",
        w.sim.token,
        "--guild",
        str(w.guild.id),
        "--now",
        NOW.isoformat(),
        "--stats",
        str(stats_path),
    ]
    for ext in extensions:
        cmd += ["--extension", ext]
    if no_chart_cache:
        cmd.append("--no-chart-cache")
    if loop_watch:
        cmd.append("--loop-watch")
    if bare:
        cmd.append("--bare")
    if dm_rate:
        cmd += ["--dm-rate", str(dm_rate)]
    if profile is not None:
        cmd += ["--profile", str(profile)]
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    log = log_path.open("wb")
    spawned = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=asyncio.subprocess.PIPE, stderr=log, env=env, cwd=str(REPO)
    )
    bot = BotProcess(proc, stats_path, log_path, spawned)
    try:
        assert proc.stdout is not None
        try:
            async with asyncio.timeout(ready_timeout):
                while True:
                    line = await proc.stdout.readline()
                    if not line:
                        raise RuntimeError(f"the bot process exited before READY:\n{bot.log_tail()}")
                    if line.startswith(b"READY"):
                        bot.ready_wall = time.monotonic() - spawned
                        bot.ready_self = float(line.split()[1])
                        break
        except TimeoutError:
            raise RuntimeError(f"the bot process was not ready in {ready_timeout}s:\n{bot.log_tail()}") from None
        yield bot
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(20):
                    await proc.wait()
            except TimeoutError:
                proc.kill()
                await proc.wait()
        log.close()
        if stats_path.exists():
            with contextlib.suppress(ValueError):
                bot.final = json.loads(stats_path.read_text())


def compile_bytecode() -> None:
    """Compile the project's modules to bytecode (`__pycache__`) if they changed, as an installed wheel has them.

    With PYTHONDONTWRITEBYTECODE set, Python never writes the cache, so every start compiled the
    project from source (about 0.2 s of a 0.7 s start-up) while discord.py, installed from a wheel,
    loaded compiled: the start-up comparison measured the environment, not the bot.
    """
    import compileall

    for folder in ("bot", "cogs", "bench"):
        compileall.compile_dir(REPO / folder, quiet=2)


def serving_blocks(stats: Mapping[str, Any]) -> list[str]:
    """The bot's event-loop blocks over 100 ms after READY, as "N ms: what" lines (slowest first)."""
    items = [s for s in (stats.get("slow_callbacks") or []) if s.get("after_ready")]
    items.sort(key=lambda s: -s["seconds"])
    return [
        f"{s['seconds'] * 1000:.0f} ms (CPU {s.get('cpu', 0) * 1000:.0f} ms, GC {s.get('gc', 0) * 1000:.0f} ms): "
        f"{s['what']}" + _where(s.get("stack", ""))
        for s in items
    ]


def full_collections(stats: Mapping[str, Any]) -> str:
    """One sentence on the bot's full garbage-collection passes (when bot.gc_pacing made them, and the longest)."""
    full = (stats.get("gc") or {}).get("2") or {}
    pacer = stats.get("gc_pacer")
    if not full:
        return "Full garbage-collection passes: not reported."
    line = f"Full garbage-collection passes in the bot: {full.get('count', 0)}, longest {full.get('max_ms', 0):.0f} ms"
    if pacer:
        line += (
            f" ({pacer['quiet']} at quiet moments, {pacer['forced']} forced while busy; free heap handed back "
            f"to the OS {pacer.get('trims', 0)} times)"
        )
    return line + "."


def _where(stack: str) -> str:
    """The innermost project frame of a sampled stack, if any (` in bot/…:123`)."""
    frames = [line.strip() for line in stack.splitlines() if line.strip().startswith('File "')]
    ours = [f for f in frames if "/work/" in f or str(REPO) in f]
    pick = (ours or frames)[-1:] if frames else []
    return f" — blocked in {pick[0]}" if pick else ""


def startup_blocks(stats: Mapping[str, Any]) -> list[str]:
    """The bot's event-loop blocks over 100 ms before READY (imports, migrations, cog loading)."""
    items = [s for s in (stats.get("slow_callbacks") or []) if not s.get("after_ready")]
    items.sort(key=lambda s: -s["seconds"])
    return [f"{s['seconds'] * 1000:.0f} ms: {s['what']}" for s in items]


# ------------------------------------------------------------------------------------------ timing


@dataclass
class Timed:
    """One interaction: when the member acted, when the bot first answered, when it was visibly done."""

    handle: InteractionHandle
    created: float
    ack: float | None = None
    done: float | None = None
    error: str | None = None

    @property
    def first_response(self) -> float | None:
        """Seconds from the member's action to the bot's first answer (message or deferral)."""
        return None if self.ack is None else self.ack - self.created

    @property
    def complete(self) -> float | None:
        """Seconds from the member's action to the visible answer."""
        return None if self.done is None else self.done - self.created


async def _watch(t: Timed, within: float, autocomplete: bool) -> None:
    """Stamp the moment the bot answers (the predicate runs when the simulator records the answer)."""
    i = t.handle.interaction

    def acked() -> bool:
        if i.callback_type is not None or i.errors:
            if t.ack is None:
                t.ack = time.monotonic()
            return True
        return False

    def visible() -> bool:
        if i.visible is not None or i.choices is not None or i.modal is not None or i.errors:
            if t.done is None:
                t.done = time.monotonic()
            return True
        return False

    try:
        await i.wait(acked, within, "initial response")
        if autocomplete:
            t.done = t.ack
        else:
            await i.wait(visible, within, "visible response")
        if i.errors:
            t.error = str(i.errors[0])
    except TimeoutError as exc:
        t.error = str(exc)


@dataclass
class Burst:
    """What a burst of interactions measured."""

    label: str
    timed: list[Timed]
    wall: float  # first action to last visible answer

    @property
    def count(self) -> int:
        """Interactions sent."""
        return len(self.timed)

    @property
    def errors(self) -> list[str]:
        """Failures (timeouts, rejected answers)."""
        return [t.error for t in self.timed if t.error]

    @property
    def throughput(self) -> float:
        """Answered interactions per second."""
        ok = sum(1 for t in self.timed if t.done is not None and not t.error)
        return ok / self.wall if self.wall > 0 else 0.0

    def first(self, q: float) -> float:
        """Percentile of time to first response (seconds)."""
        return pct([t.first_response for t in self.timed if t.first_response is not None], q)

    def complete(self, q: float) -> float:
        """Percentile of time to the visible answer (seconds)."""
        return pct([t.complete for t in self.timed if t.complete is not None], q)

    @property
    def over_deadline(self) -> int:
        """Interactions first answered later than Discord's 3 s."""
        return sum(1 for t in self.timed if t.first_response is None or t.first_response > 3.0)


Invoker = Callable[[int, SimMember], Any]


async def burst(
    sim: DiscordSimulator,
    members: Sequence[SimMember],
    label: str,
    invoke: Callable[[int, SimMember], Any],
    count: int,
    *,
    within: float = 60.0,
    autocomplete: bool = False,
    pace: float | None = None,
) -> Burst:
    """Fire `count` interactions at once (or `pace` per second) and time each one's answers.

    `invoke(i, member)` starts interaction i and returns its handle (e.g. `sim.invoke(...)`).
    """
    timed: list[Timed] = []
    watchers: list[asyncio.Task[None]] = []
    start = time.monotonic()
    for i in range(count):
        if pace:
            delay = start + i / pace - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        created = time.monotonic()
        handle = await invoke(i, members[i % len(members)])
        t = Timed(handle, created)
        timed.append(t)
        watchers.append(asyncio.create_task(_watch(t, within, autocomplete)))
    await asyncio.gather(*watchers)
    ends = [t.done for t in timed if t.done is not None]
    wall = (max(ends) if ends else time.monotonic()) - start
    return Burst(label, timed, wall)


def command(
    sim: DiscordSimulator, name: str, options: Mapping[str, Any] | Callable[[int], Mapping[str, Any]] | None = None
) -> Callable[[int, SimMember], Any]:
    """An invoker for `burst`: run `/name` with fixed options or `options(i)`."""

    async def go(i: int, member: SimMember) -> InteractionHandle:
        opts = options(i) if callable(options) else options
        return await sim.invoke(member, name, dict(opts or {}))

    return go
