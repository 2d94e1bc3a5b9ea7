"""5. 429 storms and 5xx answers on message sends: every post is delivered exactly once, invalid requests stay low.

Announcements in several channels and members' DM reminders fall due together while the simulator
answers message sends with bursts of 429 (per-route and global) and 500/502s, on top of its real
rate limits. Every post and DM must arrive exactly once (the ledger retries with the same nonce;
discord.py waits out 429s and retries 5xxs), and the refused requests (401/403/429, what Discord's
Cloudflare bans an IP for at 10,000 per 10 minutes) must stay far below that rate.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

from bench.loopwatch import LoopWatch
from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.domain.schedule.ledger import Announcement
from bot.domain.schedule.recurrence import Schedule
from bot.domain.settings import GuildSettings
from bot.sim import DiscordSimulator, FaultRule, SimGuild
from bot.store import announcements, deliveries, meta
from bot.store.database import Database
from tests.helpers import store_deadline_election, store_deadline_subscriptions
from tests.reliability.support import report, trials

POSTS = "POST /channels/*/messages"
BAN_THRESHOLD = 10_000  # invalid requests per 10 minutes


async def test_storms_and_server_errors_deliver_each_post_once(
    sim: DiscordSimulator,
    guild: SimGuild,
    db: Database,
    clock: ManualClock,
    hustings: HustingsBot,
    loop_health: LoopWatch,
) -> None:
    rounds = trials(1)
    channels = [guild.add_channel(f"posts-{i}") for i in range(4)]
    subscribers = [guild.add_member(f"sub{i:02d}") for i in range(20)]
    engine = hustings.services.delivery
    sim.set_rate_limits(True, global_limit=50, global_window=1.0, routes={POSTS: (5, 5.0)})
    started = time.monotonic()
    injected = 0
    expected_posts: list[str] = []
    for trial in range(rounds):
        now = clock.now()
        lead = timedelta(hours=1)
        async with db.transaction() as tx:
            await meta.save_settings(tx, GuildSettings(guild.id, timezone="Europe/London"))
            eid = await store_deadline_election(tx, guild.id, f"storm-{trial}", f"Storm election {trial}", now, lead)
            for i in range(24):
                text = f"Storm post {trial}-{i:02d}"
                expected_posts.append(text)
                await announcements.create(
                    tx,
                    Announcement(
                        guild_id=guild.id,
                        channel_id=channels[i % len(channels)].id,
                        schedule=Schedule(now),
                        content=text,
                        created_by=1,
                        created_by_name="test",
                        created_at=now - timedelta(minutes=5),
                        checked_until=now - timedelta(minutes=5),
                        next_due=now,
                    ),
                )
            await store_deadline_subscriptions(tx, guild.id, subscribers, eid, lead, now)
            await meta.bump_version(tx, guild.id, now, "storm seed")
        storm = sim.faults.rate_limit_storm(POSTS, count=12, retry_after=0.05)  # the first sends all refused
        noisy = [  # then, independently per request, for the rest of the run
            FaultRule("429", POSTS, probability=0.15, retry_after=0.05),
            FaultRule("429", POSTS, probability=0.03, retry_after=0.1, is_global=True),
            FaultRule("5xx", POSTS, probability=0.08, status=502),
            FaultRule("5xx", POSTS, probability=0.04, status=500),
        ]
        sim.faults.rules.extend(noisy)
        engine.kick()
        await engine.run_for(timedelta(minutes=30), step=timedelta(minutes=1))
        injected += storm.hits + sum(r.hits for r in noisy if r.kind == "429")
        sim.faults.clear()
        await engine.run_for(timedelta(minutes=5), step=timedelta(minutes=1))
        await sim.wait_for_idle(timeout=20)
    elapsed = time.monotonic() - started

    posted = Counter(m.content for c in channels for m in sim.channel_messages(c))
    dms = Counter(sum(1 for m in sim.dms(member) if m.author.id == sim.bot_user.id) for member in subscribers)
    ledger = await deliveries.counts(db.reader, guild.id)
    invalid = sim.stats.invalid_requests
    report(
        "429 storms and 5xx on sends",
        trials=rounds,
        posts=sum(posted.values()),
        dms=sum(n * k for n, k in dms.items()),
        rate_limited=sim.stats.rate_limited,
        server_errors=sum(v for s, v in sim.stats.statuses.items() if s >= 500),
        invalid_requests=invalid,
        injected_429s=injected,
        elapsed_s=round(elapsed, 1),
        ledger=dict(ledger),
        violations=len(sim.violations),
    )
    assert {t: posted[t] for t in expected_posts if posted[t] != 1} == {}, "a post was lost or sent twice"
    assert set(posted) == set(expected_posts)
    assert dms == Counter({rounds: len(subscribers)}), dms
    assert ledger.get("failed", 0) == 0 and ledger.get("missed", 0) == 0, ledger
    # Far below the ban threshold: the whole run fits in one 10-minute window and stays under a tenth of it.
    assert invalid < BAN_THRESHOLD / 10, invalid
    assert sim.violations == []
