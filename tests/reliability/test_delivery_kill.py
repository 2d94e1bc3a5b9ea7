"""SIGKILL the bot around its sends: every due post still goes out exactly once, and downtime follows
the grace policy. SIGTERM/SIGINT stop it cleanly (#15.2), and a restart after Discord has forgotten
the nonce (#15.1) still posts once: the retry reconciles against the channel's messages first.

The simulator runs in the test process; the real bot runs in a subprocess (`hustings run`) pointed
at it, with HUSTINGS_FAKE_NOW putting its clock in the test's chosen instant (then flowing at real
speed). Each scenario runs HUSTINGS_RELIABILITY_TRIALS times (default 1; CI keeps it small).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.domain.access import Actor
from bot.domain.schedule.ledger import DeliveryStatus, Source
from bot.domain.settings import GuildSettings
from bot.services.announcements import AnnouncementService
from bot.services.delivery.engine import DeliveryEngine
from bot.services.read.model import ReadModel
from bot.sim import DiscordSimulator, SimChannel, SimGuild
from bot.store import deliveries, meta
from bot.store.database import Database
from bot.store.migrations import migrate

TRIALS = max(1, int(os.environ.get("HUSTINGS_RELIABILITY_TRIALS", "1")))
HUSTINGS = shutil.which("hustings", path=str(Path(sys.executable).parent)) or "hustings"
T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
POSTS = "POST /channels/{channel_id}/messages"

pytestmark = pytest.mark.slow


@dataclass
class World:
    """The simulator, its guild and channels, and the bot's database (written here, read back here)."""

    sim: DiscordSimulator
    guild: SimGuild
    announcements: SimChannel
    alerts: SimChannel
    db: Database
    workdir: Path


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    sim = DiscordSimulator(clock=ManualClock(T0))
    await sim.start()
    guild = sim.add_guild("Labour North", channels=("general", "announcements", "organisers"))
    db = await Database.open(tmp_path / "hustings.db")
    await migrate(db)
    async with db.transaction() as tx:
        await meta.save_settings(
            tx,
            GuildSettings(
                guild.id,
                timezone="Europe/London",
                announce_channel_id=guild.channel("announcements").id,
                alert_channel_id=guild.channel("organisers").id,
            ),
        )
    try:
        yield World(sim, guild, guild.channel("announcements"), guild.channel("organisers"), db, tmp_path)
    finally:
        await db.close()
        await sim.stop()


async def schedule(w: World, now: datetime, when: datetime, text: str, repeat: str | None = None) -> int:
    """Store an announcement as an organiser would (through the service, before the bot runs)."""
    clock = ManualClock(now)
    service = AnnouncementService(w.db, clock, ReadModel(w.db, clock), DeliveryEngine(w.db, clock))
    actor = Actor(w.guild.id, w.guild.owner_id, "owner", manage_guild=True)
    done = await service.schedule(
        actor, channel_id=w.announcements.id, when=when.isoformat(), message=text, repeat=repeat
    )
    assert done.announcement.id is not None
    return done.announcement.id


class Bot:
    """One `hustings run` process."""

    def __init__(self, w: World, fake_now: datetime, name: str, **env: str) -> None:
        self.w = w
        self.env = env
        self.fake_now = fake_now
        self.log = w.workdir / f"{name}.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.started = 0.0

    async def __aenter__(self) -> Bot:
        sim = self.w.sim
        env = {
            **os.environ,
            "DISCORD_TOKEN": sim.token,
            "HUSTINGS_DISCORD_API": sim.api_base,
            "HUSTINGS_DISCORD_GATEWAY": sim.gateway_url,
            "HUSTINGS_DATABASE": str(self.w.db.path),
            "HUSTINGS_DEV_GUILD": str(self.w.guild.id),
            "HUSTINGS_FAKE_NOW": self.fake_now.isoformat(),
            "HUSTINGS_LOG_LEVEL": "INFO",
            **self.env,
        }
        identifies = sim.stats.identifies
        with self.log.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                HUSTINGS, "run", env=env, cwd=self.w.workdir, stdout=log, stderr=log
            )
        self.started = time.monotonic()
        await until(lambda: sim.stats.identifies > identifies, 30, f"bot never connected; see {self.log}")
        return self

    def now(self) -> datetime:
        """The bot's clock, approximately (its offset clock started just before it connected)."""
        return self.fake_now + timedelta(seconds=time.monotonic() - self.started)

    async def stop(self, sig: signal.Signals, within: float = 15) -> tuple[int, float]:
        """Send `sig` (as docker stop / systemd / Ctrl-C do); the exit code and seconds it took to exit."""
        assert self.proc is not None
        sent = time.monotonic()
        self.proc.send_signal(sig)
        code = await asyncio.wait_for(self.proc.wait(), within)
        return code, time.monotonic() - sent

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.kill()

    async def __aexit__(self, *exc: object) -> None:
        self.kill()
        assert self.proc is not None
        await self.proc.wait()


async def until(condition: Callable[[], bool], timeout: float, message: str) -> None:  # noqa: ASYNC109
    """Poll `condition` until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        await asyncio.sleep(0.01)


async def settled_ledger(w: World, count: int, timeout: float = 20) -> list:  # noqa: ASYNC109
    """Wait until `count` announcement rows are in the ledger and none is still pending or sending."""
    deadline = time.monotonic() + timeout
    while True:
        rows = await ledger(w)
        if len(rows) >= count and all(r.status.done for r in rows):
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"ledger not settled: {[r.status for r in rows]}")
        await asyncio.sleep(0.02)


def texts(w: World) -> list[str]:
    return [m.content for m in w.sim.channel_messages(w.announcements)]


async def ledger(w: World, source: Source = Source.ANNOUNCEMENT) -> list:
    rows = await deliveries.history(w.db.reader, w.guild.id, limit=500)
    return sorted((r for r in rows if r.source is source), key=lambda r: (r.due_at, r.source_id))


# ------------------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("trial", range(TRIALS))
@pytest.mark.parametrize("moment", ["before", "during", "after"])
async def test_killed_around_a_send_posts_each_exactly_once(world: World, moment: str, trial: int) -> None:
    w = world
    lead = 4.0  # seconds from the bot's start to the first post
    names = [f"post {i}" for i in range(4)]
    for i, name in enumerate(names):
        await schedule(w, T0, T0 + timedelta(seconds=lead + i), name)
    if moment == "during":
        w.sim.faults.slow("POST /channels/*/messages", delay=2.0, count=1)  # the first send hangs in flight
    async with Bot(w, T0, "first") as first:
        if moment == "before":
            first.kill()
        elif moment == "during":
            await until(lambda: w.sim.stats.requests[POSTS] >= 1, lead + 20, "no send started")
            first.kill()  # Discord received the request; the bot never hears back
        else:
            await w.sim.wait_for_message(channel=w.announcements, timeout=lead + 20)
            first.kill()  # the message exists; the ledger may not know
        stopped_at = first.now()
    if moment == "during":
        await asyncio.sleep(2.5)  # the request Discord received completes after the kill
    async with Bot(w, stopped_at + timedelta(seconds=30), "second"):
        rows = await settled_ledger(w, len(names))
        await asyncio.sleep(0.5)  # anything extra would show up now
    assert sorted(texts(w)) == names, texts(w)  # each exactly once
    assert [r.status in (DeliveryStatus.SENT, DeliveryStatus.LATE) for r in rows] == [True] * len(names)
    assert {r.message_id for r in rows} == {m.id for m in w.sim.channel_messages(w.announcements)}
    assert w.sim.violations == []


@pytest.mark.parametrize("trial", range(TRIALS))
async def test_down_for_30_minutes_then_sent_late(world: World, trial: int) -> None:
    w = world
    due = T0 + timedelta(seconds=30)
    await schedule(w, T0, due, "after the outage")
    async with Bot(w, T0, "first") as first:
        first.kill()
    async with Bot(w, due + timedelta(minutes=30), "second"):
        [row] = await settled_ledger(w, 1)
    assert texts(w) == ["after the outage"]
    assert row.status is DeliveryStatus.LATE
    assert w.sim.channel_messages(w.alerts) == []


@pytest.mark.parametrize("trial", range(TRIALS))
async def test_down_for_3_hours_skips_stale_posts_and_alerts_once(world: World, trial: int) -> None:
    w = world
    await schedule(w, T0, T0 + timedelta(minutes=15), "quarter-hourly", repeat="*/15 * * * *")
    async with Bot(w, T0, "first") as first:
        first.kill()
    async with Bot(w, T0 + timedelta(hours=3, minutes=2), "second"):
        rows = await settled_ledger(w, 12)
        await until(lambda: len(w.sim.channel_messages(w.alerts)) == 1, 20, "no alert")
        await asyncio.sleep(0.5)
    # down from T0 to T0+3h: 12:15 … 14:00 are over an hour late (missed); 14:15 … 15:00 go out late
    assert [r.status for r in rows] == [DeliveryStatus.MISSED] * 8 + [DeliveryStatus.LATE] * 4
    [alert] = w.sim.channel_messages(w.alerts)
    assert "8 scheduled posts" in alert.content
    assert len(texts(w)) == 4


@pytest.mark.parametrize("trial", range(TRIALS))
async def test_killed_during_a_held_send_restarted_after_the_nonce_window_posts_once(world: World, trial: int) -> None:
    """#15.1: Discord de-duplicates a nonce for a few minutes only; a restart 7 minutes later must not re-post."""
    w = world
    lead = 4.0
    names = ["post held", "post after"]
    for i, name in enumerate(names):
        await schedule(w, T0, T0 + timedelta(seconds=lead + i), name)
    w.sim.faults.held_answers("POST /channels/*/messages", delay=30.0, count=1)  # posted; the answer hangs
    async with Bot(w, T0, "first") as first:
        await until(lambda: texts(w) == ["post held"], lead + 20, "no send started")
        first.kill()  # Discord created the message; the bot never hears back
        stopped_at = first.now()
    w.sim.advance(timedelta(minutes=7))  # past the simulator's 5-minute nonce window
    started = time.monotonic()
    async with Bot(w, stopped_at + timedelta(minutes=7), "second"):
        rows = await settled_ledger(w, len(names))
        recovered = time.monotonic() - started
        await asyncio.sleep(0.5)  # anything extra would show up now
    assert sorted(texts(w)) == sorted(names), texts(w)  # each exactly once
    assert all(r.status in (DeliveryStatus.SENT, DeliveryStatus.LATE) for r in rows)
    assert {r.message_id for r in rows} == {m.id for m in w.sim.channel_messages(w.announcements)}
    assert "already posted" in (w.workdir / "second.log").read_text()
    print(f"\n[reliability] kill + restart after the nonce window: duplicates=0, lost=0, recover_s={recovered:.1f}")
    assert w.sim.violations == []


@pytest.mark.parametrize("trial", range(TRIALS))
@pytest.mark.parametrize(
    ("sig", "answers"),
    [(signal.SIGTERM, "slow"), (signal.SIGINT, "slow"), (signal.SIGTERM, "hung")],
)
async def test_stopped_during_a_fan_out_exits_cleanly_and_loses_nothing(
    world: World, sig: signal.Signals, answers: str, trial: int
) -> None:
    """#15.2: docker stop / systemd / Ctrl-C mid-send: exit 0 within the stop grace, no row left `sending`,
    and after a restart every post is out exactly once. "slow": sends in flight finish within the
    grace; "hung": answers never come, so the stop cuts them off after HUSTINGS_STOP_GRACE."""
    w = world
    lead = 4.0
    channels = [w.announcements, w.guild.add_channel("branch-news"), w.guild.add_channel("results")]
    names = [f"fan-out {i}" for i in range(9)]
    for i, name in enumerate(names):
        clock = T0
        service_channel = channels[i % len(channels)]
        aid = await schedule(w, clock, T0 + timedelta(seconds=lead), name)
        async with w.db.transaction() as tx:  # spread over the three channels
            await tx.execute("UPDATE announcements SET channel_id = ? WHERE id = ?", (service_channel.id, aid))
    if answers == "slow":
        slow = w.sim.faults.slow("POST /channels/*/messages", delay=1.0)  # every send takes a second
    else:
        slow = w.sim.faults.held_answers("POST /channels/*/messages", delay=60.0)  # posted, no answer
    async with Bot(w, T0, "first", HUSTINGS_STOP_GRACE="2") as first:
        await until(lambda: w.sim.stats.requests[POSTS] >= 1, lead + 20, "no send started")
        code, took = await first.stop(sig)
        stopped_at = first.now()
    w.sim.faults.remove(slow)
    rows = await ledger(w)
    assert code == 0, f"exit code {code}; see {first.log}"
    assert took < 10, took  # inside Docker's 10 s stop grace
    assert not [r for r in rows if r.status is DeliveryStatus.SENDING], [r.status for r in rows]
    await asyncio.sleep(1.5)  # nothing the stop cut off can still land
    async with Bot(w, stopped_at + timedelta(seconds=30), "second"):
        rows = await settled_ledger(w, len(names))
        await asyncio.sleep(0.5)
    posted = [m.content for c in channels for m in w.sim.channel_messages(c)]
    assert sorted(posted) == sorted(names), posted  # nothing lost, nothing doubled
    assert all(r.status in (DeliveryStatus.SENT, DeliveryStatus.LATE) for r in rows)
    print(f"\n[reliability] {sig.name}, {answers} answers: exit={code}, exit_s={took:.1f}, duplicates=0, lost=0")
    assert w.sim.violations == []
