"""Computed vs declared winners in packs and CSV (issue #12 item 1): round trips and refusals."""

from __future__ import annotations

import json

import pytest

from bot.packs.issues import PackError
from bot.services.imports import export_pack, parse_csv, parse_pack_json, plan_import
from bot.store import snapshot
from bot.store.database import Database
from tests.packs.conftest import GUILD, dump


def _pack(results: dict | None, system: str = "bloc") -> str:
    election = {
        "slug": "nec",
        "name": "NEC",
        "seats": 2,
        "voting_system": system,
        "candidates": [{"name": "Ann Able"}, {"name": "Bob Brown"}, {"name": "Cat Cole"}],
        "results": results,
    }
    return json.dumps({"elections": [election]})


VOTES = {"Ann Able": 500, "Bob Brown": 400, "Cat Cole": 300}


@pytest.mark.parametrize(
    ("results", "winners", "stored_marks"),
    [
        ({"rounds": [{"votes": VOTES}]}, "computed", []),
        ({"rounds": [{"votes": VOTES, "elected": ["Ann Able", "Bob Brown"]}]}, "computed", []),
        ({"winners": "declared", "rounds": [{"votes": VOTES, "elected": ["Ann Able", "Cat Cole"]}]}, "declared", None),
        ({"rounds": [{"votes": VOTES, "elected": ["Ann Able", "Cat Cole"]}]}, "declared", None),
    ],
)
async def test_winners_round_trip_through_export_and_import(
    db: Database, do_import, results, winners, stored_marks
) -> None:
    await do_import(parse_pack_json(_pack(results)))
    state = await snapshot.load_state(db.reader, GUILD)
    marks = state.results["nec"]["rounds"][0]["elected"]
    assert marks == (stored_marks if stored_marks is not None else ["Ann Able", "Cat Cole"])
    exported = await export_pack(db, GUILD)
    assert exported["elections"][0]["results"]["winners"] == winners
    plan = await plan_import(db, GUILD, parse_pack_json(json.dumps(exported), "export.json"))
    assert plan.is_empty, plan.summary_lines()


async def test_csv_says_which_and_reads_back(db: Database, do_import) -> None:
    await do_import(parse_pack_json(_pack(None)))
    sheet = (
        "election,round,candidate,votes,elected,winners\n"
        "nec,1,Ann Able,500,x,declared\n"
        "nec,1,Bob Brown,400,,declared\n"
        "nec,1,Cat Cole,300,x,declared\n"
    )
    await do_import(parse_csv("results", sheet.encode(), "results.csv"))
    exported = (await export_pack(db, GUILD))["elections"][0]["results"]
    assert exported["winners"] == "declared" and exported["rounds"][0]["elected"] == ["Ann Able", "Cat Cole"]


@pytest.mark.parametrize(
    ("results", "system", "said"),
    [
        (
            {"winners": "computed", "rounds": [{"votes": VOTES, "elected": ["Ann Able", "Cat Cole"]}]},
            "bloc",
            'elections[0].results.winners: is "computed", but the candidates marked elected',
        ),
        ({"winners": "declared", "rounds": [{"votes": VOTES}]}, "bloc", "nobody is marked elected"),
        ({"winners": "declared", "rounds": [{"votes": VOTES, "elected": ["Ann Able"]}]}, "stv", 'must be "computed"'),
        ({"rounds": [{"votes": {"Ann Able": 1.842, "Bob Brown": 3}}]}, "fptp", "did you mean 1842?"),
        ({"winners": "announced", "rounds": [{"votes": VOTES}]}, "bloc", '"announced" is not one of'),
    ],
)
async def test_bad_winners_or_fractions_are_refused_and_nothing_changes(
    db: Database, do_import, results, system, said
) -> None:
    await do_import(parse_pack_json(_pack({"rounds": [{"votes": VOTES}]}, system)))
    before = await dump(db)
    with pytest.raises(PackError) as caught:
        pack = parse_pack_json(_pack(results, system), "pack.json")
        await plan_import(db, GUILD, pack)
    assert said in str(caught.value), str(caught.value)
    assert await dump(db) == before
