"""Table 3 — source sync of a 700-body, 10,000-nomination sheet.

The sheet is served over HTTP on 127.0.0.1 (like a published spreadsheet) and run through the real
`SourceService` — fetch, parse, validate, plan, apply in one transaction — on a fresh database that
already holds the election, its bodies and candidates. Rows: the first apply, unchanged re-runs
(answered 304 by ETag, or the same bytes again), and a 1 % change; baselines: a bare fetch of the
sheet and an empty write transaction, measured in the same run.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bench.data import NOW, SyncData, sync_data
from bench.harness import pct
from bench.report import Table, verdict
from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.access import Actor
from bot.domain.sources import Outcome
from bot.services.fetch import Fetcher
from bot.services.imports import apply_import, parse_pack_json, plan_import
from bot.services.sources.commands import SourceService
from bot.store import meta
from bot.store.database import Database
from bot.store.migrations import migrate

GUILD = 4242


@dataclass(frozen=True)
class Sizes:
    """How big a run is."""

    bodies: int = 700
    nominations: int = 10_000
    reruns: int = 20


FULL = Sizes()
QUICK = Sizes(reruns=5)
TINY = Sizes(bodies=30, nominations=200, reruns=2)


class Sheet:
    """A published sheet on 127.0.0.1: serves `body`, with an ETag when `etags` is on."""

    def __init__(self) -> None:
        self.body = b""
        self.etags = True
        self.requests = 0
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        """GET the sheet (304 when the client's ETag matches)."""
        self.requests += 1
        tag = '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'
        if self.etags and request.headers.get("If-None-Match") == tag:
            return web.Response(status=304, headers={"ETag": tag})
        headers = {"ETag": tag} if self.etags else {}
        return web.Response(body=self.body, content_type="text/csv", headers=headers)


@asynccontextmanager
async def serve(sheet: Sheet) -> AsyncIterator[Sheet]:
    """Serve the sheet until the block ends."""
    app = web.Application()
    app.router.add_get("/sheet.csv", sheet.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    sheet.url = f"http://127.0.0.1:{port}/sheet.csv"
    try:
        yield sheet
    finally:
        await runner.cleanup()


@dataclass
class Run:
    """One timed source run and what it wrote."""

    seconds: float
    outcome: Outcome
    changes: int
    rows_written: int  # SQLite row changes on the writer connection
    data_writes: int  # data-version bumps (0 means the election data was not touched)
    audit_rows: int


async def _audit_count(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) FROM audit_log WHERE guild_id = ?", (GUILD,))
    return int(row[0]) if row else 0


async def timed_run(db: Database, service: SourceService, source_id: int) -> Run:
    """Run the source once (as the scheduler would, but now) and measure its writes."""
    version = (await meta.get_version(db.reader, GUILD)).version
    audits = await _audit_count(db)
    changes = db._writer.total_changes
    start = time.perf_counter()
    report = await service.run(source_id, manual=True)
    seconds = time.perf_counter() - start
    return Run(
        seconds,
        report.outcome,
        report.changes,
        db._writer.total_changes - changes,
        (await meta.get_version(db.reader, GUILD)).version - version,
        await _audit_count(db) - audits,
    )


async def run(sizes: Sizes = FULL, *, quick: bool = False, command_line: str = "python -m bench sync") -> Table:
    """Measure and return the table."""
    data: SyncData = sync_data(sizes.bodies, sizes.nominations)
    table = Table(
        "sync",
        f"3. Source sync ({sizes.bodies} bodies, {sizes.nominations:,}-nomination CSV)",
        command_line,
        ["run", "time", "target", "outcome", "rows changed", "SQLite rows written", "data versions", "audit rows"],
        quick=quick,
    )
    with tempfile.TemporaryDirectory(prefix="hustings-bench-sync-") as tmp:
        db = await Database.open(Path(tmp) / "hustings.db")
        await migrate(db)
        try:
            plan = await plan_import(db, GUILD, parse_pack_json(json.dumps(data.pack), "setup.json"))
            await apply_import(db, GUILD, plan, actor_id=None, actor_name="bench", now=NOW)
            settings = Settings(
                _env_file=None, HUSTINGS_DATABASE=str(Path(tmp) / "hustings.db"), HUSTINGS_SOURCE_ALLOW_PRIVATE=True
            )
            service = SourceService(db, ManualClock(NOW), settings)
            sheet = Sheet()
            sheet.body = data.csv()
            async with serve(sheet):
                source = await service.add(
                    Actor(GUILD, 1, "bench", manage_guild=True),
                    election=data.slug,
                    kind="nominations",
                    url=sheet.url,
                    authoritative=True,
                )
                first = await timed_run(db, service, source.id)
                assert first.outcome is Outcome.APPLIED, first
                etag = [await timed_run(db, service, source.id) for _ in range(sizes.reruns)]
                sheet.etags = False
                same = [await timed_run(db, service, source.id) for _ in range(sizes.reruns)]
                sheet.body = data.csv(data.changed(0.01))
                changed = await timed_run(db, service, source.id)
                sheet.body = data.csv()
                fetcher = Fetcher(allow_private=True)
                fetches = []
                for _ in range(sizes.reruns):
                    t = time.perf_counter()
                    await fetcher.fetch(sheet.url)
                    fetches.append(time.perf_counter() - t)
                await fetcher.close()
                empties = []
                for _ in range(sizes.reruns):
                    t = time.perf_counter()
                    async with db.transaction():
                        pass
                    empties.append(time.perf_counter() - t)
            await service.stop()
        finally:
            await db.close()

    def add(label: str, runs: list[Run], target: float | None) -> None:
        p50 = pct([r.seconds for r in runs], 50)
        shown = (
            f"{p50 * 1000:.1f} ms"
            if len(runs) == 1
            else f"p50 {p50 * 1000:.1f} ms, max {max(r.seconds for r in runs) * 1000:.1f} ms"
        )
        target_text = "" if target is None else f"≤ {target * 1000:.0f} ms {verdict(p50, target)}"
        last = runs[-1]
        table.add(
            label,
            shown,
            target_text,
            last.outcome.value,
            last.changes,
            last.rows_written,
            last.data_writes,
            last.audit_rows,
        )

    add("first apply (10,000 nominations added)" if sizes.nominations == 10_000 else "first apply", [first], 1.0)
    add(f"unchanged re-run, server answers 304 (×{len(etag)})", etag, 0.020)
    add(f"unchanged re-run, same bytes again (×{len(same)})", same, 0.020)
    add("1 % changed (½ re-dated, ¼ removed, ¼ added)", [changed], None)
    table.add("baseline: bare HTTP fetch of the sheet", f"p50 {pct(fetches, 50) * 1000:.1f} ms", "", "", "", "", "", "")
    table.add("baseline: empty write transaction", f"p50 {pct(empties, 50) * 1000:.1f} ms", "", "", "", "", "", "")
    table.notes += [
        "Through the real `SourceService.run` (what the scheduler calls), sheet served over HTTP on 127.0.0.1.",
        "*SQLite rows written* counts every row change on the writer connection; an unchanged run writes only "
        "the source's own schedule row (last checked, next run) — no election data, no data-version bump, "
        "no audit row.",
    ]
    return table


if __name__ == "__main__":
    print(asyncio.run(run(QUICK, quick=True)).markdown())
