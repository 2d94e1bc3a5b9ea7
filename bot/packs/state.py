"""A guild's election data keyed by natural names: what the database holds, and what an import wants.

Records are plain dicts of canonical values (UTC instants as ISO text, dates as YYYY-MM-DD, votes as
int when whole), so equal data compares equal whichever side it came from. Records are never mutated
in place: a changed record is a new dict, and an untouched election keeps the very same inner dicts,
which lets the diff skip it by identity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Record = dict[str, Any]


@dataclass(slots=True)
class State:
    """All of one guild's data (or the wanted data after an import)."""

    bodies: dict[str, Record] = field(default_factory=dict)  # name → record
    elections: dict[str, Record] = field(default_factory=dict)  # slug → record
    slates: dict[str, dict[str, Record]] = field(default_factory=dict)  # slug → name → record
    candidates: dict[str, dict[str, Record]] = field(default_factory=dict)  # slug → name → record
    nominations: dict[str, dict[tuple[str, str], Record]] = field(default_factory=dict)  # slug → (body, cand)
    results: dict[str, Record] = field(default_factory=dict)  # slug → record; only non-empty results
    version: int = 0

    def copy(self) -> State:
        """A shallow copy: new top-level dicts sharing the per-election dicts and records."""
        return State(
            dict(self.bodies),
            dict(self.elections),
            dict(self.slates),
            dict(self.candidates),
            dict(self.nominations),
            dict(self.results),
            self.version,
        )

    def counts(self) -> dict[str, int]:
        """How many rows of each kind."""
        return {
            "bodies": len(self.bodies),
            "elections": len(self.elections),
            "slates": sum(len(v) for v in self.slates.values()),
            "candidates": sum(len(v) for v in self.candidates.values()),
            "nominations": sum(len(v) for v in self.nominations.values()),
            "results": len(self.results),
        }


def is_empty_result(record: Record | None) -> bool:
    """True when a result record says nothing (no rounds, unpublished, no ballot counts)."""
    return record is None or (
        not record.get("rounds")
        and not record.get("published")
        and record.get("valid_ballots") is None
        and record.get("invalid_ballots") is None
    )
