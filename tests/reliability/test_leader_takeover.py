"""Several processes, one leader (#20 part 2): SIGKILL the leader in the middle of a fan-out.

Three `hustings run` processes (each on its own shard of three, `shard_run.py`) share one PostgreSQL
store and one simulator. Exactly one leads (the leader lock) and sends a fan-out of channel posts and
reminder DMs; it is SIGKILLed a third of the way through. Another process takes over within seconds,
the sends the dead leader had in flight are retried with their nonces once their claims lapse, every
target gets exactly one message, and members' commands are answered throughout by the processes
still running (those of the dead process's shard wait for it to come back, as on Discord).

PostgreSQL only (the SQLite store has one process per file). Sizes: 100 posts + 200 DMs by default;
HUSTINGS_LEADER_FANOUT=full runs the issue's 1,000 posts + 2,000 DMs; HUSTINGS_RELIABILITY_TRIALS
repeats it.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.domain.models import Candidate, Election, Threshold, Timeline, VotingSystem
from bot.domain.schedule.ledger import Announcement, DeliveryStatus, Subscription, SubscriptionKind
from bot.domain.schedule.recurrence import Schedule
from bot.domain.schedule.sending import CLAIM_LEASE
from bot.domain.settings import GuildSettings
from bot.sim import DiscordSimulator, InteractionHandle, SimGuild, SimMessage
from bot.store import announcements, deliveries, elections, meta, subscriptions
from bot.store import candidates as candidates_repo
from bot.store.database import Database
from tests.reliability.support import report, trials

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PROCESSES = 3
FULL = os.environ.get("HUSTINGS_LEADER_FANOUT", "").strip().lower() == "full"
POSTS, CHANNELS, DMS = (1000, 50, 2000) if FULL else (100, 10, 200)
#: Seconds from seeding to the fan-out's due time: the three processes start and connect meanwhile.
LEAD = 30.0
LEADS = "this process now leads"


@dataclass
class Proc:
    """One `hustings run` process on one shard."""

    shard: int
    log: Path
    proc: asyncio.subprocess.Process

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def leads(self) -> bool:
        return LEADS in self.text()


@dataclass
class Arrivals:
    """Every fan-out message the simulator created, by target."""

    posts: Counter[tuple[int, str]] = field(default_factory=Counter)  # (channel, content)
    dms: Counter[int] = field(default_factory=Counter)  # DM channel
    times: list[float] = field(default_factory=list)
    post_channels: set[int] = field(default_factory=set)
    dm_channels: set[int] = field(default_factory=set)

    def hook(self, message: SimMessage) -> None:
        if message.channel_id in self.post_channels:
            self.posts[(message.channel_id, message.content)] += 1
        elif message.channel_id in self.dm_channels:
            self.dms[message.channel_id] += 1
        else:
            return
        self.times.append(time.monotonic())

    @property
    def count(self) -> int:
        return len(self.times)


def _guilds_one_per_shard(sim: DiscordSimulator) -> list[SimGuild]:
    """One guild on each shard of PROCESSES (guild ids are snowflakes: a millisecond apart moves the shard)."""
    by_shard: dict[int, SimGuild] = {}
    index = 0
    while len(by_shard) < PROCESSES:
        guild = sim.add_guild(f"Branch {index}", channels=("general", "organisers"))
        by_shard.setdefault(sim.shard_of(guild, PROCESSES), guild)
        index += 1
        time.sleep(0.002)
    return [by_shard[i] for i in range(PROCESSES)]


async def _seed(db: Database, sim: DiscordSimulator, guild: SimGuild, due: datetime, arrivals: Arrivals) -> None:
    """POSTS announcements over CHANNELS channels and DMS members' deadline reminders, all due at `due`."""
    channels = [guild.add_channel(f"post-{i:02d}") for i in range(CHANNELS)]
    members = [guild.add_member(f"sub{i:05d}") for i in range(DMS)]
    arrivals.post_channels = {c.id for c in channels}
    now = datetime.now(UTC)
    async with db.transaction() as tx:
        await meta.save_settings(
            tx, GuildSettings(guild.id, timezone="Europe/London", alert_channel_id=guild.channel("organisers").id)
        )
        election = Election(
            guild_id=guild.id,
            slug="nec",
            name="NEC 2026",
            seats=3,
            voting_system=VotingSystem.BLOC,
            threshold=Threshold(2),
            timeline=Timeline(nominations_open=now - timedelta(days=20), nominations_close=due + timedelta(hours=1)),
        )
        eid = await elections.upsert(tx, election)
        await candidates_repo.upsert(tx, eid, Candidate("Ann Black"))
        for i in range(POSTS):
            await announcements.create(
                tx,
                Announcement(
                    guild_id=guild.id,
                    channel_id=channels[i % CHANNELS].id,
                    schedule=Schedule(due),
                    content=f"Fan-out post {i}: hustings tonight.",
                    created_by=1,
                    created_by_name="test",
                    created_at=now - timedelta(hours=1),
                    checked_until=now - timedelta(hours=1),
                    next_due=due,
                ),
            )
        for member in members:
            await subscriptions.upsert(
                tx,
                Subscription(
                    guild_id=guild.id,
                    user_id=member.id,
                    kind=SubscriptionKind.DEADLINES,
                    before=timedelta(hours=1),
                    election_id=eid,
                    created_at=now - timedelta(hours=1),
                    checked_until=now - timedelta(hours=1),
                ),
            )
            channel = sim.dm_channel(member)  # opened at opt-in, as the scaling notes advise
            await deliveries.save_dm_channel(tx, member.id, channel.id)
            arrivals.dm_channels.add(channel.id)
        await meta.bump_version(tx, guild.id, now, "test seed")


async def _start(sim: DiscordSimulator, db: Database, shard: int, folder: Path) -> Proc:
    log = folder / f"shard{shard}.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "DISCORD_TOKEN": sim.token,
        "HUSTINGS_DISCORD_API": sim.api_base,
        "HUSTINGS_DISCORD_GATEWAY": sim.gateway_url,
        "HUSTINGS_DATABASE": str(db.path),
        "HUSTINGS_LOG_LEVEL": "INFO",
        "HUSTINGS_TEST_SHARD": f"{shard}/{PROCESSES}",
    }
    env.pop("HUSTINGS_FAKE_NOW", None)
    env.pop("HUSTINGS_DEV_GUILD", None)  # commands synced globally: every guild, every shard
    with log.open("ab") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.reliability.shard_run", env=env, cwd=folder, stdout=out, stderr=out
        )
    return Proc(shard, log, proc)


async def _until(condition, timeout: float, message: str) -> float:  # noqa: ASYNC109
    """Poll `condition` until it holds; the seconds it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(message)
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def _ledger_settled(db: Database, guild_id: int, timeout: float) -> None:  # noqa: ASYNC109
    """Wait until no ledger row of the guild is pending or being sent."""
    deadline = time.monotonic() + timeout
    while True:
        counts = await deliveries.counts(db.reader, guild_id)
        if not counts.get(DeliveryStatus.PENDING.value) and not counts.get(DeliveryStatus.SENDING.value):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the ledger never settled: {counts}")
        await asyncio.sleep(0.2)


@dataclass
class Asked:
    shard: int
    at: float
    handle: InteractionHandle


async def _members_ask(sim: DiscordSimulator, guilds: list[SimGuild], stop: asyncio.Event, asked: list[Asked]) -> None:
    """A member in each shard's guild runs `/hustings about` every quarter second, in turn, until `stop`."""
    askers = [g.add_member("asker") for g in guilds]
    i = 0
    while not stop.is_set():
        shard = i % len(guilds)
        handle = await sim.invoke(askers[shard], "/hustings about")
        asked.append(Asked(shard, time.monotonic(), handle))
        i += 1
        try:
            await asyncio.wait_for(stop.wait(), 0.25)
        except TimeoutError:
            pass


@pytest.fixture
async def sim() -> AsyncIterator[DiscordSimulator]:
    simulator = DiscordSimulator(clock=SystemClock())  # the bots run on real time: so does Discord
    await simulator.start()
    try:
        yield simulator
    finally:
        await simulator.stop()


@pytest.mark.parametrize("trial", range(trials(1)))
async def test_the_leader_killed_mid_fan_out_every_target_gets_one_message(
    db: Database, sim: DiscordSimulator, tmp_path: Path, trial: int
) -> None:
    if db.engine != "postgresql":
        pytest.skip("several processes share a PostgreSQL store only (SQLite: one process per file)")
    guilds = _guilds_one_per_shard(sim)
    arrivals = Arrivals()
    sim._core.on_message.append(arrivals.hook)
    due = datetime.now(UTC) + timedelta(seconds=LEAD)
    await _seed(db, sim, guilds[0], due, arrivals)
    expected = POSTS + DMS
    procs = [await _start(sim, db, shard, tmp_path) for shard in range(PROCESSES)]
    stop_asking = asyncio.Event()
    asked: list[Asked] = []
    asking: asyncio.Task[None] | None = None
    try:
        await _until(lambda: len(sim._core.gateway.shards) >= PROCESSES, LEAD, "the three processes never connected")
        await _until(lambda: sum(p.leads() for p in procs) == 1, 30, "no process took the lead")
        [leader] = [p for p in procs if p.leads()]
        await _until(lambda: bool(sim.commands()), 30, "the leader never synced the commands")
        asking = asyncio.create_task(_members_ask(sim, guilds, stop_asking, asked))
        await _until(lambda: arrivals.count >= expected // 3, LEAD + 120, "the fan-out never got going")
        leader.proc.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        sent_before_kill = arrivals.count
        survivors = [p for p in procs if p is not leader]
        takeover = await _until(lambda: any(p.leads() for p in survivors), 30, "nobody took over")
        await _until(lambda: arrivals.count >= expected, 120 + expected / 20, "the fan-out never finished")
        # Sends the dead leader had in flight may have reached Discord unrecorded: they stay claimed until
        # their lease lapses, then the new leader retries them with their nonces (Discord answers with the
        # message it already has) and records them.
        await _ledger_settled(db, guilds[0].id, CLAIM_LEASE.total_seconds() + 60)
        total = time.monotonic() - arrivals.times[0]
        after_kill = time.monotonic() - killed_at
        await asyncio.sleep(2.0)  # anything sent twice would show up now
        stop_asking.set()
        await asking
        await asyncio.sleep(2.0)  # the last commands' answers
    finally:
        stop_asking.set()
        if asking is not None and not asking.done():
            asking.cancel()
        for p in procs:
            if p.proc.returncode is None:
                p.proc.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                await asyncio.wait_for(p.proc.wait(), 20)
            except TimeoutError:
                p.proc.kill()
                await p.proc.wait()

    duplicates = sum(n - 1 for n in [*arrivals.posts.values(), *arrivals.dms.values()] if n > 1)
    lost = (POSTS - len(arrivals.posts)) + (DMS - len(arrivals.dms))
    answered_by = [a for a in asked if a.shard != leader.shard]
    unanswered = [a for a in answered_by if a.handle.callback_type is None]
    rows = await deliveries.counts(db.reader, guilds[0].id)
    # The dead leader's sends in flight: retried with their nonces once their claims lapsed.
    lapsed = sum(int(n) for p in survivors for n in re.findall(r"(\d+) send\(s\) were interrupted elsewhere", p.text()))
    report(
        "leader SIGKILLed mid fan-out",
        posts=POSTS,
        dms=DMS,
        takeover_s=f"{takeover:.1f}",
        lapsed_claims=lapsed,
        after_kill_s=f"{after_kill:.1f}",
        total_s=f"{total:.1f}",
        sent_before_kill=sent_before_kill,
        duplicates=duplicates,
        lost=lost,
        commands=len(answered_by),
        unanswered=len(unanswered),
    )
    assert duplicates == 0 and lost == 0, (duplicates, lost)
    assert set(arrivals.dms) == arrivals.dm_channels
    assert {c for c, _ in arrivals.posts} == arrivals.post_channels
    assert set(rows) <= {DeliveryStatus.SENT.value, DeliveryStatus.LATE.value}, rows
    assert takeover < 10, takeover
    assert answered_by and not unanswered, f"{len(unanswered)} of {len(answered_by)} commands unanswered"
    assert sent_before_kill < expected
    assert sim.violations == []
