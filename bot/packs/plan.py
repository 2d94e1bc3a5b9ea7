"""The difference between two states, per kind, and the import plan that carries it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.domain.import_rules import DANGER_SHARE, ImportMode, Removal, worst_removal
from bot.packs.model import KINDS
from bot.packs.state import Record, State

Key = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Change:
    """One row added (before is None), changed, or removed (after is None), by natural key."""

    kind: str
    key: Key
    before: Record | None
    after: Record | None

    @property
    def label(self) -> str:
        """A short human name: "nec-2018: Yasmine Dar", "nec-2018: Islington North CLP → Yasmine Dar"."""
        if self.kind in ("bodies", "elections", "results"):
            return self.key[0]
        if self.kind == "nominations":
            return f"{self.key[0]}: {self.key[1]} → {self.key[2]}"
        return f"{self.key[0]}: {self.key[1]}"

    @property
    def fields(self) -> list[str]:
        """For a change: the fields whose values differ."""
        if self.before is None or self.after is None:
            return []
        return [k for k in self.after if self.before.get(k) != self.after.get(k)]


@dataclass(slots=True)
class KindDiff:
    """Rows of one kind to add, change and remove."""

    added: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def counts(self) -> dict[str, int]:
        """{"added": n, "changed": n, "removed": n}."""
        return {"added": len(self.added), "changed": len(self.changed), "removed": len(self.removed)}


def _flat(kind: str, state: State) -> Iterator[tuple[str, dict[Any, Record]]]:
    """Per-election groups of (key-part → record) so untouched groups can be skipped by identity."""
    if kind in ("bodies", "elections", "results"):
        yield "", getattr(state, kind)
    else:
        yield from getattr(state, kind).items()


def _key(kind: str, group: str, part: Any) -> Key:
    if not group:
        return (part,)
    return (group, *part) if isinstance(part, tuple) else (group, part)


def diff_states(before: State, after: State) -> dict[str, KindDiff]:
    """What must change to turn `before` into `after`, per kind, sorted by natural key."""
    out: dict[str, KindDiff] = {}
    for kind in KINDS:
        diff = KindDiff()
        old_groups = dict(_flat(kind, before))
        new_groups = dict(_flat(kind, after))
        for group in old_groups.keys() | new_groups.keys():
            old = old_groups.get(group, {})
            new = new_groups.get(group, {})
            if old is new:
                continue  # untouched election: same dict object, nothing to compare
            for part, record in new.items():
                prev = old.get(part)
                if prev is record:
                    continue
                if prev is None:
                    diff.added.append(Change(kind, _key(kind, group, part), None, record))
                elif prev != record:
                    diff.changed.append(Change(kind, _key(kind, group, part), prev, record))
            for part, record in old.items():
                if part not in new:
                    diff.removed.append(Change(kind, _key(kind, group, part), record, None))
        if kind != "elections":  # elections keep file order, so new ones get ids (and list order) as written
            for changes in (diff.added, diff.changed, diff.removed):
                changes.sort(key=lambda c: c.key)
        out[kind] = diff
    return out


def removals(before: State, diffs: dict[str, KindDiff]) -> list[Removal]:
    """How many rows of each kind the diff removes from each election (and from the server's bodies),
    against how many it had; a changed result that loses vote rows counts as removing "result rows".
    """
    out: list[Removal] = []
    if diffs["bodies"].removed:
        out.append(Removal("bodies", len(diffs["bodies"].removed), len(before.bodies)))
    for kind in ("slates", "candidates", "nominations"):
        gone = Counter(c.key[0] for c in diffs[kind].removed)
        out.extend(Removal(kind, n, len(getattr(before, kind).get(slug, {})), slug) for slug, n in gone.items())
    out.extend(Removal("results", 1, 1, c.key[0]) for c in diffs["results"].removed)
    for change in diffs["results"].changed:
        had = _vote_rows(change.before)
        dropped = max(0, had - _vote_rows(change.after))
        if dropped:
            out.append(Removal("result rows", dropped, had, change.key[0]))
    return out


def _vote_rows(record: Record | None) -> int:
    return sum(len(r.get("votes", {})) for r in (record or {}).get("rounds", []))


@dataclass(slots=True)
class ImportPlan:
    """What an import would do to a guild's data; `apply_import` carries it out.

    `base_version` is the guild's data version the plan was made against: applying refuses if the
    data changed since (someone else edited it), rather than overwrite their change unseen.
    """

    guild_id: int
    source: str
    base_version: int
    kinds: frozenset[str]  # kinds in scope (the file's kinds ∩ the caller's)
    elections: list[str]  # slugs the file names
    diffs: dict[str, KindDiff]
    before_counts: dict[str, int]
    applied_version: int | None = None
    mode: ImportMode = ImportMode.ADD
    # What the import removes, per election and kind (and the server's bodies): see `danger`.
    removals: list[Removal] = field(default_factory=list)
    # The whole wanted state: once applied it is exactly what the database holds, which lets the
    # import service answer the next plan without re-reading 10,000 rows.
    target: State | None = field(default=None, repr=False, compare=False)

    @property
    def is_empty(self) -> bool:
        """True when importing would change nothing."""
        return not any(self.diffs.values())

    def danger(self, max_share: float = DANGER_SHARE) -> Removal | None:
        """The large removal that needs a second confirmation (None when the plan may simply be applied)."""
        return worst_removal(self.removals, max_share)

    def published_changes(self) -> list[str]:
        """Elections whose results members see (published before or after) that this plan would change:
        publishing, unpublishing, or new figures — directly or by a cascade from removed candidates."""
        diff = self.diffs.get("results")
        if not diff:
            return []
        touched = {
            c.key[0]
            for c in [*diff.added, *diff.changed, *diff.removed]
            if (c.before or {}).get("published") or (c.after or {}).get("published")
        }
        return sorted(touched)

    def cascades(self) -> list[str]:
        """Kinds this plan would change although they are not in its scope (a removal cascading into the
        nominations or votes that referred to a removed row)."""
        return [kind for kind in KINDS if kind not in self.kinds and self.diffs[kind]]

    def counts(self) -> dict[str, dict[str, int]]:
        """Added/changed/removed counts for every kind."""
        return {kind: self.diffs[kind].counts() for kind in KINDS}

    def after_counts(self) -> dict[str, int]:
        """Row totals per kind once applied."""
        return {
            kind: self.before_counts.get(kind, 0) + len(self.diffs[kind].added) - len(self.diffs[kind].removed)
            for kind in KINDS
        }

    def changes(self) -> Iterator[Change]:
        """Every change, kind by kind."""
        for kind in KINDS:
            diff = self.diffs[kind]
            yield from diff.added
            yield from diff.changed
            yield from diff.removed

    def summary_lines(self, names: int = 3) -> list[str]:
        """Human text: one line per kind in scope or touched, e.g.
        "candidates: +3 ~1 -0 (added: A, B, C; changed: D)".
        """
        if self.is_empty:
            return ["No changes: the server already has this data."]
        lines = []
        for kind in KINDS:
            diff = self.diffs[kind]
            if kind not in self.kinds and not diff:
                continue
            line = f"{kind}: +{len(diff.added)} ~{len(diff.changed)} -{len(diff.removed)}"
            parts = []
            for word, changes in (("added", diff.added), ("changed", diff.changed), ("removed", diff.removed)):
                if changes:
                    shown = ", ".join(c.label for c in changes[:names])
                    more = f" and {len(changes) - names} more" if len(changes) > names else ""
                    parts.append(f"{word}: {shown}{more}")
            lines.append(f"{line} ({'; '.join(parts)})" if parts else line)
        return lines

    def audit_summary(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(before, after) for the audit row: versions, totals and change counts, no row data."""
        before = {"version": self.base_version, "counts": dict(self.before_counts)}
        after = {
            "version": self.applied_version,
            "counts": self.after_counts(),
            "changes": {k: v for k, v in self.counts().items() if any(v.values())},
            "elections": list(self.elections),
            "kinds": sorted(self.kinds),
            "mode": self.mode.value,
        }
        return before, after
