"""The one rule every import path follows (files, the CLI, `/admin data import`, sources).

- **Add and update** is the default: rows a file does not contain are kept.
- **Replace** is an explicit mode (`--replace`, the `replace` option, an authoritative source). It removes
  rows the file does not list, but only within the elections the file names and only for the kinds it
  carries. Bodies belong to the whole server: an unlisted body is removed only when no remaining
  election refers to it (nominates from it, or counts it among its eligible bodies).
- **Large removals ask first**: an import that would remove more than `DANGER_SHARE` of an election's rows
  of one kind (or of the server's bodies) needs a second, explicit confirmation. Removing a single row is
  routine (a withdrawn candidate) unless it empties the list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

#: An import that removes more than this share of an election's rows of one kind must be confirmed again.
DANGER_SHARE = 0.20


class ImportMode(StrEnum):
    """What an import may do to rows the file does not contain."""

    ADD = "add"  # add and update only: nothing the file leaves out is removed
    REPLACE = "replace"  # the file decides its elections' lists: unlisted rows are removed

    @classmethod
    def of(cls, replace: bool) -> ImportMode:
        """The mode for a yes/no replace option."""
        return cls.REPLACE if replace else cls.ADD


def is_large_removal(removed: int, before: int, max_share: float = DANGER_SHARE) -> bool:
    """True when removing `removed` of `before` rows must be confirmed: more than `max_share` of them
    (and at least two), or every one of them."""
    if removed <= 0 or before <= 0:
        return False
    return removed >= before or (removed >= 2 and removed / before > max_share)


@dataclass(frozen=True, slots=True)
class Removal:
    """Rows of one kind an import removes from one election (`election` None: the server's bodies)."""

    kind: str
    removed: int
    before: int
    election: str | None = None

    @property
    def share(self) -> float:
        """The share of the existing rows removed."""
        return self.removed / self.before if self.before else 0.0

    def describe(self) -> str:
        """Plain words: `it would remove 42 of 43 nominations in nec-2018 (98%)`."""
        where = f" in {self.election}" if self.election else ""
        return f"it would remove {self.removed} of {self.before} {self.kind}{where} ({self.share:.0%})"


def worst_removal(removals: Iterable[Removal], max_share: float = DANGER_SHARE) -> Removal | None:
    """The largest removal that needs a second confirmation, or None when the import may go ahead."""
    large = [r for r in removals if is_large_removal(r.removed, r.before, max_share)]
    return max(large, key=lambda r: (r.share, r.removed), default=None)


def removable_bodies(unlisted: Iterable[str], referenced: Iterable[str]) -> set[str]:
    """Of the bodies a replacing file leaves out, those it may remove: the ones no remaining election uses."""
    return set(unlisted) - set(referenced)
