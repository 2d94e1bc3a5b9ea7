"""`python -m bench.cpu [--n 1000] [--profile FILE]`: the bot process's CPU per `/candidate` against the no-op's.

Throughput on a shared machine is noisy; the CPU time the bot process spends per interaction is
not. Bursts of `--n` interactions (no-op, then `/candidate` on the 500-candidate election, then the
no-op again) hit the bot process; its user + system time from /proc is read around each burst.
With `--profile FILE`, a cProfile of the bot during the `/candidate` bursts is written there
(read it with `python -m pstats FILE`); profiling slows the bot, so its CPU figures are printed apart.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from pathlib import Path

from bench.data import seed_big_election
from bench.harness import bot_process, burst, command, world

_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (seconds)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


async def main(n: int, rounds: int, profile: Path | None, freeze: bool = False) -> None:
    """Alternate no-op and `/candidate` bursts; print CPU ms per interaction for each."""
    async with world(members=100) as w:
        db = await w.open_db()
        try:
            big = await seed_big_election(db, w.guild.id, candidates=500, bodies=700)
        finally:
            await db.close()
        names = big.candidates
        cases = {
            "/bench noop": command(w.sim, "/bench noop"),
            "/candidate": command(w.sim, "/candidate", lambda i: {"name": names[i % len(names)]}),
        }
        spent: dict[str, list[float]] = {k: [] for k in cases}
        walls: dict[str, list[float]] = {k: [] for k in cases}
        late: dict[str, list[str]] = {k: [] for k in cases}
        async with bot_process(w, profile=profile) as bot:
            for go in cases.values():  # warm up
                await burst(w.sim, w.members, "warm-up", go, 50, within=60)
            await w.sim.wait_for_idle(timeout=60, quiet=0.2)
            if freeze:  # experiment: gc.freeze() once warm (SIGHUP)
                bot.proc.send_signal(signal.SIGHUP)
                await asyncio.sleep(0.5)
            for _ in range(rounds):
                for name, go in cases.items():
                    if profile is not None and name == "/candidate":
                        bot.proc.send_signal(signal.SIGUSR2)
                    before = cpu_seconds(bot.pid)
                    b = await burst(w.sim, w.members, name, go, n, within=120)
                    await w.sim.wait_for_idle(timeout=60, quiet=0.2)
                    spent[name].append((cpu_seconds(bot.pid) - before) / n * 1000)
                    walls[name].append(b.throughput)
                    late[name].append(
                        f"p99 first {b.first(99) * 1000:.0f} ms, complete {b.complete(99) * 1000:.0f} ms, "
                        f"> 3 s {b.over_deadline}, errors {len(b.errors)}"
                    )
                    if profile is not None and name == "/candidate":
                        bot.proc.send_signal(signal.SIGUSR2)
                        await asyncio.sleep(0.5)
            snap = await bot.snapshot()
            rss = bot.rss_kib()
    note = " (profiled: /candidate slowed by cProfile)" if profile else ""
    print(f"bot CPU per interaction, bursts of {n}, {rounds} rounds{note}:")
    for name in cases:
        cpu = sorted(spent[name])
        tp = sorted(walls[name])
        print(
            f"  {name:12s} CPU {cpu[len(cpu) // 2]:6.2f} ms/interaction (min {cpu[0]:.2f})   "
            f"throughput {tp[len(tp) // 2]:.0f}/s"
        )
        for line in late[name]:
            print(f"      {line}")
    collected = snap.get("gc", {}).pop("collected", 0)
    for entry in snap.get("gc", {}).pop("census", []):  # BENCH_GC_CENSUS=1
        print(
            f"  full collection walked gens {entry['sizes']} (frozen {entry['frozen']:,}): "
            f"{entry.get('ms', 0):.1f} ms, {entry.get('collected', 0):,} collected"
        )
        for kind, count in entry["by_type"][:20]:
            print(f"      {count:7,} {kind}")
    for gen, g in snap.get("gc", {}).items():
        print(f"  GC gen {gen}: {g['count']} collections, {g['total_ms']:.0f} ms in all, longest {g['max_ms']:.1f} ms")
    print(f"  cyclic garbage collected: {collected:,} objects")
    for kind, count in snap.get("garbage_by_type", []):
        print(f"      {count:7,} {kind}")
    print(f"  RSS at the end {rss / 1024:.1f} MiB; Python objects {snap.get('objects', 0):,}")
    noop, cand = sorted(spent["/bench noop"]), sorted(spent["/candidate"])
    print(f"  CPU ratio no-op / /candidate: {noop[len(noop) // 2] / cand[len(cand) // 2]:.2f}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(prog="python -m bench.cpu", description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--profile", type=Path, help="write a cProfile of the bot's /candidate bursts here")
    p.add_argument("--freeze", action="store_true", help="gc.freeze() in the bot once warm (experiment)")
    a = p.parse_args()
    if a.profile is not None:
        os.environ["BENCH_PROFILE_WINDOW"] = "1"  # the bot profiles only between SIGUSR2s
    asyncio.run(main(a.n, a.rounds, a.profile, a.freeze))
