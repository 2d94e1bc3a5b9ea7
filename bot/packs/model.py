"""What a parsed pack holds: rows of canonical field values keyed by natural names.

Rows keep only the fields the file *gave*. A field left out keeps the stored value (or the default
for a new row); a field given as null/blank clears it. That one rule lets a partial file (a CSV
with three columns, a JSON entry without `status`) update exactly what it names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Generic, TypeVar

from bot.packs.issues import Loc, PackIssue

# Kinds in dependency order: writes go in this order, deletes in reverse.
KINDS: Final = ("bodies", "elections", "slates", "candidates", "nominations", "results")

# Field defaults of each kind's record (a row's stored shape, minus its natural key).
DEFAULTS: Final[dict[str, dict[str, Any]]] = {
    "bodies": {"kind": "branch", "region": "", "members": None, "meeting": None},
    "elections": {
        "name": "",
        "committee": "",
        "seats": 1,
        "voting_system": "bloc",
        "threshold": None,
        "electorate": None,
        "nominations_open": None,
        "nominations_close": None,
        "ballot_open": None,
        "ballot_close": None,
        "results": None,
        "eligible": None,  # {"kinds": [...], "regions": [...], "bodies": [...]}; None: the default rule
    },
    "slates": {"short": "", "colour": None, "backers": [], "description": "", "url": None},
    "candidates": {"slate": None, "bio": "", "photo_url": None, "links": {}, "status": "seeking nominations"},
    "nominations": {"date": None},
    "results": {"published": False, "valid_ballots": None, "invalid_ballots": None, "rounds": []},
}

TIMELINE_FIELDS: Final = ("nominations_open", "nominations_close", "ballot_open", "ballot_close", "results")


# A row's natural key: a body/slate/candidate name or election slug, or (body, candidate) for a nomination.
K = TypeVar("K", str, tuple[str, str])


@dataclass(slots=True)
class Row(Generic[K]):
    """One item from the file: its natural key, the fields it gave, and where it came from."""

    key: K
    data: dict[str, Any]
    loc: Loc
    # Where each name this row refers to was written, when not simply `loc` + the field name
    # (a JSON nomination's candidate sits at "candidates[2]"; a CSV result's names sit on many rows).
    refs: dict[Any, tuple[Loc, str]] | None = None

    def issue(self, ref: Any, field: str, message: str) -> PackIssue:
        """An issue about a name this row refers to, placed where that name was written."""
        loc, name = (self.refs or {}).get(ref, (self.loc, field))
        return loc.issue(name, message)


@dataclass(slots=True)
class ElectionEntry:
    """Everything a file says about one election. A kind that is None was not in the file (untouched)."""

    slug: str
    loc: Loc
    slug_field: str = "slug"  # "election" in CSV files: used when pointing at the slug in errors
    election: Row[str] | None = None
    slates: list[Row[str]] | None = None
    candidates: list[Row[str]] | None = None
    nominations: list[Row[tuple[str, str]]] | None = None
    result: Row[str] | None = None  # None with result_given: the file said `"results": null` (remove it)
    result_given: bool = False
    eligible: list[Row[str]] | None = None  # eligible.csv: bodies for the election's explicit eligible list

    def kinds(self) -> set[str]:
        """The kinds this entry speaks for."""
        present = {
            "elections": self.election is not None or self.eligible is not None,
            "slates": self.slates is not None,
            "candidates": self.candidates is not None,
            "nominations": self.nominations is not None,
            "results": self.result_given,
        }
        return {k for k, v in present.items() if v}


@dataclass(slots=True)
class Pack:
    """A parsed import: bodies (None = not in the file) and per-election entries."""

    source: str
    bodies: list[Row[str]] | None = None
    elections: list[ElectionEntry] = field(default_factory=list)

    @property
    def kinds(self) -> frozenset[str]:
        """The kinds the file speaks for (authoritative for, within its elections)."""
        out: set[str] = {"bodies"} if self.bodies is not None else set()
        for entry in self.elections:
            out |= entry.kinds()
        return frozenset(out)

    @property
    def slugs(self) -> list[str]:
        """The elections the file names, in file order."""
        return [e.slug for e in self.elections]

    def entry(self, slug: str) -> ElectionEntry | None:
        """The entry for one election, if the file names it."""
        return next((e for e in self.elections if e.slug == slug), None)
