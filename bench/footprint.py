"""Table 5 — footprint: start-up time to READY, idle memory with the demo pack, growth over 10,000 interactions.

The bot runs in its own process, so its resident memory (VmRSS) is the bot's alone. The baseline is
a bare `discord.Client` connecting to the same simulator in the same run.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

from bench.data import NOW
from bench.harness import World, bot_process, burst, full_collections, serving_blocks, startup_blocks, world
from bench.report import Table, verdict
from bot.services.imports import apply_import, load_demo_pack, plan_import
from bot.sim import SimMember


@dataclass(frozen=True)
class Sizes:
    """How big a run is."""

    interactions: int = 10_000
    warm: int = 500
    batch: int = 250
    starts: int = 3  # start-up is timed this many times


FULL = Sizes()
QUICK = Sizes(interactions=2000, warm=250, starts=2)
TINY = Sizes(interactions=60, warm=20, batch=20, starts=1)

CANDIDATES = [
    "Yasmine Dar",
    "Jon Lansman",
    "Rachel Garnham",
    "Eddie Izzard",
    "Aileen Marsh",
    "Tomasz Wróbel",
    "Priya Nandakumar",
    "Gareth Pryce",
]


async def _load_demo(w: World) -> None:
    db = await w.open_db()
    try:
        plan = await plan_import(db, w.guild.id, load_demo_pack(NOW))
        await apply_import(db, w.guild.id, plan, actor_id=None, actor_name="bench", now=NOW)
    finally:
        await db.close()


def _mixed(w: World):
    """A member-like mix of commands and autocomplete over the demo pack."""
    rng = random.Random(3)
    sim = w.sim

    async def go(i: int, member: SimMember):
        kind = i % 10
        if kind == 0:
            return await sim.invoke(member, "/nominations progress", {})
        if kind == 1:
            return await sim.invoke(member, "/results", {"election": "nec-2018"})
        if kind == 2:
            return await sim.invoke(member, "/candidates", {})
        if kind == 3:
            return await sim.invoke(member, "/election info", {})
        if kind == 4:
            return await sim.invoke(member, "/slate info", {"name": "Broad Left Alliance"})
        if kind in (5, 6):
            handle = await sim.invoke(member, "/candidate", {"name": rng.choice(CANDIDATES)})
            return handle
        return await sim.invoke(member, "/nominations for", {"candidate": rng.choice(CANDIDATES[4:])})

    return go


async def _drive(w: World, bot, sizes: Sizes, settle: float = 1.0) -> tuple[int, int, int]:
    """Run the interactions in batches; RSS after the warm-up and at the end, and the error count."""
    go = _mixed(w)
    done = errors = warm = 0
    while done < sizes.interactions:
        n = min(sizes.batch, sizes.interactions - done)
        b = await burst(w.sim, w.members, "mix", lambda i, m, base=done: go(base + i, m), n, within=120)
        errors += len(b.errors)
        done += n
        if not warm and done >= sizes.warm:
            warm = await _settled_rss(w, bot, settle)
    return warm, await _settled_rss(w, bot, settle), errors


async def _settled_rss(w: World, bot, settle: float) -> int:
    """The bot's RSS once it has been idle for `settle` seconds (the same moment after warm-up and at the end)."""
    await w.sim.wait_for_idle(timeout=60, quiet=0.5)
    await asyncio.sleep(settle)
    await w.sim.wait_for_idle(timeout=60, quiet=0.5)
    return bot.rss_kib()


def _mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


async def run(sizes: Sizes = FULL, *, quick: bool = False, command_line: str = "python -m bench footprint") -> Table:
    """Measure and return the table."""
    table = Table(
        "footprint",
        f"5. Footprint (demo pack; {sizes.interactions:,} interactions)",
        command_line,
        ["measure", "Hustings", "bare discord.py client", "target"],
        quick=quick,
    )
    async with world(members=200) as w:
        await _load_demo(w)
        bare_ready, bare_rss = [], []
        for _ in range(sizes.starts):
            async with bot_process(w, bare=True, extensions=()) as bare:
                await asyncio.sleep(1.0)
                bare_ready.append(bare.ready_wall)
                bare_rss.append(bare.rss_kib())
        ready: list[float] = []
        for _ in range(max(0, sizes.starts - 1)):
            async with bot_process(w) as bot:
                ready.append(bot.ready_wall)
        async with bot_process(w) as bot:
            ready.append(bot.ready_wall)
            await asyncio.sleep(1.0)
            idle = bot.rss_kib()
            warm, after, errors = await _drive(w, bot, sizes)
            snap = await bot.snapshot()  # (also hands free heap back to the OS: see rss_kib_trimmed)
        violations = len(w.sim.violations)
    growth_idle = (after - idle) / idle * 100
    growth_warm = (after - warm) / warm * 100 if warm else 0.0
    start_ratio = min(ready) / min(bare_ready)
    table.add(
        f"start-up to READY (spawn → READY, best of {len(ready)})",
        f"{min(ready):.2f} s = {start_ratio:.2f} × {verdict(start_ratio, 2.0)}",
        f"{min(bare_ready):.2f} s",
        "≤ 2 × the bare client",
    )
    rss_ratio = idle / min(bare_rss)
    table.add(
        "idle RSS (demo pack loaded, before any interaction)",
        f"{_mib(idle)} = {rss_ratio:.2f} × {verdict(rss_ratio, 1.5)}",
        _mib(min(bare_rss)),
        "≤ 1.5 × the bare client",
    )
    table.add(f"RSS after {sizes.warm:,} interactions (warm)", _mib(warm), "", "")
    table.add(f"RSS after {sizes.interactions:,} interactions", _mib(after), "", "")
    table.add("growth vs idle (first use: Pillow and fonts, caches filling)", f"{growth_idle:+.1f} %", "", "diagnostic")
    table.add(
        f"growth after warm-up ({sizes.warm:,} → {sizes.interactions:,})",
        f"{growth_warm:+.1f} % {verdict(growth_warm, 5.0)}",
        "",
        "≤ 5 %",
    )
    if snap.get("rss_kib_trimmed"):
        trimmed = snap["rss_kib_trimmed"]
        table.add(
            "… after glibc returns free heap to the OS (malloc_trim)",
            f"{_mib(trimmed)} ({(trimmed - idle) / idle * 100:+.1f} % vs idle, "
            f"{(trimmed - warm) / warm * 100 if warm else 0:+.1f} % vs warm)",
            "",
            "diagnostic",
        )
    table.add("Python objects alive at the end", f"{snap.get('objects', 0):,}", "", "")
    table.add("live reply views held by discord.py at the end", snap.get("views", "?"), "", "")
    table.add("errors / Discord-rule violations", f"{errors} / {violations}", "", "0 / 0")
    table.notes += [
        "RSS = VmRSS of the bot process from /proc, read by the benchmark; start-up includes the interpreter, "
        "imports, migrations, loading cogs, syncing commands and the gateway handshake; both processes load "
        "compiled bytecode, as an installed wheel (or the Docker image) has it (`bench.harness.compile_bytecode`: "
        "with PYTHONDONTWRITEBYTECODE set, a source checkout compiled the project at every start, 0.2 s).",
        "Mix: /candidate, /nominations for, /nominations progress (chart), /results (chart), /candidates, "
        f"/election info, /slate info; {sizes.batch} at a time from 200 members.",
        f"Start-up blocks of the event loop > 100 ms (before READY): {len(startup_blocks(snap))}; "
        f"while serving: {len(serving_blocks(snap))}.",
        full_collections(snap),
        "Replies keep nothing live: their Prev/Next/Share buttons carry the reply in their custom ids "
        "(`bot.render.views.SentButtons`, which discord.py does not store), so *live reply views* stays 0.",
    ]
    if serving_blocks(snap):
        table.notes.append(f"Loop blocks: {'; '.join(serving_blocks(snap)[:3])}")
    return table


if __name__ == "__main__":
    print(asyncio.run(run(QUICK, quick=True)).markdown())
