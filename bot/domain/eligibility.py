"""Which bodies may nominate in an election: the denominator of "reported" and of percentage thresholds.

A guild can hold several elections with bodies of their own (CLPs for one, union branches for
another), so each election has its own eligible bodies: by kind and/or region, or an explicit list of
body names. Unset, today's rule stands: the bodies of the kinds that have nominated in the election
(before its first nomination, the kinds no other election uses).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class EligibleBodies:
    """An election's eligible-bodies rule. An explicit `bodies` list wins over `kinds`/`regions`."""

    kinds: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    bodies: tuple[str, ...] = ()

    @property
    def is_set(self) -> bool:
        """False for an empty rule (the default applies)."""
        return bool(self.kinds or self.regions or self.bodies)

    def to_record(self) -> dict[str, list[str]] | None:
        """The stored/pack form (None when unset)."""
        if not self.is_set:
            return None
        # Listed bodies in name order: a list is a set, and equal sets must compare equal wherever they came from.
        return {"kinds": list(self.kinds), "regions": list(self.regions), "bodies": sorted(self.bodies)}

    @classmethod
    def from_record(cls, record: Mapping[str, Any] | None) -> EligibleBodies | None:
        """Read the stored/pack form (None or empty → None)."""
        if not record:
            return None
        rule = cls(
            tuple(record.get("kinds") or ()), tuple(record.get("regions") or ()), tuple(record.get("bodies") or ())
        )
        return rule if rule.is_set else None

    def describe(self) -> str:
        """Plain words for `/election info`: "branch bodies in London", "12 listed bodies"."""
        if self.bodies:
            return f"{len(self.bodies)} listed bod{'y' if len(self.bodies) == 1 else 'ies'}"
        kinds = " and ".join(self.kinds) if self.kinds else "all"
        where = f" in {', '.join(self.regions)}" if self.regions else ""
        return f"{kinds} bodies{where}"


def eligible_names(
    bodies: Mapping[str, tuple[str, str]],
    rule: EligibleBodies | None,
    nominating: Collection[str],
    kinds_elsewhere: Collection[str] = (),
) -> list[str]:
    """The names of an election's eligible bodies, in `bodies` order.

    `bodies` maps every guild body's name to its (kind, region); `nominating` are the bodies that
    have nominated in this election; `kinds_elsewhere` the kinds that nominate in other elections.
    """
    if rule is not None and rule.bodies:
        listed = set(rule.bodies)
        return [name for name in bodies if name in listed]
    if rule is not None and rule.is_set:
        kinds = {k.casefold() for k in rule.kinds}
        regions = {r.casefold() for r in rule.regions}
        return [
            name
            for name, (kind, region) in bodies.items()
            if (not kinds or kind.casefold() in kinds) and (not regions or region.casefold() in regions)
        ]
    used = {bodies[n][0] for n in nominating if n in bodies}
    if used:
        return [name for name, (kind, _) in bodies.items() if kind in used]
    return [name for name, (kind, _) in bodies.items() if kind not in kinds_elsewhere]


def referenced_bodies(names: Iterable[str], eligible: Iterable[str]) -> set[str]:
    """Bodies an election refers to: those that nominated in it and those it counts as eligible."""
    return set(names) | set(eligible)


def _words(text: str) -> tuple[str, ...]:
    # Commas separate items (body names may contain spaces); repeated items are kept once.
    return tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def edit_rule(
    current: EligibleBodies | None,
    *,
    kinds: str | None,
    regions: str | None,
    bodies: str | None,
    guild_bodies: Mapping[str, tuple[str, str]],
    is_clear: Callable[[str], bool],
) -> EligibleBodies | None:
    """The rule after a moderator's edit: each option given (comma-separated) replaces its part of the rule,
    a clear word empties it. Names are matched to the guild's bodies ignoring case; a list of bodies and
    kinds/regions can't be combined. Raises ValidationError with a sentence for the moderator.
    """
    from bot.domain.validation import ValidationError  # late: validation imports the models, which import this

    def given(text: str | None) -> bool:
        return text is not None and not is_clear(text)

    if given(bodies) and (given(kinds) or given(regions)):
        raise ValidationError("eligible_bodies", "Give either a list of eligible bodies or kinds/regions, not both.")
    rule = current or EligibleBodies()
    parts: dict[str, tuple[str, ...]] = {"kinds": rule.kinds, "regions": rule.regions, "bodies": rule.bodies}
    folded = {name.casefold(): name for name in guild_bodies}
    known = {
        "kinds": {kind.casefold(): kind for kind, _ in guild_bodies.values()},
        "regions": {region.casefold(): region for _, region in guild_bodies.values() if region},
        "bodies": folded,
    }
    for key, text in (("kinds", kinds), ("regions", regions), ("bodies", bodies)):
        if text is None:
            continue
        if is_clear(text):
            parts[key] = ()
            continue
        items = []
        for word in _words(text):
            match = known[key].get(word.casefold())
            if match is None:
                what = {"kinds": "body of kind", "regions": "body in region", "bodies": "body named"}[key]
                raise ValidationError(f"eligible_{key}", f'No {what} "{word}" on this server.')
            items.append(match)
        parts[key] = tuple(dict.fromkeys(items))
        if key == "bodies" and items:
            parts["kinds"] = parts["regions"] = ()  # an explicit list replaces kinds/regions
        elif key != "bodies" and items:
            parts["bodies"] = ()
    new = EligibleBodies(parts["kinds"], parts["regions"], parts["bodies"])
    return new if new.is_set else None
