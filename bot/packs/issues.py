"""Import problems that name their place: file, JSON path or CSV row, and field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# A PackError's text lists this many issues; the full list stays on `.issues`.
SHOWN_IN_MESSAGE = 25


@dataclass(frozen=True, slots=True)
class PackIssue:
    """One problem in an import: where it is and what is wrong.

    `where` is a JSON path ("elections[0].candidates[3]"), a CSV row ("row 5") or a text
    position ("line 3, column 7"); `field` is the key or column ("" when the whole item is wrong).
    """

    file: str
    where: str
    field: str
    message: str

    def __str__(self) -> str:
        if self.where.startswith(("row ", "line ")) or not self.where:
            place = ": ".join(p for p in (self.where, self.field) if p)
        else:
            place = f"{self.where}.{self.field}" if self.field else self.where
        return f"{self.file}: {place}: {self.message}" if place else f"{self.file}: {self.message}"


@dataclass(frozen=True, slots=True)
class Loc:
    """Where a pack item came from, so later checks (e.g. against the database) can point at it."""

    file: str
    where: str

    def issue(self, field: str, message: str) -> PackIssue:
        """An issue about `field` of the item at this place."""
        return PackIssue(self.file, self.where, field, message)

    def child(self, suffix: str) -> Loc:
        """A place inside this one: `loc.child(".candidates[2]")`."""
        return Loc(self.file, self.where + suffix)


class PackError(ValueError):
    """A pack (or CSV) cannot be imported; `issues` holds every problem found, in file order."""

    def __init__(self, issues: list[PackIssue], pack: Any = None) -> None:
        self.issues = list(issues)
        # What could still be read (a `Pack`), so references can be checked in the same pass.
        self.pack = pack
        shown = [str(i) for i in self.issues[:SHOWN_IN_MESSAGE]]
        more = len(self.issues) - len(shown)
        if more > 0:
            shown.append(f"… and {more} more problem{'s' if more != 1 else ''}")
        noun = "problem" if len(self.issues) == 1 else "problems"
        super().__init__(f"{len(self.issues)} {noun} found; nothing was imported:\n" + "\n".join(shown))

    def lines(self) -> list[str]:
        """Every issue as one line of text."""
        return [str(i) for i in self.issues]
