"""`python -m bench TABLE [--quick]`: run benchmark tables and write them into BENCHMARKS.md.

Tables: interactions, autocomplete, sync, delivery, footprint, results-night, charts, or `all` (each in its own process
run of the bot against the simulator; the figures of one table come from one run). `--quick` runs
reduced sizes for a fast sanity check and only prints (add `--write` to record them anyway).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench import autocomplete, charts, delivery, footprint, interactions, results_night, sync
from bench.report import Table, write

TABLES: dict[str, Any] = {
    "interactions": interactions,
    "autocomplete": autocomplete,
    "sync": sync,
    "delivery": delivery,
    "footprint": footprint,
    "results-night": results_night,
    "charts": charts,
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("table", choices=[*TABLES, "all"], help="which table to measure")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="reduced sizes: a sanity run in a minute or two")
    size.add_argument("--tiny", action="store_true", help="smallest sizes (the smoke test): seconds")
    p.add_argument("--write", action="store_true", help="record quick/tiny figures in BENCHMARKS.md too")
    p.add_argument("--no-write", action="store_true", help="print only, even for a full run")
    p.add_argument("--dm-rate", type=float, help="delivery: override the engine's DM pacing (experiments)")
    return p


def command_line(table: str, quick: bool, tiny: bool, dm_rate: float | None) -> str:
    """The command that reproduces one table."""
    parts = ["python -m bench", table]
    if quick:
        parts.append("--quick")
    if tiny:
        parts.append("--tiny")
    if dm_rate and table == "delivery":
        parts.append(f"--dm-rate {dm_rate:g}")
    return " ".join(parts)


async def measure(name: str, *, quick: bool = False, tiny: bool = False, dm_rate: float | None = None) -> Table:
    """Run one table at the chosen size."""
    module = TABLES[name]
    sizes = module.TINY if tiny else module.QUICK if quick else module.FULL
    kwargs: dict[str, Any] = {"quick": quick or tiny, "command_line": command_line(name, quick, tiny, dm_rate)}
    if name == "delivery" and dm_rate:
        kwargs["dm_rate"] = dm_rate
    runner: Callable[..., Awaitable[Table]] = module.run
    return await runner(sizes, **kwargs)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen tables; print each; write them into BENCHMARKS.md for full runs."""
    args = _parser().parse_args(argv)
    names = list(TABLES) if args.table == "all" else [args.table]
    record = (args.write or not (args.quick or args.tiny)) and not args.no_write
    tables: list[Table] = []
    for name in names:
        started = time.monotonic()
        table = asyncio.run(measure(name, quick=args.quick, tiny=args.tiny, dm_rate=args.dm_rate))
        print(table.markdown())
        print(f"({name}: {time.monotonic() - started:.0f} s)\n", file=sys.stderr)
        tables.append(table)
        if record:
            write([table])  # after each table, so a long `all` keeps what it measured
    return 0


if __name__ == "__main__":
    sys.exit(main())
