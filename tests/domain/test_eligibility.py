"""Eligible bodies and the import rule (issue #12): pure rules, no database."""

from __future__ import annotations

import pytest

from bot.domain.eligibility import EligibleBodies, edit_rule, eligible_names
from bot.domain.import_rules import ImportMode, Removal, is_large_removal, removable_bodies, worst_removal
from bot.domain.validation import ValidationError

BODIES = {
    "Hove CLP": ("CLP", "South East"),
    "Leeds CLP": ("CLP", "Yorkshire"),
    "Unite 7": ("union", "Yorkshire"),
    "GMB 3": ("union", "London"),
}


def test_default_rule_is_the_kinds_that_nominate() -> None:
    assert eligible_names(BODIES, None, {"Hove CLP"}) == ["Hove CLP", "Leeds CLP"]
    # Before the first nomination: the kinds no other election uses.
    assert eligible_names(BODIES, None, set(), kinds_elsewhere={"CLP"}) == ["Unite 7", "GMB 3"]


def test_kinds_regions_and_lists() -> None:
    assert eligible_names(BODIES, EligibleBodies(regions=("yorkshire",)), set()) == ["Leeds CLP", "Unite 7"]
    both = EligibleBodies(kinds=("union",), regions=("Yorkshire",))
    assert eligible_names(BODIES, both, {"Hove CLP"}) == ["Unite 7"]
    listed = EligibleBodies(bodies=("GMB 3", "Gone Branch"))
    assert eligible_names(BODIES, listed, set()) == ["GMB 3"]
    assert EligibleBodies.from_record({"kinds": [], "regions": [], "bodies": []}) is None
    assert listed.to_record() == {"kinds": [], "regions": [], "bodies": ["GMB 3", "Gone Branch"]}


def test_edit_rule_matches_names_and_refuses_mixtures() -> None:
    def edit(current=None, **given):
        options = {"kinds": None, "regions": None, "bodies": None, **given}
        return edit_rule(current, guild_bodies=BODIES, is_clear=lambda t: t == "clear", **options)

    assert edit(kinds="clp, Union") == EligibleBodies(kinds=("CLP", "union"))
    assert edit(bodies="hove clp,  leeds clp") == EligibleBodies(bodies=("Hove CLP", "Leeds CLP"))
    assert edit(EligibleBodies(bodies=("Hove CLP",)), regions="London") == EligibleBodies(regions=("London",))
    assert edit(EligibleBodies(kinds=("CLP",)), kinds="clear") is None
    with pytest.raises(ValidationError, match='No body named "Nowhere" on this server'):
        edit(bodies="Hove CLP, Nowhere")
    with pytest.raises(ValidationError, match="either a list"):
        edit(kinds="CLP", bodies="Hove CLP")


def test_the_import_rule() -> None:
    assert ImportMode.of(False) is ImportMode.ADD and ImportMode.of(True) is ImportMode.REPLACE
    assert not is_large_removal(1, 3)  # one row is routine
    assert is_large_removal(1, 1)  # ... unless it empties the list
    assert not is_large_removal(2, 10) and is_large_removal(3, 10)  # more than 20%
    worst = worst_removal([Removal("candidates", 1, 5, "nec"), Removal("nominations", 42, 43, "nec")])
    assert worst is not None and worst.describe() == "it would remove 42 of 43 nominations in nec (98%)"
    assert worst_removal([Removal("candidates", 1, 5, "nec")]) is None
    assert removable_bodies({"A", "B"}, {"B", "C"}) == {"A"}
