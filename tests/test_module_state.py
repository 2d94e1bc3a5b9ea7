"""No module in bot/ or cogs/ holds mutable state at module level: caches and per-bot state live on
objects the service container holds (`bot/cache.py`), so two bots (or two tests) never share them.

The scan flags a module-level name bound to a container that starts empty (it exists to be filled),
is changed by the module (item assignment, a mutating method, `global`), or is a cache type; and
functions memoised with `functools.cache`/`lru_cache`. What remains is listed below with its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CONTAINERS = {"dict", "list", "set", "defaultdict", "OrderedDict", "deque", "Counter", "bytearray"}
CACHES = {"WeakKeyDictionary", "WeakValueDictionary", "WeakSet", "Cache", "LRUCache", "TTLCache", "ChartCache"}
MUTATORS = {
    "append", "extend", "insert", "add", "update", "setdefault", "pop", "popitem", "remove", "discard",
    "clear", "appendleft", "popleft", "move_to_end",
}  # fmt: skip

#: (file, name) → why it may stay. Keep it short: an entry whose name is gone fails the test too.
ALLOWED = {
    # Memos of pure functions of their (string) argument: they can never be stale, hold no guild data.
    ("bot/domain/matching.py", "name_key"): "pure: folds a name",
    ("bot/domain/matching.py", "_look_alike_table"): "pure: Unicode's confusables table, built once",
    ("bot/render/common.py", "_md_short"): "pure: escapes a short text",
    ("bot/render/common.py", "colour_square"): "pure: a colour's emoji square",
    ("bot/services/admin/lookup.py", "_zones"): "pure: the zoneinfo names installed",
    ("bot/services/read/names.py", "_folded"): "pure: folds a name",
    ("bot/services/read/names.py", "surname_key"): "pure: a name's sort key",
    # Registries written once at import by decorators, read-only afterwards.
    ("cogs/_pages.py", "RENDERERS"): "@renders registry",
    ("cogs/_confirm.py", "HANDLERS"): "confirmation handler registry",
    ("cogs/admin_common.py", "CHANGES"): "admin re-run registry",
    ("bot/store/engine.py", "to_postgres"): "pure: an SQL text's placeholders rewritten",
    ("bot/store/pg_engine.py", "_returns_rows"): "pure: whether an SQL text returns rows",
    # Memos of the chart drawer's fonts and sprites: read-only files and pure pixels, the same for every guild.
    ("bot/render/chartdraw.py", "cjk_font_path"): "the host's CJK font, looked up once",
    ("bot/render/chartdraw.py", "font"): "a loaded font per size and weight",
    ("bot/render/chartdraw.py", "text_width"): "pure: a text's width in a font",
    ("bot/render/chartdraw.py", "_marker"): "pure: a legend marker's pixels",
}


def _files() -> list[Path]:
    return sorted(p for folder in ("bot", "cogs") for p in (ROOT / folder).rglob("*.py"))


def _called(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute):
            return func.attr
        if isinstance(func, ast.Name):
            return func.id
        return _called(func)
    return ""


def _empty(value: ast.expr) -> bool:
    if isinstance(value, ast.Dict | ast.List | ast.Set):
        return not (value.keys if isinstance(value, ast.Dict) else value.elts)
    return isinstance(value, ast.Call) and _called(value) in CONTAINERS | CACHES and not value.args


def _mutated(tree: ast.Module) -> set[str]:
    """Names the module changes in place or rebinds from a function."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            names.update(node.names)
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            for target in targets:
                if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                    names.add(target.value.id)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in MUTATORS
            and isinstance(node.func.value, ast.Name)
        ):
            names.add(node.func.value.id)
    return names


def _mutated_anywhere() -> set[str]:
    """Names changed in place by any module (a table imported and filled elsewhere counts too)."""
    return set().union(*(_mutated(ast.parse(p.read_text(encoding="utf-8"))) for p in _files()))


def module_state(path: Path, elsewhere: frozenset[str] = frozenset()) -> set[str]:
    """The module-level names in `path` that hold mutable state (`elsewhere`: names other modules change)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    mutated = _mutated(tree) | elsewhere
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if any("cache" in ast.unparse(d) for d in node.decorator_list):
                found.add(node.name)
            continue
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        call = _called(value)
        container = isinstance(value, ast.Dict | ast.List | ast.Set | ast.DictComp | ast.ListComp | ast.SetComp)
        container = container or call in CONTAINERS
        for target in targets:
            if not isinstance(target, ast.Name) or target.id == "__all__":
                continue
            if call in CACHES or "cache" in call or (container and (_empty(value) or target.id in mutated)):
                found.add(target.id)
    return found


MUTATED = frozenset(_mutated_anywhere())


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_level_mutable_state(path: Path) -> None:
    """Caches and per-bot state belong on objects the service container holds."""
    rel = str(path.relative_to(ROOT))
    unexpected = {name for name in module_state(path, MUTATED) if (rel, name) not in ALLOWED}
    assert not unexpected, f"{rel} keeps mutable state at module level: {sorted(unexpected)} (see bot/cache.py)"


def test_the_allow_list_names_what_exists() -> None:
    """An allowed entry that no longer exists is removed from the list."""
    stale = [(file, name) for file, name in ALLOWED if name not in module_state(ROOT / file, MUTATED)]
    assert not stale


def test_the_scan_sees_the_usual_shapes(tmp_path: Path) -> None:
    """The scan flags an empty dict filled later, a mutated list, a weak cache, a memo; not a constant table."""
    source = tmp_path / "m.py"
    source.write_text(
        "import functools, weakref\n"
        "_SEEN = {}\n"
        "TABLE = {'a': 1}\n"
        "_LOG = ['x']\n"
        "_BY_CLIENT = weakref.WeakKeyDictionary()\n"
        "def note(k):\n    _LOG.append(k)\n"
        "@functools.lru_cache(maxsize=8)\ndef memo(x):\n    return x\n",
        encoding="utf-8",
    )
    assert module_state(source) == {"_SEEN", "_LOG", "_BY_CLIENT", "memo"}
