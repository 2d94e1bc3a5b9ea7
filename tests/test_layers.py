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


@pytest.mark.parametrize("path", _files("bot/services", "bot/render"), ids=lambda p: str(p.relative_to(ROOT)))
def test_services_and_render_never_build_discord_adapters(path: Path) -> None:
    """Adapters are handed in by the composition root (bot/composition.py); services only name their ports."""
    above = ("bot.discord_adapters", "bot.composition", "bot.app", "cogs")
    assert not {n for n in _imports(path) if n.startswith(above)}


@pytest.mark.parametrize("path", _files("bot/discord_adapters"), ids=lambda p: str(p.relative_to(ROOT)))
def test_discord_adapters_never_import_cogs(path: Path) -> None:
    """The adapters sit beside the app, below the cogs: a bot loaded without any cog still has them."""
    assert not {n for n in _imports(path) if n.startswith(("cogs", "bot.app", "bot.composition"))}


def test_cogs_never_wire_services() -> None:
    """Cogs receive services: none assigns a service's collaborator or registers a listener on one."""
    wiring = ("add_listener(", ".notifier =", ".gateway =", ".still_member =", "use_composer(", "use_ping_check(")
    found = [
        f"{path.relative_to(ROOT)}: {needle}"
        for path in _files("cogs")
        for needle in wiring
        if needle in path.read_text(encoding="utf-8")
    ]
    assert found == []
