"""`python -m bench.memory [--interactions N]`: what the bot holds after warm-up (tracemalloc diff).

Diagnostics for the footprint table: runs the footprint mix against a bot process that traces its
allocations, snapshots after the warm-up and at the end, and prints the biggest growths by line
(and the RSS and Python-object counts beside them). Slower than the footprint table: tracing costs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tracemalloc

from bench.footprint import QUICK, Sizes, _drive, _load_demo
from bench.harness import bot_process, world


async def main(sizes: Sizes, top: int) -> None:
    """Run the mix, snapshot after warm-up and at the end, print the top growths."""
    async with world(members=200) as w:
        await _load_demo(w)
        prefix = str(w.folder / "trace")
        os.environ["BENCH_TRACEMALLOC"] = prefix
        try:
            async with bot_process(w) as bot:
                await asyncio.sleep(1.0)
                idle = await bot.snapshot()
                warm_sizes = Sizes(interactions=sizes.warm, warm=sizes.warm, batch=sizes.batch)
                await _drive(w, bot, warm_sizes)
                warm = await bot.snapshot()
                await _drive(w, bot, Sizes(interactions=sizes.interactions - sizes.warm, warm=10**9, batch=sizes.batch))
                end = await bot.snapshot()
                first = tracemalloc.Snapshot.load(f"{prefix}.2")
                last = tracemalloc.Snapshot.load(f"{prefix}.3")
        finally:
            os.environ.pop("BENCH_TRACEMALLOC", None)
    for label, snap in (("idle", idle), ("warm", warm), ("end", end)):
        print(f"{label:5s} RSS {snap['rss_kib'] / 1024:6.1f} MiB  objects {snap.get('objects', 0):,}")
    print(f"\nTop {top} growths, warm → end, by line:")
    for stat in last.compare_to(first, "lineno")[:top]:
        print(f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  {stat.traceback[0]}")
    print(f"\nTop {top} holdings at the end, by file:")
    for stat in last.statistics("filename")[:top]:
        print(f"  {stat.size / 1024:9.1f} KiB {stat.count:7d} blocks  {stat.traceback[0].filename}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__.splitlines()[0])
    p.add_argument("--interactions", type=int, default=QUICK.interactions)
    p.add_argument("--warm", type=int, default=QUICK.warm)
    p.add_argument("--top", type=int, default=15)
    a = p.parse_args()
    asyncio.run(main(Sizes(interactions=a.interactions, warm=a.warm), a.top))
