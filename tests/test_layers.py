"""The layers' import rules (docs/architecture.md): arrows point down."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    """Every module a file imports (absolute names)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", _files("cogs", "bot/render"), ids=lambda p: str(p.relative_to(ROOT)))
def test_cogs_and_render_never_import_the_store(path: Path) -> None:
    """Types that cross layers live in bot/domain; only services talk to bot/store."""
    assert not {n for n in _imports(path) if n == "bot.store" or n.startswith("bot.store.")}


@pytest.mark.parametrize("path", _files("bot/domain"), ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_imports_no_discord_and_nothing_above_it(path: Path) -> None:
    """The rules are plain Python: no discord, no SQL, no services."""
    above = ("discord", "aiosqlite", "bot.store", "bot.services", "bot.render", "cogs", "bot.app")
    assert not {n for n in _imports(path) if n.startswith(above)}


@pytest.mark.parametrize("path", _files("bot/sim"), ids=lambda p: str(p.relative_to(ROOT)))
def test_simulator_imports_nothing_of_the_bot(path: Path) -> None:
    """The simulator could be published alone: it takes any clock with `now()` and imports only itself."""
    outside = {n for n in _imports(path) if n.split(".")[0] == "bot" and n.split(".")[:2] != ["bot", "sim"]}
    assert not outside, f"{path.relative_to(ROOT)} imports {sorted(outside)}: the simulator imports nothing of bot"
    depth = len(path.parent.relative_to(ROOT / "bot" / "sim").parts)  # `from .. import` levels inside bot/sim
    tree = ast.parse(path.read_text(encoding="utf-8"))
    relative = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level > depth + 1]
    assert not relative, f"{path.relative_to(ROOT)} reaches out of bot/sim by a relative import"
