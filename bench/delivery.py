"""Table 4 — delivery fan-out with the simulator's rate limits on.

1,000 announcements across 50 channels and 2,000 members' DM reminders all fall due at the same
instant; the bot process (real delivery engine, real discord.py) sends them while members keep
using commands. Completion time is compared with the least the simulator's limits allow, and
interactive latency during the fan-out with the same commands just before it.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field
from datetime import timedelta

from bench.data import NOW
from bench.harness import Burst, Timed, World, bot_process, serving_blocks, world
from bench.report import Table, verdict
from bot.domain.models import Candidate, Election, Threshold, Timeline, VotingSystem
from bot.domain.schedule.ledger import Announcement, Subscription, SubscriptionKind
from bot.domain.schedule.recurrence import Schedule
from bot.domain.settings import GuildSettings
from bot.sim import SimMessage
from bot.store import announcements, deliveries, elections, meta, subscriptions
from bot.store import candidates as candidates_repo

#: Discord's published global limit and the usual per-channel message limit.
LIMITS = {
    "global_limit": 50,
    "global_window": 1.0,
    "route_limit": 5,
    "route_window": 1.0,
    "routes": {"POST /channels/*/messages": (5, 5.0)},
}
LEAD = timedelta(hours=1)


@dataclass(frozen=True)
class Sizes:
    """How big a run is."""

    announcements: int = 1000
    channels: int = 50
    subscribers: int = 2000
    due_after: float = 15.0  # seconds after the bot's clock starts
    command_rate: float = 4.0  # interactive commands per second during the measurement


FULL = Sizes()
QUICK = Sizes(announcements=100, channels=10, subscribers=200, due_after=10.0)
TINY = Sizes(announcements=10, channels=2, subscribers=10, due_after=4.0, command_rate=2.0)


def minimum_seconds(per_channel: list[int], dms: int, limits: dict = LIMITS) -> float:
    """The least time the limits allow from the first send to the last (each DM in its own channel)."""
    total = sum(per_channel) + dms
    glob = (math.ceil(total / limits["global_limit"]) - 1) * limits["global_window"]
    limit, window = limits["routes"]["POST /channels/*/messages"]
    chan = max((math.ceil(n / limit) - 1) * window for n in per_channel) if per_channel else 0.0
    return max(glob, chan, 0.0)


@dataclass
class Arrivals:
    """When each fan-out message reached the simulator."""

    channels: set[int]
    dm_users: set[int]
    times: list[float] = field(default_factory=list)
    posts: list[float] = field(default_factory=list)
    dm_times: list[float] = field(default_factory=list)
    per_target: dict[int, int] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    first: asyncio.Event = field(default_factory=asyncio.Event)
    expected: int = 0

    def hook(self, message: SimMessage) -> None:
        """Called by the simulator for every message created."""
        target = message.channel_id
        if target in self.channels or (message.guild_id is None and target in self.dm_users):
            now = time.monotonic()
            self.times.append(now)
            (self.posts if target in self.channels else self.dm_times).append(now)
            self.first.set()
            self.per_target[target] = self.per_target.get(target, 0) + 1
            if len(self.times) >= self.expected:
                self.done.set()


async def _setup(w: World, sizes: Sizes) -> tuple[list[int], list[int], set[int]]:
    """Channels, announcements, an election with a deadline, subscribers with open DM channels."""
    chans = [w.guild.add_channel(f"post-{i:02d}") for i in range(sizes.channels)]
    subscribers = [w.guild.add_member(f"sub{i:05d}") for i in range(sizes.subscribers)]
    due = NOW + timedelta(seconds=sizes.due_after)
    db = await w.open_db()
    try:
        async with db.transaction() as tx:
            await meta.save_settings(tx, GuildSettings(w.guild.id, timezone="Europe/London"))
            election = Election(
                guild_id=w.guild.id,
                slug="nec",
                name="NEC 2026",
                seats=3,
                voting_system=VotingSystem.BLOC,
                threshold=Threshold(2),
                timeline=Timeline(nominations_open=NOW - timedelta(days=20), nominations_close=due + LEAD),
            )
            eid = await elections.upsert(tx, election)
            for name in ("Ann Black", "Jon Lansman", "Eddie Izzard", "Yasmine Dar"):
                await candidates_repo.upsert(tx, eid, Candidate(name))
            for i in range(sizes.announcements):
                await announcements.create(
                    tx,
                    Announcement(
                        guild_id=w.guild.id,
                        channel_id=chans[i % len(chans)].id,
                        schedule=Schedule(due),
                        content=f"Bench announcement {i}: hustings tonight.",
                        created_by=1,
                        created_by_name="bench",
                        created_at=NOW - timedelta(hours=1),
                        checked_until=NOW - timedelta(hours=1),
                        next_due=due,
                    ),
                )
            dm_ids: set[int] = set()
            for member in subscribers:
                await subscriptions.upsert(
                    tx,
                    Subscription(
                        guild_id=w.guild.id,
                        user_id=member.id,
                        kind=SubscriptionKind.DEADLINES,
                        before=LEAD,
                        election_id=eid,
                        created_at=NOW - timedelta(hours=1),
                        checked_until=NOW - timedelta(hours=1),
                    ),
                )
                channel = w.sim.dm_channel(member)  # opened before, as for any member DMed once already
                await deliveries.save_dm_channel(tx, member.id, channel.id)
                dm_ids.add(channel.id)
            await meta.bump_version(tx, w.guild.id, NOW, "bench seed")
    finally:
        await db.close()
    per_channel = [sum(1 for i in range(sizes.announcements) if i % len(chans) == c) for c in range(len(chans))]
    return per_channel, [c.id for c in chans], dm_ids


async def _interactive(w: World, stop: asyncio.Event, rate: float) -> tuple[Burst, Burst]:
    """Members use `/candidate` (answered at once) and `/nominations progress` (deferred) until `stop`."""
    quick: list[Timed] = []
    deferred: list[Timed] = []
    watchers: list[asyncio.Task[None]] = []
    from bench.harness import _watch

    start = time.monotonic()
    i = 0
    while not stop.is_set():
        member = w.members[i % len(w.members)]
        if i % 4 == 3:
            handle = await w.sim.invoke(member, "/nominations progress", {})
            t = Timed(handle, time.monotonic())
            deferred.append(t)
        else:
            handle = await w.sim.invoke(member, "/candidate", {"name": "Ann Black"})
            t = Timed(handle, time.monotonic())
            quick.append(t)
        watchers.append(asyncio.create_task(_watch(t, 60.0, False)))
        i += 1
        try:
            await asyncio.wait_for(stop.wait(), 1 / rate)
        except TimeoutError:
            pass
    await asyncio.gather(*watchers)
    wall = time.monotonic() - start
    return Burst("/candidate", quick, wall), Burst("/nominations progress", deferred, wall)


async def run(
    sizes: Sizes = FULL,
    *,
    quick: bool = False,
    dm_rate: float | None = None,
    command_line: str = "python -m bench delivery",
) -> Table:
    """Measure and return the table."""
    table = Table(
        "delivery",
        f"4. Delivery fan-out ({sizes.announcements:,} announcements in {sizes.channels} channels + "
        f"{sizes.subscribers:,} DM reminders, rate limits on)",
        command_line,
        ["measure", "value", "target / baseline"],
        quick=quick,
    )
    async with world(members=20) as w:
        per_channel, channel_ids, dm_ids = await _setup(w, sizes)
        expected = sum(per_channel) + len(dm_ids)
        arrivals = Arrivals(set(channel_ids), dm_ids, expected=expected)
        w.sim._core.on_message.append(arrivals.hook)
        w.sim.set_rate_limits(True, **LIMITS)
        async with bot_process(w, dm_rate=dm_rate) as bot:
            stats0 = (w.sim.stats.rate_limited, w.sim.stats.invalid_requests)
            # Interactive baseline before anything is due, then the same load through the fan-out.
            before_stop = asyncio.Event()
            before_task = asyncio.create_task(_interactive(w, before_stop, sizes.command_rate))
            first_wait = max(2.0, sizes.due_after - bot.ready_self - 2.0)
            try:
                await asyncio.wait_for(arrivals.first.wait(), first_wait)
            except TimeoutError:
                pass
            before_stop.set()
            quiet_quick, quiet_deferred = await before_task
            during_stop = asyncio.Event()
            during_task = asyncio.create_task(_interactive(w, during_stop, sizes.command_rate))
            minimum = minimum_seconds(per_channel, len(dm_ids))
            try:
                await asyncio.wait_for(arrivals.done.wait(), max(120.0, minimum * 6))
            except TimeoutError:
                pass
            during_stop.set()
            busy_quick, busy_deferred = await during_task
            await w.sim.wait_for_idle(timeout=60, quiet=0.3)
            rate_limited = w.sim.stats.rate_limited - stats0[0]
            invalid = w.sim.stats.invalid_requests - stats0[1]
        violations = list(w.sim.violations)
        slow = serving_blocks(bot.final)
    times = sorted(arrivals.times)
    completion = times[-1] - times[0] if len(times) > 1 else 0.0
    ratio = completion / minimum if minimum >= 1.0 else None
    over = sum(1 for c in channel_ids if arrivals.per_target.get(c, 0) > per_channel[channel_ids.index(c)])
    over += sum(1 for d in dm_ids if arrivals.per_target.get(d, 0) > 1)
    table.add("messages delivered", f"{len(times):,} of {expected:,}", "all, each once")
    table.add("targets that got a duplicate", over, "0")
    table.add("completion (first send → last)", f"{completion:.1f} s", f"minimum the limits allow: {minimum:.1f} s")
    if arrivals.posts and arrivals.dm_times:
        start = times[0]
        table.add(
            "channel posts / DMs done after",
            f"{max(arrivals.posts) - start:.1f} s / {max(arrivals.dm_times) - start:.1f} s",
            "",
        )
    table.add(
        "ratio to the minimum",
        f"{ratio:.2f} {verdict(ratio, 1.15)}" if ratio is not None else "n/a (fits in the first window)",
        "≤ 1.15",
    )
    table.add("429s received", rate_limited, "")
    table.add("invalid requests (401/403/429)", invalid, "≪ 10,000 per 10 min")
    for label, q, b in (
        ("/candidate", quiet_quick, busy_quick),
        ("/nominations progress", quiet_deferred, busy_deferred),
    ):
        table.add(
            f"{label} first response p50 / p99 during fan-out",
            f"{b.first(50) * 1000:.0f} / {b.first(99) * 1000:.0f} ms ({b.count})",
            f"before: {q.first(50) * 1000:.0f} / {q.first(99) * 1000:.0f} ms ({q.count})",
        )
        table.add(
            f"{label} complete p50 / p99 during fan-out",
            f"{b.complete(50) * 1000:.0f} / {b.complete(99) * 1000:.0f} ms",
            f"before: {q.complete(50) * 1000:.0f} / {q.complete(99) * 1000:.0f} ms",
        )
    table.add("Discord-rule violations", len(violations), "0")
    table.add("event-loop blocks > 100 ms in the bot", len(slow), "0")
    table.notes += [
        f"Simulator limits: global {LIMITS['global_limit']}/s, `POST /channels/*/messages` 5 per 5 s per channel, "
        "other routes 5/s per route; interaction callbacks exempt from the global limit, as on Discord.",
        "The minimum assumes every request goes out the moment its buckets allow it: "
        "max(total requests ÷ global limit, per-channel bursts).",
        f"Delivery engine DM pacing: {dm_rate or 'default'} per second"
        + (" (bench override)" if dm_rate else "")
        + "; DM channels already open (members DMed before).",
        f"Interactive load: {sizes.command_rate:g} commands/s (¾ `/candidate`, ¼ `/nominations progress`).",
    ]
    if violations:
        table.notes.append(f"First violation: {violations[0]}")
    if slow:
        table.notes.append(f"Loop blocks: {'; '.join(slow[:3])}")
    return table


if __name__ == "__main__":
    print(asyncio.run(run(QUICK, quick=True)).markdown())
