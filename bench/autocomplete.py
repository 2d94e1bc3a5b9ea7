"""Table 2 — autocomplete on a 5,000-candidate election: handler time and round trips vs a no-op handler.

Members type prefixes ("ai", "aisha a") and fragments from inside words ("bbot", "ll-wi", "jose" for
"José") into `/candidate name`; the bot process times each handler call (`bench.instrument`), and
the simulator times each round trip. The no-op is `/bench complete`, whose handler echoes the text.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

from bench.data import seed_big_election
from bench.harness import Burst, bot_process, pct, serving_blocks, world
from bench.report import Table, verdict
from bot.domain.matching import normalise


@dataclass(frozen=True)
class Sizes:
    """How big a run is."""

    candidates: int = 5000
    bodies: int = 700
    queries: int = 5000
    typists: int = 20  # members typing at the same time
    members: int = 50


FULL = Sizes()
QUICK = Sizes(queries=1000)
TINY = Sizes(candidates=200, bodies=30, queries=40, typists=4, members=5)


def queries(names: list[str], count: int, seed: int = 11) -> list[tuple[str, str]]:
    """(kind, text) pairs: growing prefixes as typed, then mid-word fragments, folded or not."""
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    while len(out) < count:
        name = rng.choice(names)
        first, _, last = name.partition(" ")
        for n in range(1, min(6, len(first)) + 1):  # typing the first name, keystroke by keystroke
            out.append(("prefix", first[:n].lower()))
        out.append(("prefix", f"{first} {last[:2]}"))
        out.append(("surname", last[: rng.randint(2, 5)]))
        folded = normalise(name).replace(" ", "")
        if len(folded) > 6:
            start = rng.randint(1, len(folded) - 4)
            out.append(("fragment", folded[start : start + rng.randint(3, 4)]))
        out.append(("folded", normalise(name)[: rng.randint(3, 8)]))
    return out[:count]


async def burst_autocomplete(w, command: str, focused: str, texts: list[str], typists: int) -> Burst:
    """Run autocomplete round trips, `typists` concurrently, timing each from request to choices."""
    import time

    from bench.harness import Timed

    sem = asyncio.Semaphore(typists)
    timed: list[Timed] = []
    start = time.monotonic()

    async def one(i: int) -> None:
        async with sem:
            member = w.members[i % len(w.members)]
            t0 = time.monotonic()
            try:
                await w.sim.autocomplete(member, command, focused, texts[i])
                t = Timed(handle=None, created=t0, ack=time.monotonic())  # type: ignore[arg-type]
                t.done = t.ack
            except Exception as exc:  # a rejected or missing answer
                t = Timed(handle=None, created=t0, error=repr(exc))  # type: ignore[arg-type]
            timed.append(t)

    await asyncio.gather(*(one(i) for i in range(len(texts))))
    return Burst(command, timed, time.monotonic() - start)


async def run(sizes: Sizes = FULL, *, quick: bool = False, command_line: str = "python -m bench autocomplete") -> Table:
    """Measure and return the table."""
    table = Table(
        "autocomplete",
        f"2. Autocomplete ({sizes.candidates:,} candidates, {sizes.queries:,} keystrokes, {sizes.typists} members "
        "typing at once)",
        command_line,
        [
            "handler",
            "queries",
            "handler p50",
            "handler p99 (≤ 5 ms)",
            "round trip p50",
            "round trip p99",
            "throughput",
            "ratio to no-op",
            "errors",
        ],
        quick=quick,
    )
    async with world(members=sizes.members) as w:
        db = await w.open_db()
        try:
            big = await seed_big_election(db, w.guild.id, candidates=sizes.candidates, bodies=sizes.bodies)
        finally:
            await db.close()
        qs = queries(big.candidates, sizes.queries)
        texts = [q for _, q in qs]
        rows = []
        async with bot_process(w, extensions=("bench.noop_cog", "bench.instrument")) as bot:
            await burst_autocomplete(w, "/candidate", "name", texts[:20], 4)  # build the read model's index
            await burst_autocomplete(w, "/bench complete", "query", texts[:20], 4)
            for typists in (1, sizes.typists):
                part = texts if typists > 1 else texts[: max(20, len(texts) // 4)]
                before = (await bot.snapshot()).get("timings", {})
                noop = await burst_autocomplete(w, "/bench complete", "query", part, typists)
                real = await burst_autocomplete(w, "/candidate", "name", part, typists)
                after = (await bot.snapshot()).get("timings", {})
                rows.append((typists, before, after, noop, real))
        slow = serving_blocks(bot.final)

    kinds: dict[str, list[float]] = {}
    for typists, before, after, noop, real in rows:

        def handler(label: str, before=before, after=after) -> list[float]:
            return after.get(label, [])[len(before.get(label, [])) :]

        cand, nop = handler("candidate:name"), handler("bench complete:query")
        ratio = real.throughput / noop.throughput if noop.throughput else 0.0
        who = "1 member typing" if typists == 1 else f"{typists} typing at once"
        table.add(
            f"`/candidate name`, {who}",
            len(cand),
            f"{pct(cand, 50) * 1000:.2f} ms",
            f"{pct(cand, 99) * 1000:.2f} ms {verdict(pct(cand, 99), 0.005)}",
            f"{real.first(50) * 1000:.1f} ms",
            f"{real.first(99) * 1000:.1f} ms",
            f"{real.throughput:.0f}/s",
            f"{ratio:.2f}",
            len(real.errors),
        )
        table.add(
            f"no-op (`/bench complete`), {who}",
            len(nop),
            f"{pct(nop, 50) * 1000:.3f} ms",
            f"{pct(nop, 99) * 1000:.3f} ms",
            f"{noop.first(50) * 1000:.1f} ms",
            f"{noop.first(99) * 1000:.1f} ms",
            f"{noop.throughput:.0f}/s",
            "1.00",
            len(noop.errors),
        )
        if typists == 1:
            for (kind, _), seconds in zip(qs, cand, strict=False):
                kinds.setdefault(kind, []).append(seconds)
    detail = ", ".join(f"{k} p99 {pct(v, 99) * 1000:.2f} ms" for k, v in sorted(kinds.items()))
    table.notes += [
        "Handler time is measured inside the bot process around the autocomplete callback (read-model lookup, "
        "name search, labels); round trip = the simulator sending the keystroke → receiving the choices.",
        f"By query kind (1 member typing): {detail}.",
        f"Event-loop blocks > 100 ms in the bot while serving: {len(slow)}"
        + (f" ({'; '.join(slow[:3])})" if slow else "")
        + ".",
    ]
    return table


if __name__ == "__main__":
    print(asyncio.run(run(QUICK, quick=True)).markdown())
