"""The `hustings` command line, run as a user would (a subprocess with its own environment)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def hustings(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` in tmp_path with a private database."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("HUSTINGS_", "DISCORD_"))}
    full_env["HUSTINGS_DATABASE"] = str(tmp_path / "db" / "hustings.db")
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=tmp_path, env=full_env, capture_output=True, text=True, timeout=120
    )


def test_help_for_every_subcommand(tmp_path) -> None:
    for sub in ("run", "migrate", "import", "export", "demo", "backup", "sandbox"):
        result = hustings(tmp_path, sub, "--help")
        assert result.returncode == 0, result.stderr
        assert "usage: hustings" in result.stdout


def test_run_without_token_exits_2_with_one_sentence(tmp_path) -> None:
    result = hustings(tmp_path, "run")
    assert result.returncode == 2
    assert "DISCORD_TOKEN" in result.stderr and "hustings sandbox" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_migrate_and_status(tmp_path) -> None:
    status = hustings(tmp_path, "migrate", "--status")
    assert "pending  0001_initial" in status.stdout
    assert hustings(tmp_path, "migrate").stdout.startswith("applied")
    assert "database is up to date" in hustings(tmp_path, "migrate").stdout
    assert "applied  0001_initial" in hustings(tmp_path, "migrate", "--status").stdout
    assert (tmp_path / "db" / "hustings.db").exists()


def test_demo_export_import_round_trip(tmp_path) -> None:
    demo = hustings(tmp_path, "demo", "--guild", "7")
    assert demo.returncode == 0, demo.stderr
    exported = hustings(tmp_path, "export", "--guild", "7")
    assert exported.returncode == 0, exported.stderr
    pack = json.loads(exported.stdout)
    assert {e["slug"] for e in pack["elections"]} >= {"nec-2018"}
    path = tmp_path / "pack.json"
    path.write_text(exported.stdout)
    again = hustings(tmp_path, "import", str(path), "--guild", "7")
    assert again.returncode == 0, again.stderr
    assert "nothing to change" in again.stdout
    # the same pack into another guild adds everything, and --dry-run writes nothing
    dry = hustings(tmp_path, "import", str(path), "--guild", "8", "--dry-run")
    assert "dry run: nothing written" in dry.stdout
    assert json.loads(hustings(tmp_path, "export", "--guild", "8").stdout)["elections"] == []


def test_import_reports_every_problem_and_writes_nothing(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    election = {"slug": "Bad Slug", "name": "x", "seats": 0, "voting_system": "ranked"}
    bad.write_text(json.dumps({"elections": [election]}))
    result = hustings(tmp_path, "import", str(bad), "--guild", "7")
    assert result.returncode == 2
    assert "nothing was imported" in result.stderr
    assert "slug" in result.stderr and "seats" in result.stderr and "voting_system" in result.stderr


def test_backup_copies_the_database(tmp_path) -> None:
    assert hustings(tmp_path, "demo", "--guild", "7").returncode == 0
    result = hustings(tmp_path, "backup", str(tmp_path / "copy.db"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "copy.db").stat().st_size > 0


def test_python_dash_m_alias(tmp_path) -> None:
    assert "usage: hustings" in hustings(tmp_path, "--help").stdout
