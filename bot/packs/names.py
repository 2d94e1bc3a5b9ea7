"""New names in an import that read the same as names the server already has.

Within one file, names of a kind are checked as the file is read (`fold`: the bot's one folding rule).
This is the check against the server's data: a file that adds "Sian Llewellyn" while the election
has "Siân Llewellyn" would otherwise create a second candidate that members cannot tell apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.domain.validation import same_name_problem
from bot.packs.checks import fold
from bot.packs.issues import PackIssue
from bot.packs.model import Pack, Row
from bot.packs.state import State


def same_name_issues(current: State, want: State, pack: Pack, scope: set[str]) -> list[PackIssue]:
    """An issue for each row of `pack` that adds a name (body, slate or candidate) reading the same as
    another name of its kind that the import keeps (`want`): the existing name is quoted."""
    issues: list[PackIssue] = []
    if "bodies" in scope and pack.bodies:
        issues += _clashes(pack.bodies, current.bodies, want.bodies, "body")
    for entry in pack.elections:
        slug = entry.slug
        if "slates" in scope and entry.slates:
            issues += _clashes(entry.slates, current.slates.get(slug, {}), want.slates.get(slug, {}), "slate")
        if "candidates" in scope and entry.candidates:
            stored = current.candidates.get(slug, {})
            issues += _clashes(entry.candidates, stored, want.candidates.get(slug, {}), "candidate")
    return issues


def _clashes(
    rows: Iterable[Row[str]], stored: Mapping[str, Any], kept: Mapping[str, Any], what: str
) -> list[PackIssue]:
    new = [(row.key, row) for row in rows if isinstance(row.key, str) and row.key not in stored]
    if not new:
        return []
    by_fold: dict[str, list[str]] = {}
    for name in kept:
        by_fold.setdefault(fold(name), []).append(name)
    issues = []
    for key, row in new:
        others = [name for name in by_fold.get(fold(key), ()) if name != key]
        if others:
            existing = next((name for name in others if name in stored), others[0])
            issues.append(row.loc.issue("name", same_name_problem(existing, what)))
    return issues
