"""Eligible bodies in packs and CSV (issue #12.8): read, resolved against the server's bodies, stored,
exported and re-imported to no change; bad input names its place and writes nothing."""

from __future__ import annotations

import pytest

from bot.domain.import_rules import ImportMode
from bot.packs import PackError
from bot.services.imports import export_pack, parse_csv, parse_pack_json, plan_file, plan_import
from bot.store import snapshot
from bot.store.database import Database
from tests.packs.conftest import GUILD, dump
from tests.packs.helpers import base, dumps


async def eligible(db: Database) -> dict | None:
    return (await snapshot.load_state(db.reader, GUILD)).elections["nec-test"]["eligible"]


async def test_json_rule_is_stored_exported_and_reimported_to_no_change(db: Database, do_import) -> None:
    pack = base()
    pack["elections"][0]["eligible_bodies"] = {"bodies": ["hove clp", "Leeds Central CLP"]}
    await do_import(parse_pack_json(dumps(pack)))
    assert await eligible(db) == {"kinds": [], "regions": [], "bodies": ["Hove CLP", "Leeds Central CLP"]}
    exported = await export_pack(db, GUILD)
    assert (await plan_import(db, GUILD, parse_pack_json(dumps(exported)), mode=ImportMode.REPLACE)).is_empty

    pack["elections"][0]["eligible_bodies"] = None  # back to the default rule
    await do_import(parse_pack_json(dumps(pack)))
    assert await eligible(db) is None
    assert "eligible_bodies" not in (await export_pack(db, GUILD))["elections"][0]


async def test_csv_list_adds_by_default_and_replaces_when_asked(db: Database, do_import) -> None:
    await do_import(parse_pack_json(dumps(base())))
    first = "election,body\nnec-test,Hove CLP\n"
    plan = await do_import(parse_csv("eligible", first, "eligible.csv"))
    assert plan.counts()["elections"] == {"added": 0, "changed": 1, "removed": 0}
    await do_import(parse_csv("eligible", "election,body\nnec-test,leeds central clp\n", "eligible.csv"))
    assert (await eligible(db))["bodies"] == ["Hove CLP", "Leeds Central CLP"]
    await do_import(parse_csv("eligible", first, "eligible.csv"), mode=ImportMode.REPLACE)
    assert (await eligible(db))["bodies"] == ["Hove CLP"]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"bodies": ["Nowhere CLP"]}, 'elections[0].eligible_bodies.bodies[0]: no body "Nowhere CLP"'),
        ({"bodies": ["Hove CLP"], "kinds": ["CLP"]}, "give either a list of bodies or kinds/regions, not both"),
        ({"kind": ["CLP"]}, "elections[0].eligible_bodies.kind: unknown field"),
        ({"regions": "London"}, "elections[0].eligible_bodies.regions: must be a list of names"),
    ],
)
def test_bad_json_rules_are_refused_with_their_place(rule: dict, expected: str) -> None:
    pack = base()
    pack["elections"][0]["eligible_bodies"] = rule
    with pytest.raises(PackError) as caught:
        parse_pack_json(dumps(pack), "pack.json")
    assert any(expected in line for line in caught.value.lines()), caught.value.lines()


async def test_bad_csv_rows_are_refused_in_one_pass_and_nothing_is_written(db: Database, do_import) -> None:
    await do_import(parse_pack_json(dumps(base())))
    before = await dump(db)
    csv = "election,body\nnec-test,Hove CLP\nnec-test,hove clp\nnec-test,Nowhere CLP\nBad Slug,Hove CLP\n"
    with pytest.raises(PackError) as caught:
        await plan_file(db, GUILD, lambda: parse_csv("eligible", csv, "eligible.csv"))
    lines = caught.value.lines()
    assert lines[0].startswith('eligible.csv: row 3: body: "hove clp" is already listed for nec-test on row 2')
    assert lines[1].startswith('eligible.csv: row 4: body: no body "Nowhere CLP" on this server')
    assert lines[2].startswith("eligible.csv: row 5: election:")
    assert await dump(db) == before


async def test_a_listed_body_follows_its_renaming_and_goes_with_it(db: Database, do_import) -> None:
    from bot.store import bodies, elections

    pack = base()
    pack["elections"][0]["eligible_bodies"] = {"bodies": ["Hove CLP", "Leeds Central CLP"]}
    await do_import(parse_pack_json(dumps(pack)))
    hove = await bodies.get_by_name(db.reader, GUILD, "Hove CLP")
    leeds = await bodies.get_by_name(db.reader, GUILD, "Leeds Central CLP")
    async with db.transaction() as tx:
        await bodies.rename(tx, hove.id, "Brighton and Hove CLP")
        await bodies.delete(tx, leeds.id)
    assert (await eligible(db))["bodies"] == ["Brighton and Hove CLP"]
    election = await elections.get_by_slug(db.reader, GUILD, "nec-test")
    assert election.eligible.bodies == ("Brighton and Hove CLP",)
    async with db.transaction() as tx:  # an edit of another field keeps the list
        await elections.upsert(tx, election)
    assert (await eligible(db))["bodies"] == ["Brighton and Hove CLP"]
