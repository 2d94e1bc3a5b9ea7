"""Export round trips, and the demo pack (real NEC 2018 result + a live fictional union election)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta

import pytest

from bot.packs.json_format import pack_from_dict
from bot.services.imports import export_pack, load_demo_pack, parse_pack_json, plan_import
from bot.store import snapshot
from bot.store.database import Database
from tests.packs.conftest import GUILD, NOW
from tests.packs.helpers import base, dumps


async def test_export_then_import_changes_nothing(db: Database, do_import) -> None:
    await do_import(parse_pack_json(dumps(base())))
    exported = await export_pack(db, GUILD)
    text = json.dumps(exported)  # must be plain JSON
    plan = await plan_import(db, GUILD, parse_pack_json(text, "export.json"))
    assert plan.is_empty, plan.summary_lines()

    # And into another guild it reproduces the same data.
    await do_import(parse_pack_json(text), guild_id=GUILD + 1)
    assert await export_pack(db, GUILD + 1) == exported


async def test_export_one_election(db: Database, do_import) -> None:
    pack = base()
    pack["elections"].append(dict(base()["elections"][0], slug="other", nominations=[], results=None))
    await do_import(parse_pack_json(dumps(pack)))
    one = await export_pack(db, GUILD, "other")
    assert [e["slug"] for e in one["elections"]] == ["other"]
    assert len(one["bodies"]) == 3  # bodies always in full: the list is authoritative on import
    assert (await plan_import(db, GUILD, pack_from_dict(one))).is_empty
    with pytest.raises(LookupError):
        await export_pack(db, GUILD, "nope")


async def test_demo_pack_loads_and_nec_2018_result_is_exact(db: Database, do_import) -> None:
    plan = await do_import(load_demo_pack(NOW))
    assert not plan.diffs["nominations"].removed
    state = await snapshot.load_state(db.reader, GUILD)

    nec = state.elections["nec-2018"]
    assert (nec["seats"], nec["voting_system"], nec["threshold"]) == (3, "bloc", "5%")
    assert nec["results"].startswith("2018-01-15")
    result = state.results["nec-2018"]
    assert result["published"] is True
    [rnd] = result["rounds"]
    assert rnd["votes"] == {
        "Yasmine Dar": 68388,
        "Jon Lansman": 65163,
        "Rachel Garnham": 62982,
        "Eddie Izzard": 39508,
        "Johanna Baxter": 27234,
        "Gurinder Singh Josan": 25224,
        "Nick Donovan": 11944,
        "Nicola Morrison": 7551,
        "Sarah Taylor": 7011,
    }
    assert rnd["elected"] == []  # computed winners: stored as votes only, recomputed on every change
    exported = (await export_pack(db, GUILD, "nec-2018"))["elections"][0]["results"]
    assert exported["winners"] == "computed"
    assert exported["rounds"][0]["elected"] == ["Yasmine Dar", "Jon Lansman", "Rachel Garnham"]
    assert state.candidates["nec-2018"]["Jon Lansman"]["slate"] == "Centre Left Grassroots Alliance"
    assert state.slates["nec-2018"]["Centre Left Grassroots Alliance"]["short"] == "CLGA"
    assert state.nominations["nec-2018"] == {}  # no invented nominations for real people


async def test_demo_union_election_is_live_at_load_time(db: Database, do_import) -> None:
    await do_import(load_demo_pack(NOW))
    state = await snapshot.load_state(db.reader, GUILD)
    union = state.elections["ncwu-nec"]
    at = lambda s: datetime.fromisoformat(s)  # noqa: E731
    assert at(union["nominations_open"]) < NOW < at(union["nominations_close"]) <= NOW + timedelta(days=6)
    assert at(union["nominations_close"]) < at(union["ballot_open"]) < at(union["ballot_close"]) < at(union["results"])
    assert "ncwu-nec" not in state.results

    assert len(state.bodies) == 40 and len({b["region"] for b in state.bodies.values()}) == 6
    close = at(union["nominations_close"])
    upcoming = [b for b in state.bodies.values() if b["meeting"] and NOW < at(b["meeting"]) < close]
    assert len(upcoming) >= 5

    candidates = state.candidates["ncwu-nec"]
    assert len(candidates) == 8 and len(state.slates["ncwu-nec"]) == 3
    assert any(c["slate"] is None for c in candidates.values())
    noms = state.nominations["ncwu-nec"]
    assert all(datetime.fromisoformat(r["date"]).date() < NOW.date() for r in noms.values())
    per_candidate = Counter(c for _, c in noms)
    threshold = 0.10 * len(state.bodies)
    assert any(n >= threshold for n in per_candidate.values()) and any(n < threshold for n in per_candidate.values())


async def test_demo_pack_is_idempotent_and_moves_with_time(db: Database, do_import) -> None:
    await do_import(load_demo_pack(NOW))
    assert (await plan_import(db, GUILD, load_demo_pack(NOW))).is_empty
    later = await plan_import(db, GUILD, load_demo_pack(NOW + timedelta(days=1)))
    assert [c.key for c in later.diffs["elections"].changed] == [("ncwu-nec",)]  # only the live election moves
    assert not later.diffs["results"] and not later.diffs["candidates"]


def test_demo_pack_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        load_demo_pack(datetime(2026, 1, 1))
