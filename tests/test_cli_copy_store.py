"""`hustings copy-store FROM TO` (issue #20 part 1), and a PostgreSQL server that can't be reached.

The store under test (`db`: SQLite, or PostgreSQL on the second CI pass) is copied to a SQLite file
and back, so the PostgreSQL pass covers PostgreSQL → SQLite and SQLite → PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from bot.domain.access import Actor
from bot.services.access import AccessService
from bot.services.admin.core import AdminCore
from bot.services.imports import export_pack
from bot.store import meta, replies
from bot.store.copy import counts
from bot.store.database import Database
from tests.helpers import import_pack

GUILD, OTHER = 42, 43
PACK = {
    "version": 1,
    "bodies": [{"name": "Islington North", "members": 300}, {"name": "Hackney South"}],
    "elections": [
        {
            "slug": "nec",
            "name": "National Executive",
            "seats": 2,
            "voting_system": "bloc",
            "candidates": [{"name": "Ann Black"}, {"name": "Jon Lansman"}],
            "nominations": [{"body": "Islington North", "candidates": ["Ann Black"]}],
        }
    ],
}


def hustings(tmp_path: Path, *args: str, database: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command line as a user would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUSTINGS_", "DISCORD_"))}
    env["HUSTINGS_DATABASE"] = database or str(tmp_path / "unused.db")
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )


async def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(hustings, tmp_path, *args)


async def _seed(db: Database, clock) -> int:
    await import_pack(db, GUILD, PACK, clock, "pack.json")
    await import_pack(db, OTHER, {"version": 1, "bodies": [{"name": "Leeds Central"}]}, clock, "other.json")
    core = AdminCore(db, clock, AccessService(db, clock))
    async with core.change(Actor(GUILD, 1, "mod", manage_guild=True), "config.grace") as ch:
        settings = await meta.get_settings(ch.tx, GUILD)
        settings.grace_minutes = 15
        await meta.save_settings(ch.tx, settings)
    async with db.transaction() as tx:
        return await replies.create(tx, GUILD, 5, "candidate", {"name": "Ann Black"}, clock.now())


async def test_copy_store_there_and_back_keeps_every_row_and_id(db: Database, tmp_path: Path, clock) -> None:
    key = await _seed(db, clock)
    before = {g: await export_pack(db, g) for g in (GUILD, OTHER)}
    copy = str(tmp_path / "copy" / "hustings.db")

    out = await _run(tmp_path, "copy-store", str(db.path), copy)
    assert out.returncode == 0, out.stderr
    assert "every server's export and every table's row count match" in out.stdout and "2 servers" in out.stdout

    again = await _run(tmp_path, "copy-store", str(db.path), copy)  # the target now holds data
    assert again.returncode == 1 and len(again.stderr.strip().splitlines()) == 1
    assert "already holds data" in again.stderr and "--force" in again.stderr and "Traceback" not in again.stderr

    back = await _run(tmp_path, "copy-store", copy, str(db.path), "--force")  # and back over the original
    assert back.returncode == 0, back.stderr
    assert {g: await export_pack(db, g) for g in (GUILD, OTHER)} == before
    assert (await replies.get(db.reader, GUILD, key)) is not None  # a button's key still finds its row
    async with db.transaction() as tx:  # the next id follows the copied ones (PostgreSQL's sequences moved)
        assert await replies.create(tx, GUILD, 5, "candidate", {}, clock.now() + timedelta(seconds=1)) > key
    copied = await Database.open(copy)
    try:
        assert {t: n for t, n in (await counts(copied)).items() if n} == {
            t: n for t, n in (await counts(db)).items() if n and t != "reply_keys"
        } | {"reply_keys": 1}
    finally:
        await copied.close()


def test_copy_store_refuses_the_same_database_and_a_missing_source(tmp_path: Path) -> None:
    same = hustings(tmp_path, "copy-store", "a.db", "./a.db")
    assert same.returncode == 2 and "same database" in same.stderr
    missing = hustings(tmp_path, "copy-store", "nowhere.db", "b.db")
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr and len(missing.stderr.strip().splitlines()) == 1


UNREACHABLE = "postgresql://hustings:secret@127.0.0.1:1/hustings"


def test_an_unreachable_postgresql_stops_migrate_with_one_sentence(tmp_path: Path) -> None:
    out = hustings(tmp_path, "migrate", database=UNREACHABLE)
    assert out.returncode == 1
    assert out.stderr.strip().count("\n") == 0 and "Traceback" not in out.stderr
    assert "can't be reached" in out.stderr and "secret" not in out.stderr  # the password is never shown


def test_an_unreachable_postgresql_stops_run_with_one_sentence(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUSTINGS_", "DISCORD_"))}
    env.update(HUSTINGS_DATABASE=UNREACHABLE, DISCORD_TOKEN="x" * 59)
    out = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 1, out.stderr
    assert out.stderr.strip().count("\n") == 0 and "Traceback" not in out.stderr
    assert "can't be reached" in out.stderr and "secret" not in out.stderr
