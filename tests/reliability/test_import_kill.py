"""8. SIGKILL during a large import: the database is unchanged (or fully imported) and consistent.

`hustings import` loads a 700-body, 10,000-nomination pack into a database that already holds the
demo data; the process is killed with SIGKILL at random moments — while starting, parsing,
planning, or in the middle of the write. Afterwards `PRAGMA integrity_check` is ok and the data is
either exactly the old data or exactly what a completed import gives — never a mixture.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import signal
import sqlite3
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.data import sync_data
from bot.services.imports import apply_import, load_demo_pack, plan_import
from bot.store.database import Database
from bot.store.migrations import migrate
from tests.reliability.support import dump, integrity, report, trials

GUILD = 777
HUSTINGS = shutil.which("hustings", path=str(Path(sys.executable).parent)) or "hustings"
#: Tables whose rows carry the moment of writing (compared apart from their timestamps).
VOLATILE = ("audit_log", "data_versions")


def big_pack() -> dict[str, Any]:
    """The sync benchmark's election as one JSON pack: bodies, election, candidates, 10,000 nominations."""
    data = sync_data(700, 10_000, slug="big-import")
    pack = json.loads(json.dumps(data.pack))
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for body, candidate, on in data.rows:
        grouped[(body, on)].append(candidate)
    pack["elections"][0]["nominations"] = [
        {"body": body, "candidates": names, "date": on} for (body, on), names in grouped.items()
    ]
    return pack


def data_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Everything but the rows that record when (and by whom) a write happened."""
    return dump(path, skip=VOLATILE)


def version(path: Path) -> int:
    """The guild's data version, read with a separate connection."""
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT version FROM data_versions WHERE guild_id = ?", (GUILD,)).fetchone()
    finally:
        conn.close()
    return int(row[0]) if row and row[0] is not None else 0


async def _prepare(tmp: Path) -> Path:
    """A database with the demo data, checkpointed into one file."""
    path = tmp / "old.db"
    db = await Database.open(path)
    await migrate(db)
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    plan = await plan_import(db, GUILD, load_demo_pack(now))
    await apply_import(db, GUILD, plan, actor_id=None, actor_name="test", now=now)
    await db.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


async def _import(
    db_path: Path, pack: Path, kill_after: float | None = None, kill_at_wal: int | None = None
) -> tuple[int | None, float, int]:
    """Run `hustings import`; SIGKILL it after `kill_after` seconds, or as soon as its write-ahead log
    holds `kill_at_wal` bytes (in the middle of the write). Returns (exit code, seconds, largest WAL seen)."""
    env = {**os.environ, "HUSTINGS_DATABASE": str(db_path)}
    env.pop("DISCORD_TOKEN", None)
    wal = Path(str(db_path) + "-wal")
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        HUSTINGS,
        "import",
        str(pack),
        "--guild",
        str(GUILD),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    largest = 0
    while proc.returncode is None:
        size = _size(wal)
        largest = max(largest, size)
        elapsed = time.monotonic() - started
        if (kill_after is not None and elapsed >= kill_after) or (kill_at_wal is not None and size >= kill_at_wal):
            proc.send_signal(signal.SIGKILL)
            break
        try:
            await asyncio.wait_for(proc.wait(), 0.001)
        except TimeoutError:
            pass
    code = await proc.wait()
    return code, time.monotonic() - started, largest


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _fresh_copy(src: Path, dest: Path) -> Path:
    _remove(dest)
    shutil.copyfile(src, dest)
    return dest


async def test_sigkill_during_import_leaves_old_or_new_never_half(tmp_path: Path) -> None:
    old_db = await _prepare(tmp_path)
    pack = tmp_path / "big-pack.json"
    pack.write_text(json.dumps(big_pack()))
    old_rows, old_version = data_rows(old_db), version(old_db)

    done_db = _fresh_copy(old_db, tmp_path / "done.db")  # what a completed import gives
    code, full, wal_bytes = await _import(done_db, pack)
    assert code == 0, "the import itself must succeed"
    new_rows, new_version = data_rows(done_db), version(done_db)
    assert new_rows != old_rows and new_version == old_version + 1
    assert sum(len(v) for v in new_rows.values()) > sum(len(v) for v in old_rows.values()) + 10_000

    rng = random.Random(int(os.environ.get("HUSTINGS_RELIABILITY_SEED", "8")))
    kills = trials(6)
    outcomes: dict[str, int] = {"old": 0, "new": 0}
    problems: list[str] = []
    mid_write = 0
    for trial in range(kills):
        path = _fresh_copy(old_db, tmp_path / f"trial-{trial}.db")
        if trial % 2 == 0 or wal_bytes < 8192:  # any moment: starting, parsing, planning, writing
            moment = rng.uniform(0.05, full * 1.05)
            await _import(path, pack, kill_after=moment)
            when = f"{moment:.2f}s"
        else:  # in the middle of the write: as soon as the WAL has grown to a random point of its final size
            threshold = rng.randint(4096, max(4097, wal_bytes - 1))
            await _import(path, pack, kill_at_wal=threshold)
            mid_write += 1
            when = f"WAL at {threshold:,} bytes"
        health = integrity(path)
        rows, ver = data_rows(path), version(path)
        if health != "ok":
            problems.append(f"trial {trial} (killed at {when}): integrity {health}")
        elif rows == old_rows and ver == old_version:
            outcomes["old"] += 1
        elif rows == new_rows and ver == new_version:
            outcomes["new"] += 1
        else:
            changed = sorted(t for t in set(rows) | set(old_rows) if rows.get(t) != old_rows.get(t))
            problems.append(f"trial {trial} (killed at {when}): half-imported, tables {changed}")
        _remove(path)
    report(
        "SIGKILL during import",
        kills=kills,
        mid_write=mid_write,
        full_import_s=round(full, 2),
        wal_bytes=wal_bytes,
        left_old=outcomes["old"],
        left_new=outcomes["new"],
        problems=len(problems),
    )
    assert problems == [], problems
