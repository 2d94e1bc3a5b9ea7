"""Table 6 — results night: a publish, its announcement, 2,000 members asking at once, DMs going out.

An election with 30 candidates and 600 bodies waits unpublished; 2,000 deadline DM reminders (another
election's) fall due; at that moment a moderator publishes with `announce`, the post goes out, and
2,000 members run `/results` within 10 s (every cache cold: the data just changed), 500 of them
pressing Share on their answer. The bot process is the real one, with the simulator's rate limits on.
The same members then run the deferred no-op with the same upload (`/bench deferred`) at the same pace.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from bench import delivery
from bench.data import seed_big_election
from bench.harness import Burst, Timed, World, _watch, bot_process, full_collections, serving_blocks, world
from bench.report import Table, verdict
from bot.domain.settings import GuildSettings
from bot.sim import SimMember
from bot.sim import permissions as perms
from bot.store import meta


@dataclass(frozen=True)
class Sizes:
    """How big a run is."""

    candidates: int = 30
    bodies: int = 600
    members: int = 2000  # each runs /results once
    window: float = 10.0  # seconds over which they ask
    shares: int = 500  # the first members to see their answer press Share
    dms: int = 2000  # deadline DM reminders due at the publish
    due_after: float = 6.0  # seconds after the bot's clock starts


FULL = Sizes()
QUICK = Sizes(members=300, window=5.0, shares=75, dms=300)
TINY = Sizes(candidates=12, bodies=20, members=8, window=1.0, shares=2, dms=6, due_after=4.0)


async def _seed(w: World, sizes: Sizes) -> tuple[set[int], int]:
    """The unpublished election, the DM subscribers (via the delivery table's setup) and the announce channel."""
    _, _, dm_ids = await delivery._setup(
        w, delivery.Sizes(announcements=0, channels=1, subscribers=sizes.dms, due_after=sizes.due_after)
    )
    db = await w.open_db()
    try:
        await seed_big_election(
            db, w.guild.id, candidates=sizes.candidates, bodies=sizes.bodies, slug="big", published=False
        )
        announce = w.guild.channel("announcements")
        async with db.transaction() as tx:
            await meta.save_settings(
                tx, GuildSettings(w.guild.id, timezone="Europe/London", announce_channel_id=announce.id)
            )
    finally:
        await db.close()
    return dm_ids, announce.id


async def _ask(w: World, sizes: Sizes, label: str, name: str, share: bool) -> tuple[Burst, Burst]:
    """Every member runs `name` once, paced over the window; the first `sizes.shares` to see it press Share."""
    asked: list[Timed] = []
    shared: list[Timed] = []
    tasks: list[asyncio.Task[None]] = []
    claimed = [0]
    pace = len(w.members) / sizes.window

    async def press(t: Timed, member: SimMember) -> None:
        await _watch(t, 120.0, False)
        message = t.handle.interaction.visible
        if t.error or message is None or claimed[0] >= sizes.shares:
            return
        claimed[0] += 1  # before any await: exactly `sizes.shares` members press
        try:
            custom_id = message.button("Share")["custom_id"]
        except Exception as exc:  # no Share button: counted as an error of the ask
            t.error = f"no Share button: {exc}"
            return
        s = Timed(await w.sim.click(member, message, custom_id), time.monotonic())
        shared.append(s)
        await _watch(s, 120.0, False)

    start = time.monotonic()
    for i, member in enumerate(w.members):
        delay = start + i / pace - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        t = Timed(await w.sim.invoke(member, name, {}), time.monotonic())
        asked.append(t)
        tasks.append(asyncio.create_task(press(t, member) if share else _watch(t, 120.0, False)))
    await asyncio.gather(*tasks)
    ends = [t.done for t in asked if t.done is not None]
    wall = (max(ends) if ends else time.monotonic()) - start
    share_ends = [t.done for t in shared if t.done is not None]
    share_wall = (max(share_ends) - min(t.created for t in shared)) if share_ends else 0.0
    return Burst(label, asked, wall), Burst("Share", shared, share_wall)


async def run(
    sizes: Sizes = FULL, *, quick: bool = False, command_line: str = "python -m bench results-night"
) -> Table:
    """Measure and return the table."""
    table = Table(
        "results-night",
        f"6. Results night ({sizes.candidates} candidates, {sizes.bodies} bodies; {sizes.members:,} members ask "
        f"within {sizes.window:g} s, {sizes.shares} share, {sizes.dms:,} DMs due)",
        command_line,
        ["measure", "value", "target / baseline"],
        quick=quick,
    )
    async with world(members=sizes.members) as w:
        dm_ids, announce_id = await _seed(w, sizes)
        moderator = w.guild.add_member("moderator", global_name="Mo Derator", permissions=perms.MANAGE_GUILD)
        arrivals = delivery.Arrivals({announce_id}, dm_ids, expected=len(dm_ids) + 1)
        w.sim._core.on_message.append(arrivals.hook)
        w.sim.set_rate_limits(True, **delivery.LIMITS)
        rss: list[int] = []
        async with bot_process(w) as bot:
            rss_idle = bot.rss_kib()
            stop_sampling = asyncio.Event()

            async def sample() -> None:
                while not stop_sampling.is_set():
                    rss.append(bot.rss_kib())
                    try:
                        await asyncio.wait_for(stop_sampling.wait(), 0.25)
                    except TimeoutError:
                        pass

            sampler = asyncio.create_task(sample())
            try:  # the deadline DMs start going out: publish now
                await asyncio.wait_for(arrivals.first.wait(), max(5.0, sizes.due_after * 3))
            except TimeoutError:
                pass
            published_at = time.monotonic()
            publish = Timed(
                await w.sim.invoke(moderator, "/admin results publish", {"election": "big", "announce": True}),
                published_at,
            )
            await _watch(publish, 60.0, False)
            answer = publish.handle.interaction.visible
            if publish.error or answer is None or "Published results" not in answer.text:
                raise RuntimeError(f"the publish did not go through: {publish.error or (answer and answer.text)}")
            channel = w.guild.channel("announcements")
            post = await w.sim.wait_for_message(lambda m: not m.ephemeral, channel=channel, timeout=60)
            post_after = time.monotonic() - published_at
            dms_at_publish = len(arrivals.dm_times)
            results, shares = await _ask(w, sizes, "/results", "/results", share=True)
            dms_after_burst = len(arrivals.dm_times)
            try:
                await asyncio.wait_for(arrivals.done.wait(), 300)
            except TimeoutError:
                pass
            dms_done = (max(arrivals.dm_times) - published_at) if arrivals.dm_times else 0.0
            stop_sampling.set()
            await sampler
            rss_after = bot.rss_kib()
            await w.sim.wait_for_idle(timeout=120, quiet=0.3)
            baseline, _ = await _ask(w, sizes, "/bench deferred", "/bench deferred", share=False)
            await w.sim.wait_for_idle(timeout=120, quiet=0.3)
            plain, _ = await _ask(w, sizes, "/bench noop", "/bench noop", share=False)
            await w.sim.wait_for_idle(timeout=120, quiet=0.3)
        violations = list(w.sim.violations)
        slow = serving_blocks(bot.final)
    assert post is not None
    ratio = results.throughput / baseline.throughput if baseline.throughput else 0.0
    keeps_up = verdict(ratio, 0.7, lower_is_better=False)
    table.add(
        "publish → the moderator's answer / the announcement post",
        f"{(publish.complete or 0) * 1000:.0f} ms / {post_after * 1000:.0f} ms",
        "",
    )
    table.add(
        f"/results time to the visible answer p50 / p99 ({results.count:,})",
        f"{results.complete(50) * 1000:.0f} / {results.complete(99) * 1000:.0f} ms "
        f"{verdict(results.complete(99), 2.0)}",
        f"≤ 2 s p99; deferred no-op: {baseline.complete(50) * 1000:.0f} / {baseline.complete(99) * 1000:.0f} ms",
    )
    table.add(
        "/results first response p50 / p99",
        f"{results.first(50) * 1000:.0f} / {results.first(99) * 1000:.0f} ms",
        f"deferred no-op: {baseline.first(50) * 1000:.0f} / {baseline.first(99) * 1000:.0f} ms",
    )
    table.add(
        "/results throughput vs the deferred no-op (same pace, same upload)",
        f"{results.throughput:.0f}/s vs {baseline.throughput:.0f}/s → {ratio:.2f} {keeps_up}",
        "≥ 0.7",
    )
    table.add(
        "/bench noop (one plain message) at the same pace: throughput, visible p50 / p99",
        f"{plain.throughput:.0f}/s, {plain.complete(50) * 1000:.0f} / {plain.complete(99) * 1000:.0f} ms",
        "",
    )
    table.add(
        f"Share time to the visible post p50 / p99 ({shares.count})",
        f"{shares.complete(50) * 1000:.0f} / {shares.complete(99) * 1000:.0f} ms",
        "",
    )
    table.add("errors (/results, Share) / over 3 s", f"{len(results.errors)}, {len(shares.errors)} / "
              f"{results.over_deadline + shares.over_deadline}", "0 / 0")  # fmt: skip
    minimum = delivery.minimum_seconds([], len(dm_ids))
    table.add(
        "deadline DMs delivered: at the publish / after the /results burst / all",
        f"{dms_at_publish:,} / {dms_after_burst:,} / {len(arrivals.dm_times):,} of {len(dm_ids):,} "
        f"(last {dms_done:.1f} s after the publish)",
        f"alone the limits allow {minimum:.0f} s",
    )
    table.add(
        "bot RSS: before the publish / peak / after",
        f"{rss_idle / 1024:.1f} / {max(rss or [rss_idle]) / 1024:.1f} / {rss_after / 1024:.1f} MiB",
        "",
    )
    table.add("event-loop blocks > 100 ms in the bot", len(slow), "0")
    table.add("Discord-rule violations", len(violations), "0")
    table.notes += [
        "Members ask at an even pace over the window, each once (every cache is cold: the publish bumped the data "
        "version); a member's Share press follows the moment their answer is visible. *First response* = the "
        "member's action → the bot's first callback; *visible answer* = → the chart reply (or the shared post).",
        "Throughput = answered / (first action → last visible answer); the same members then run `/bench deferred` "
        "(defer, then edit in a 25 KB image: the traffic of an uncached chart reply with no work) and `/bench noop` "
        "at the same pace. A `/results` whose chart is already drawn answers in one request (the image in the "
        "callback), the deferred no-op in two, so at full pace the deferred no-op can trail `/results`.",
        f"Simulator rate limits on (global {delivery.LIMITS['global_limit']}/s; interaction callbacks exempt, as on "
        "Discord); the DMs are another election's deadline reminders, due at the publish, their DM channels open.",
        full_collections(bot.final),
    ]
    if violations:
        table.notes.append(f"First violation: {violations[0]}")
    if slow:
        table.notes.append(f"Loop blocks: {'; '.join(slow[:3])}")
    return table


if __name__ == "__main__":
    print(asyncio.run(run(QUICK, quick=True)).markdown())
