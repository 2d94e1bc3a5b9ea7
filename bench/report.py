"""Benchmark tables: printed to the terminal and written into BENCHMARKS.md between markers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.harness import REPO, machine

BENCHMARKS_MD = REPO / "BENCHMARKS.md"


@dataclass
class Table:
    """One benchmark's result: a markdown table plus the command that reproduces it."""

    key: str  # interactions | autocomplete | sync | delivery | footprint
    title: str
    command: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    quick: bool = False

    def add(self, *cells: object) -> None:
        """Append a row."""
        self.rows.append([str(c) for c in cells])

    def markdown(self) -> str:
        """The table, its notes and how to reproduce it."""
        out = [f"### {self.title}", ""]
        if self.quick:
            out += ["_Quick (reduced-size) run — not the reference figures._", ""]
        out += ["| " + " | ".join(self.columns) + " |", "|" + "---|" * len(self.columns)]
        out += ["| " + " | ".join(r) + " |" for r in self.rows]
        out.append("")
        out += [f"- {n}" for n in self.notes]
        out += [f"- Reproduce: `{self.command}`", f"- Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.", ""]
        return "\n".join(out)


def verdict(value: float, target: float, *, lower_is_better: bool = True) -> str:
    """✅ or ❌ against a target."""
    ok = value <= target if lower_is_better else value >= target
    return "✅" if ok else "❌"


def machine_markdown() -> str:
    """The machine section."""
    m = machine()
    return "\n".join(f"- **{k}**: {v}" for k, v in m.items())


def write(tables: list[Table], path: Path = BENCHMARKS_MD) -> None:
    """Replace each table's section in BENCHMARKS.md (creating the file or the section if missing)."""
    text = path.read_text(encoding="utf-8") if path.exists() else _skeleton()
    text = _replace(text, "machine", machine_markdown())
    for table in tables:
        text = _replace(text, table.key, table.markdown())
    path.write_text(text, encoding="utf-8")


def _replace(text: str, key: str, body: str) -> str:
    start, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text)
    return text.rstrip() + "\n\n" + block + "\n"


def _skeleton() -> str:
    return "# Benchmarks\n\n## Machine\n\n<!-- bench:machine -->\n<!-- /bench:machine -->\n"
