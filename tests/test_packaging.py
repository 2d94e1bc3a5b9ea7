"""What `pip install .` ships: every package, the migrations and the demo pack, read from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot.resources import MissingResourceError
from bot.store.migrations import discover

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed_for_the_wheel() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for top in ("bot", "cogs")
        for path in (ROOT / top).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert on_disk - listed == set(), "add these packages to [tool.setuptools] packages in pyproject.toml"
    assert "bot.migrations" in listed and "bot.migrations.postgresql" in listed


def test_migrations_are_read_as_package_resources() -> None:
    names = [m.path.name for m in discover()]
    assert names == sorted(p.name for p in (ROOT / "migrations").glob("*.sql"))


def test_postgresql_migrations_are_read_as_package_resources() -> None:
    names = [m.path.name for m in discover(engine="postgresql")]
    assert names == sorted(p.name for p in (ROOT / "migrations" / "postgresql").glob("*.sql"))


def test_an_empty_migrations_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MissingResourceError, match="no database migrations"):
        discover(tmp_path)


def _hustings_without(module: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI as an install missing `module` would (an import of it fails)."""
    code = f"import sys; sys.modules[{module!r}] = None; from bot.cli import main; sys.exit(main({list(args)!r}))"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUSTINGS_", "DISCORD_"))}
    env["HUSTINGS_DATABASE"] = str(tmp_path / "h.db")
    return subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("command", [("migrate",), ("migrate", "--status"), ("demo", "--guild", "1")])
def test_a_damaged_install_stops_with_exit_2_and_one_sentence(tmp_path: Path, command: tuple[str, ...]) -> None:
    result = _hustings_without("bot.migrations", tmp_path, *command)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert "no database migrations (bot.migrations)" in result.stderr and "reinstall" in result.stderr


def test_a_missing_demo_pack_is_named(tmp_path: Path) -> None:
    result = _hustings_without("bot.data", tmp_path, "demo", "--guild", "1")
    assert result.returncode == 2, result.stderr
    assert "demo-pack.json" in result.stderr and "Traceback" not in result.stderr
