"""Slate coverage of nominations: how many bodies back some, or all, of a slate's candidates.

This is the figure reports quote as "the trio have won the backing of two-thirds of CLPs".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.domain.models import Candidate, CandidateStatus, Nomination


@dataclass(frozen=True, slots=True)
class SlateCoverage:
    """One slate's nomination coverage.

    `any_bodies`: bodies nominating at least one of the slate's candidates.
    `all_bodies`: bodies nominating every one of them (empty for a slate with no candidates).
    `reported`: bodies that have nominated anyone at all — the denominator of the shares.
    """

    slate: str
    candidates: tuple[str, ...]
    any_bodies: frozenset[str]
    all_bodies: frozenset[str]
    reported: int

    @property
    def any_share(self) -> float | None:
        """Share of reporting bodies nominating at least one slate candidate (None if none reported)."""
        return self.any_count / self.reported if self.reported else None

    @property
    def all_share(self) -> float | None:
        """Share of reporting bodies nominating the whole slate (None if none reported)."""
        return self.all_count / self.reported if self.reported else None

    @property
    def any_count(self) -> int:
        """Number of bodies nominating at least one slate candidate."""
        return len(self.any_bodies)

    @property
    def all_count(self) -> int:
        """Number of bodies nominating the whole slate."""
        return len(self.all_bodies)


def slate_members(candidates: Iterable[Candidate]) -> dict[str, list[str]]:
    """Slate name → names of its candidates still standing (withdrawn and independents left out)."""
    members: dict[str, list[str]] = {}
    for c in candidates:
        if c.slate and c.status is not CandidateStatus.WITHDRAWN:
            members.setdefault(c.slate, []).append(c.name)
    return members


def slate_coverage(
    slates: Mapping[str, Iterable[str]],
    nominations: Iterable[Nomination],
    reported: int | None = None,
) -> list[SlateCoverage]:
    """Coverage for each slate, in the order given.

    `slates` maps slate name → candidate names to count; pass only non-withdrawn candidates (see
    `slate_members`) so a withdrawal doesn't stop bodies counting as "nominating the full slate".
    `reported` overrides the denominator; by default it is the number of distinct bodies in
    `nominations` (every body that nominated anyone, slate or not).
    """
    noms = list(nominations)
    by_body: dict[str, set[str]] = {}
    for n in noms:
        by_body.setdefault(n.body, set()).add(n.candidate)
    denominator = len(by_body) if reported is None else reported

    out = []
    for slate, names in slates.items():
        members = tuple(dict.fromkeys(names))  # de-duplicate, keep order
        wanted = set(members)
        any_bodies = frozenset(b for b, cands in by_body.items() if cands & wanted)
        all_bodies = frozenset(b for b, cands in by_body.items() if wanted and wanted <= cands)
        out.append(SlateCoverage(slate, members, any_bodies, all_bodies, denominator))
    return out
