"""Table 1 — interaction throughput and latency on a 500-candidate, 700-body election.

Bursts of concurrent slash commands from many members hit the bot process through the simulator;
each command's throughput is compared with a no-op command (`/bench noop`) measured in the same run.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bench.data import seed_big_election
from bench.harness import Burst, World, bot_process, burst, command, serving_blocks, world
from bench.report import Table, verdict


@dataclass(frozen=True)
class Sizes:
    """How big a run is."""

    concurrent: int = 2000
    uncached: int = 200
    candidates: int = 500
    bodies: int = 700
    members: int = 100


FULL = Sizes()
QUICK = Sizes(concurrent=200, uncached=20)
TINY = Sizes(concurrent=10, uncached=3, candidates=40, bodies=30, members=5)


async def _settle(w: World) -> None:
    await w.sim.wait_for_idle(timeout=120, quiet=0.2)


async def _pair(w: World, label: str, name: str, options, n: int, *, within: float = 120.0) -> tuple[Burst, Burst]:
    """A no-op burst, then the command's burst of the same size."""
    noop = await burst(w.sim, w.members, "/bench noop", command(w.sim, "/bench noop"), n, within=within)
    await _settle(w)
    measured = await burst(w.sim, w.members, label, command(w.sim, name, options), n, within=within)
    await _settle(w)
    return noop, measured


def _row(table: Table, b: Burst, noop: Burst) -> None:
    ratio = b.throughput / noop.throughput if noop.throughput else 0.0
    table.add(
        b.label, b.count, f"{b.throughput:.0f}/s", f"{noop.throughput:.0f}/s",
        f"{ratio:.2f} {verdict(ratio, 0.8, lower_is_better=False)}",
        f"{b.first(50) * 1000:.0f} ms", f"{b.first(99) * 1000:.0f} ms {verdict(b.first(99), 3.0)}",
        f"{noop.first(99) * 1000:.0f} ms", f"{b.complete(99) * 1000:.0f} ms", b.over_deadline, len(b.errors),
    )


async def run(sizes: Sizes = FULL, *, quick: bool = False, command_line: str = "python -m bench interactions") -> Table:
    """Measure and return the table."""
    table = Table(
        "interactions",
        f"1. Interaction throughput and latency ({sizes.concurrent:,} concurrent, {sizes.candidates} candidates, "
        f"{sizes.bodies} bodies)",
        command_line,
        ["command", "n", "throughput", "no-op throughput", "ratio (≥ 0.8)", "p50 first response",
         "p99 first response (≪ 3 s)", "no-op p99 first", "p99 complete", "> 3 s", "errors"],
        quick=quick,
    )
    async with world(members=sizes.members) as w:
        db = await w.open_db()
        try:
            big = await seed_big_election(db, w.guild.id, candidates=sizes.candidates, bodies=sizes.bodies)
        finally:
            await db.close()
        names = big.candidates
        cases = [
            ("/candidate", "/candidate", lambda i: {"name": names[i % len(names)]}),
            ("/nominations progress (chart cached)", "/nominations progress", None),
            ("/results (chart cached)", "/results", None),
        ]
        slow: list[str] = []
        async with bot_process(w) as bot:
            for _, name, options in cases:  # warm the read model and the chart cache
                await burst(w.sim, w.members, "warm-up", command(w.sim, name, options), 5, within=60)
            await burst(w.sim, w.members, "warm-up", command(w.sim, "/bench noop"), 5)
            await _settle(w)
            for label, name, options in cases:
                noop, measured = await _pair(w, label, name, options, sizes.concurrent)
                _row(table, measured, noop)
        slow += serving_blocks(bot.final)
        uncached = [
            ("/nominations progress (uncached)", "/nominations progress"),
            ("/results (uncached)", "/results"),
        ]
        async with bot_process(w, no_chart_cache=True) as bot:
            await burst(w.sim, w.members, "warm-up", command(w.sim, "/results"), 2, within=60)
            await _settle(w)
            for label, name in uncached:
                noop, measured = await _pair(w, label, name, None, sizes.uncached, within=600)
                _row(table, measured, noop)
        slow += serving_blocks(bot.final)
        violations = list(w.sim.violations)
    table.notes += [
        "Each row: a no-op burst (`/bench noop`, one ephemeral message) then the command's burst of the same size, "
        "all dispatched at once by the simulator to the bot process; throughput = answered / (first dispatch → last "
        "visible answer). *First response* = member's action → the bot's first callback (message or deferral); "
        "*complete* = → the visible answer. Commands that draw a chart defer first.",
        "Uncached rows draw every chart afresh (chart cache disabled in the bot process) with fewer interactions.",
        f"Discord-rule violations recorded by the simulator: {len(violations)}; event-loop blocks > 100 ms in the "
        f"bot: {len(slow)}.",
    ]
    if violations:
        table.notes.append(f"First violation: {violations[0]}")
    if slow:
        table.notes.append(f"Loop blocks: {'; '.join(slow[:3])}")
    return table


if __name__ == "__main__":
    print(asyncio.run(run(QUICK, quick=True)).markdown())
