"""Operator faults at the command line (#15 items 3, 4, 7): damaged files, backups, restore, health.

Each command runs as a subprocess, as an operator or a restart policy would run it, with a timeout:
a command that hangs (a connection thread left open) fails the test instead of passing silently.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest

from bot.store.sidecar import Heartbeat, RunLock, write_heartbeat
from tests.test_cli import hustings

COMMANDS = (("migrate",), ("export", "--guild", "7"), ("run",), ("backup", "copy.db"), ("sync", "--guild", "7"))


def _live(tmp_path: Path) -> Path:
    return tmp_path / "db" / "hustings.db"


def _demo(tmp_path: Path) -> Path:
    result = hustings(tmp_path, "demo", "--guild", "7")
    assert result.returncode == 0, result.stderr
    return _live(tmp_path)


def _damage(tmp_path: Path, how: str) -> Path:
    live = _live(tmp_path)
    if how == "random":
        live.parent.mkdir(parents=True, exist_ok=True)
        live.write_bytes(os.urandom(64 * 1024))
    else:  # truncated: a real database cut short, as a full disk or an interrupted copy leaves it
        _demo(tmp_path)
        data = live.read_bytes()
        for suffix in ("-wal", "-shm"):
            live.with_name(live.name + suffix).unlink(missing_ok=True)
        live.write_bytes(data[: len(data) // 3])
    return live


def _one_sentence(result, live: Path) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # no traceback
    assert str(live) in lines[0]


@pytest.mark.parametrize("how", ["random", "truncated"])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_damaged_database_exits_with_one_sentence(tmp_path, how, command) -> None:
    live = _damage(tmp_path, how)
    result = hustings(tmp_path, *command, env={"DISCORD_TOKEN": "x" * 59})
    _one_sentence(result, live)
    assert "damaged" in result.stderr
    if command[0] == "run":
        assert "hustings restore" in result.stderr


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write read-only files")
@pytest.mark.parametrize("command", [("migrate",), ("run",)], ids=lambda c: c[0])
def test_a_read_only_database_exits_with_one_sentence(tmp_path, command) -> None:
    live = _demo(tmp_path)
    live.chmod(0o444)
    live.parent.chmod(0o555)
    try:
        result = hustings(tmp_path, *command, env={"DISCORD_TOKEN": "x" * 59})
    finally:
        live.parent.chmod(0o755)
    _one_sentence(result, live)
    assert "read-only" in result.stderr


def test_run_refuses_a_file_that_fails_quick_check(tmp_path) -> None:
    live = _demo(tmp_path)
    # Damage an index page but leave the header intact: opening works, quick_check does not.
    conn = sqlite3.connect(live)
    conn.execute("PRAGMA journal_mode = DELETE")
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE type = 'index' AND rootpage > 1 LIMIT 1").fetchone()
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(live, "r+b") as f:
        f.seek((root[0] - 1) * page_size)
        f.write(b"\x0d" + os.urandom(page_size - 1))
    result = hustings(tmp_path, "run", env={"DISCORD_TOKEN": "x" * 59})
    _one_sentence(result, live)
    assert "damaged" in result.stderr and "hustings restore" in result.stderr


# ----------------------------------------------------------------------------------------- backup


def test_backup_refuses_the_live_file_as_destination(tmp_path) -> None:
    live = _demo(tmp_path)
    before = live.read_bytes()
    for dest in (live, live.with_name(live.name + "-wal"), tmp_path / "db" / "." / "hustings.db"):
        result = hustings(tmp_path, "backup", str(dest))
        assert result.returncode == 2
        assert "live database" in result.stderr
    assert live.read_bytes() == before


def test_backup_of_a_damaged_database_fails_loudly_and_keeps_the_previous_backup(tmp_path) -> None:
    live = _demo(tmp_path)
    good = tmp_path / "backup.db"
    assert hustings(tmp_path, "backup", str(good)).returncode == 0
    kept = good.read_bytes()
    conn = sqlite3.connect(live)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA writable_schema = ON")  # an index that no longer matches its table: a damaged file
    conn.execute("UPDATE sqlite_master SET sql = replace(sql, 'guild_id', 'guild_id DESC') WHERE type = 'index'")
    conn.commit()
    conn.close()
    with open(live, "r+b") as f:
        size = live.stat().st_size
        f.seek(size // 2)
        f.write(os.urandom(8192))
    result = hustings(tmp_path, "backup", str(good))
    assert result.returncode == 1
    assert "backed up" not in result.stdout
    assert good.read_bytes() == kept  # the last good backup is never overwritten by a bad copy


def test_backup_export_and_sync_never_migrate_the_live_database(tmp_path) -> None:
    live = _demo(tmp_path)
    conn = sqlite3.connect(live)  # the database of a bot one schema version behind this CLI
    latest = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
    conn.execute("DELETE FROM schema_migrations WHERE version = ?", (latest,))
    conn.commit()
    conn.close()
    for command in (("backup", str(tmp_path / "b.db")), ("export", "--guild", "7"), ("sync", "--guild", "7")):
        result = hustings(tmp_path, *command)
        assert result.returncode == 1, command
        assert "hustings migrate" in result.stderr
        conn = sqlite3.connect(live)
        assert conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == latest - 1, command
        conn.close()


def test_backup_does_not_create_a_missing_database(tmp_path) -> None:
    result = hustings(tmp_path, "backup", str(tmp_path / "b.db"))
    assert result.returncode == 1
    assert "does not exist" in result.stderr
    assert not _live(tmp_path).exists()


# ---------------------------------------------------------------------------------------- restore


def test_restore_replaces_the_database_and_keeps_the_old_one(tmp_path) -> None:
    live = _demo(tmp_path)
    backup = tmp_path / "backup.db"
    assert hustings(tmp_path, "backup", str(backup)).returncode == 0
    conn = sqlite3.connect(live)
    conn.execute("DELETE FROM nominations")  # a mistake made after the backup
    conn.commit()
    conn.close()
    result = hustings(tmp_path, "restore", str(backup))
    assert result.returncode == 0, result.stderr
    aside = [p for p in live.parent.iterdir() if ".replaced-" in p.name and not p.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1 and aside[0].name in result.stdout
    assert sqlite3.connect(aside[0]).execute("SELECT count(*) FROM nominations").fetchone()[0] == 0
    assert sqlite3.connect(live).execute("SELECT count(*) FROM nominations").fetchone()[0] > 0
    assert json.loads(hustings(tmp_path, "export", "--guild", "7").stdout)["elections"]


def test_restore_refuses_while_the_bot_holds_the_database(tmp_path) -> None:
    live = _demo(tmp_path)
    backup = tmp_path / "backup.db"
    assert hustings(tmp_path, "backup", str(backup)).returncode == 0
    before = live.stat().st_ino
    with RunLock(live):  # what `hustings run` holds while it runs
        result = hustings(tmp_path, "restore", str(backup))
        second = hustings(tmp_path, "run", env={"DISCORD_TOKEN": "x" * 59})
    assert result.returncode == 1 and "stop it" in result.stderr
    assert second.returncode == 1 and "already running" in second.stderr
    assert live.stat().st_ino == before


@pytest.mark.parametrize("bad", ["damaged", "not hustings", "missing", "live"])
def test_restore_refuses_a_bad_backup_and_changes_nothing(tmp_path, bad) -> None:
    live = _demo(tmp_path)
    backup = tmp_path / "backup.db"
    if bad == "damaged":
        backup.write_bytes(os.urandom(20_000))
    elif bad == "not hustings":
        sqlite3.connect(backup).execute("CREATE TABLE x (y)").connection.close()
    elif bad == "live":
        backup = live
    before = live.read_bytes()
    result = hustings(tmp_path, "restore", str(backup))
    assert result.returncode in (1, 2)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert live.read_bytes() == before
    assert not [p for p in live.parent.iterdir() if ".replaced-" in p.name]


# ----------------------------------------------------------------------------------------- health


def _beat(live: Path, **changes) -> None:
    fields = {"pid": 1, "at": time.time(), "gateway_connected": True, "last_tick": time.time(), "database_ok": True}
    fields.update(changes)
    write_heartbeat(live, Heartbeat(**fields))


@pytest.mark.parametrize(
    ("changes", "healthy", "says"),
    [
        ({}, True, "healthy"),
        ({"at": time.time() - 600}, False, "heartbeat"),
        ({"gateway_connected": False}, False, "not connected to Discord"),
        ({"last_tick": time.time() - 3600}, False, "delivery loop"),
        ({"last_tick": None}, False, "delivery loop"),
        ({"database_ok": False, "problem": "the file was deleted"}, False, "can't save"),
    ],
)
def test_health_reads_the_heartbeat(tmp_path, changes, healthy, says) -> None:
    live = _demo(tmp_path)
    _beat(live, **changes)
    result = hustings(tmp_path, "health")
    assert result.returncode == (0 if healthy else 1), result.stderr
    assert says in (result.stdout + result.stderr)


def test_health_without_a_running_bot_or_database_is_unhealthy(tmp_path) -> None:
    result = hustings(tmp_path, "health")
    assert result.returncode == 1
    assert not _live(tmp_path).exists()  # checking never creates the database
    _demo(tmp_path)
    assert hustings(tmp_path, "health").returncode == 1
