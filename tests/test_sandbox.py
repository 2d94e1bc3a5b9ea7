"""`hustings sandbox --run`: the documented first quick-start command, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def sandbox(tmp_path: Path, *lines: str, database: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the sandbox non-interactively with the given lines."""
    args = [sys.executable, "-m", "bot", "sandbox", "--output", str(tmp_path / "out")]
    if database:
        args += ["--database", str(database)]
    for line in lines:
        args += ["--run", line]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUSTINGS_", "DISCORD_"))}
    env["COLUMNS"] = "100"
    return subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)


def test_sandbox_runs_commands_and_renders_replies(tmp_path) -> None:
    result = sandbox(
        tmp_path,
        "/candidate name: Yasmine Dar",
        "/results election: nec-2018",
        ":click 1",
        "/nominations progress",
        "/candidate name: Nobody Atall",
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Yasmine Dar" in out and "68,388" in out
    assert "Shared by @Sam (member)" in out
    assert "No candidate called" in out
    assert list((tmp_path / "out").glob("*.png")), "the progress chart was not saved"
    assert "Traceback" not in result.stderr


def test_sandbox_keeps_state_and_moves_time(tmp_path) -> None:
    db = tmp_path / "sandbox.db"
    first = sandbox(tmp_path, ":advance 5d", database=db)
    assert first.returncode == 0, first.stderr
    assert "time is now" in first.stdout
    # the live demo election's reminders fire on the way: a channel post and the member's DM
    assert "Hustings in #announcements" in first.stdout and "Nominations close in 1 day" in first.stdout
    assert "DM to member" in first.stdout
    second = sandbox(tmp_path, "/election list", ":as member", "/remind list", database=db)
    assert second.returncode == 0, second.stderr
    assert "NEC" in second.stdout
    assert "Automatic reminders are on" not in second.stdout  # set up once, kept in the database
    assert "NCWU" in second.stdout.split("/remind list")[-1]  # the member's subscription survived
    assert "Traceback" not in second.stderr
