"""`hustings sync --guild ID [--source ID]` as an operator runs it (a subprocess), with file:// sources."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.access import Actor
from bot.services.imports import apply_import, parse_pack_json, plan_import
from bot.services.sources.commands import SourceService
from bot.store.database import Database
from bot.store.migrations import migrate
from tests.services.test_sources import candidates_csv, seed_pack

GUILD = 42


def hustings(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUSTINGS_", "DISCORD_"))}
    env["HUSTINGS_DATABASE"] = str(tmp_path / "hustings.db")
    env["HUSTINGS_SOURCE_FOLDER"] = str(tmp_path / "feeds")
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )


async def _setup(tmp_path: Path) -> list[int]:
    clock = ManualClock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    async with await Database.open(tmp_path / "hustings.db") as db:
        await migrate(db)
        plan = await plan_import(db, GUILD, parse_pack_json(seed_pack(), "seed.json"))
        await apply_import(db, GUILD, plan, actor_id=None, actor_name="test", now=clock.now())
        service = SourceService(db, clock, Settings(_env_file=None, HUSTINGS_SOURCE_FOLDER=str(tmp_path / "feeds")))
        mod = Actor(GUILD, 1, "mod", manage_guild=True)
        good = await service.add(mod, election="ncwu-nec", kind="candidates", url="file://c.csv")
        bad = await service.add(mod, election="ncwu-nec", kind="nominations", url="file://missing.csv")
        await service.stop()
        return [good.id, bad.id]


def test_cli_sync(tmp_path: Path) -> None:
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "c.csv").write_text(candidates_csv(5))
    good, bad = asyncio.run(_setup(tmp_path))
    one = hustings(tmp_path, "sync", "--guild", str(GUILD), "--source", str(good))
    assert one.returncode == 0, one.stderr
    assert f"source #{good} (candidates → ncwu-nec): applied" in one.stdout
    assert "candidates: +5 ~0 -0" in one.stdout
    every = hustings(tmp_path, "sync", "--guild", str(GUILD))
    assert every.returncode == 1  # one source failed
    assert f"source #{good} (candidates → ncwu-nec): unchanged" in every.stdout
    assert f"source #{bad} (nominations → ncwu-nec): failed" in every.stdout
    assert "no file missing.csv in the source folder" in every.stdout
    missing = hustings(tmp_path, "sync", "--guild", "7")
    assert missing.returncode == 1 and "has no sources" in missing.stderr
    assert hustings(tmp_path, "sync", "--help").returncode == 0
