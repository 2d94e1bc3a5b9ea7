"""Planning and applying imports against a real database: idempotence, in-place updates, removal
scope, atomicity, staleness and the audit trail.
"""

from __future__ import annotations

import pytest

from bot.domain.import_rules import ImportMode
from bot.packs import PackError
from bot.services.imports import (
    StaleImportError,
    apply_import,
    parse_csv,
    parse_pack_json,
    plan_import,
)
from bot.store import audit, meta, snapshot
from bot.store.database import Database
from tests.packs.conftest import GUILD, NOW, dump
from tests.packs.helpers import base, dumps


async def candidate_ids(db: Database) -> dict[str, int]:
    return {r["name"]: r["id"] for r in await db.fetchall("SELECT id, name FROM candidates")}


async def test_first_import_then_reimport_changes_nothing(db: Database, do_import) -> None:
    plan = await do_import(parse_pack_json(dumps(base())))
    assert plan.applied_version == 1
    assert plan.counts()["nominations"] == {"added": 4, "changed": 0, "removed": 0}
    assert plan.summary_lines()[0] == ("bodies: +3 ~0 -0 (added: Hove CLP, Islington North CLP, Leeds Central CLP)")
    before = await dump(db)

    again = await plan_import(db, GUILD, parse_pack_json(dumps(base())))
    assert again.is_empty
    assert again.summary_lines() == ["No changes: the server already has this data."]
    applied = await apply_import(db, GUILD, again, actor_id=7, actor_name="mod", now=NOW)
    assert applied.applied_version is None
    assert await dump(db) == before  # zero writes: no version bump, no audit row
    assert (await meta.get_version(db.reader, GUILD)).version == 1


async def test_stored_data_matches_the_pack(db: Database, do_import) -> None:
    plan = await do_import(parse_pack_json(dumps(base())))
    state = await snapshot.load_state(db.reader, GUILD)
    assert plan.target == state  # the import service caches the target as the new state
    assert state.candidates["nec-test"]["Rachel Garnham"]["slate"] == "Centre Left Grassroots Alliance"
    assert state.nominations["nec-test"][("Hove CLP", "Yasmine Dar")] == {"date": None}
    assert state.results["nec-test"]["rounds"][0]["votes"]["Yasmine Dar"] == 68388
    assert state.bodies["Islington North CLP"]["meeting"] == "2026-12-02T19:30:00+00:00"


async def test_corrected_pack_updates_in_place(db: Database, do_import) -> None:
    await do_import(parse_pack_json(dumps(base())))
    ids = await candidate_ids(db)
    pack = base()
    pack["elections"][0]["candidates"][0]["bio"] = "Corrected bio."
    pack["elections"][0]["results"]["rounds"][0]["votes"]["Nick Donovan"] = 11945
    pack["bodies"][1]["members"] = 1250

    plan = await plan_import(db, GUILD, parse_pack_json(dumps(pack)))
    [change] = plan.diffs["candidates"].changed
    assert change.key == ("nec-test", "Yasmine Dar") and change.fields == ["bio"]
    assert change.before["bio"] == "A bio." and change.after["bio"] == "Corrected bio."
    assert plan.counts()["results"] == {"added": 0, "changed": 1, "removed": 0}
    assert plan.counts()["bodies"] == {"added": 0, "changed": 1, "removed": 0}
    assert not plan.diffs["nominations"]
    await apply_import(db, GUILD, plan, actor_id=7, actor_name="mod", now=NOW)

    assert await candidate_ids(db) == ids  # same rows, updated
    assert (await plan_import(db, GUILD, parse_pack_json(dumps(pack)))).is_empty


async def test_missing_rows_are_removed_with_their_dependants(db: Database, do_import) -> None:
    await do_import(parse_pack_json(dumps(base())))
    pack = base()
    election = pack["elections"][0]
    election["candidates"] = [c for c in election["candidates"] if c["name"] != "Eddie Izzard"]
    election["nominations"] = [n for n in election["nominations"] if n["body"] != "Leeds Central CLP"]
    del election["results"]["rounds"][0]["votes"]["Eddie Izzard"]
    election["slates"] = election["slates"][:1]  # drop the PLF slate (its only candidate is gone)

    assert not (await plan_import(db, GUILD, parse_pack_json(dumps(pack)))).diffs["candidates"].removed  # add mode
    plan = await plan_import(db, GUILD, parse_pack_json(dumps(pack)), mode=ImportMode.REPLACE)
    assert [c.key for c in plan.diffs["candidates"].removed] == [("nec-test", "Eddie Izzard")]
    assert [c.key for c in plan.diffs["nominations"].removed] == [("nec-test", "Leeds Central CLP", "Eddie Izzard")]
    assert [c.key for c in plan.diffs["slates"].removed] == [("nec-test", "Progress / Labour First backed")]
    await apply_import(db, GUILD, plan, actor_id=7, actor_name="mod", now=NOW)
    assert "Eddie Izzard" not in await candidate_ids(db)
    assert (await plan_import(db, GUILD, parse_pack_json(dumps(pack)), mode=ImportMode.REPLACE)).is_empty


async def test_bodies_key_decides_body_removal(db: Database, do_import) -> None:
    await do_import(parse_pack_json(dumps(base())))
    pack = base()
    del pack["bodies"]
    plan = await plan_import(db, GUILD, parse_pack_json(dumps(pack)), mode=ImportMode.REPLACE)
    assert plan.is_empty  # no "bodies" key: the server's bodies stay

    pack = base()
    pack["bodies"] = [b for b in pack["bodies"] if b["name"] != "Hove CLP"]
    pack["elections"][0]["nominations"].pop()  # Hove's nomination
    plan = await plan_import(db, GUILD, parse_pack_json(dumps(pack)), mode=ImportMode.REPLACE)
    assert [c.key for c in plan.diffs["nominations"].removed] == [("nec-test", "Hove CLP", "Yasmine Dar")]
    # The pack speaks for nec-test, the only election: once it drops Hove's nomination nothing refers to Hove.
    assert [c.key for c in plan.diffs["bodies"].removed] == [("Hove CLP",)]


async def test_unlisted_body_goes_only_when_no_election_refers_to_it(db: Database, do_import) -> None:
    pack = base()
    pack["bodies"].append({"name": "Unite Branch 7", "kind": "union branch"})
    await do_import(parse_pack_json(dumps(pack)))
    bodies_only = {"bodies": [b for b in base()["bodies"] if b["name"] != "Hove CLP"]}
    plan = await plan_import(db, GUILD, parse_pack_json(dumps(bodies_only)), mode=ImportMode.REPLACE)
    assert plan.kinds == {"bodies"}
    assert [c.key for c in plan.diffs["bodies"].removed] == [("Unite Branch 7",)]  # Hove still nominates
    assert not plan.diffs["nominations"]
    await apply_import(db, GUILD, plan, actor_id=7, actor_name="mod", now=NOW)
    assert (await plan_import(db, GUILD, parse_pack_json(dumps(bodies_only)), mode=ImportMode.REPLACE)).is_empty


async def test_absent_keys_and_fields_are_untouched(db: Database, do_import) -> None:
    await do_import(parse_pack_json(dumps(base())))
    async with db.transaction() as tx:  # the bot marks someone elected after the pack was loaded
        await tx.execute("UPDATE candidates SET status = 'on ballot' WHERE name = 'Yasmine Dar'")
        await meta.bump_version(tx, GUILD, NOW, "test")
    pack = base()
    del pack["elections"][0]["nominations"]
    del pack["elections"][0]["results"]
    plan = await plan_import(db, GUILD, parse_pack_json(dumps(pack)))
    assert plan.is_empty  # status not given → kept; nominations/results not given → kept


async def test_removed_slate_leaves_candidates_independent(db: Database, do_import) -> None:
    await do_import(parse_pack_json(dumps(base())))
    pack = {"elections": [dict(base()["elections"][0])]}
    entry = pack["elections"][0]
    for key in ("candidates", "nominations", "results"):
        del entry[key]
    entry["slates"] = entry["slates"][:1]
    plan = await plan_import(db, GUILD, parse_pack_json(dumps(pack)), mode=ImportMode.REPLACE)
    [change] = plan.diffs["candidates"].changed
    assert change.key == ("nec-test", "Eddie Izzard") and change.after["slate"] is None
    await apply_import(db, GUILD, plan, actor_id=7, actor_name="mod", now=NOW)
    state = await snapshot.load_state(db.reader, GUILD)
    assert state.candidates["nec-test"]["Eddie Izzard"]["slate"] is None


async def test_csv_touches_only_its_kind_and_elections(db: Database, do_import) -> None:
    pack = base()
    second = dict(base()["elections"][0], slug="other", nominations=[], results=None)
    pack["elections"].append(second)
    await do_import(parse_pack_json(dumps(pack)))

    csv = "election,body,candidate,date\nnec-test,Hove CLP,Rachel Garnham,2017-11-20\n"
    plan = await plan_import(db, GUILD, parse_csv("nominations", csv, "nominations.csv"), mode=ImportMode.REPLACE)
    assert plan.kinds == {"nominations"}
    counts = plan.counts()
    assert counts["nominations"] == {"added": 1, "changed": 0, "removed": 4}
    assert all(not any(counts[k].values()) for k in counts if k != "nominations")
    await apply_import(db, GUILD, plan, actor_id=7, actor_name="mod", now=NOW)
    state = await snapshot.load_state(db.reader, GUILD)
    assert list(state.nominations["nec-test"]) == [("Hove CLP", "Rachel Garnham")]
    assert state.results["nec-test"]["rounds"]  # results untouched


async def test_default_mode_adds_and_updates_only(db: Database, do_import) -> None:
    await do_import(parse_pack_json(dumps(base())))
    csv = (
        "election,body,candidate,date\n"
        "nec-test,Hove CLP,Rachel Garnham,2017-11-20\n"
        "nec-test,Hove CLP,Yasmine Dar,2017-11-19\n"
    )
    plan = await plan_import(db, GUILD, parse_csv("nominations", csv, "n.csv"))
    assert plan.counts()["nominations"] == {"added": 1, "changed": 1, "removed": 0}


async def test_csv_references_are_checked_against_the_server(db: Database, do_import) -> None:
    await do_import(parse_pack_json(dumps(base())))
    csv = (
        "election,body,candidate\n"
        "nec-test,Hove CLP,Rachel Garnam\n"
        "nec-test,Nowhere CLP,Jon Lansman\n"
        "unknown-election,Hove CLP,Jon Lansman\n"
        "nec-test,Hove CLP,Jon Lansman\n"
        "nec-test,Hove CLP,Eddie Izzard\n"
        "nec-test,Hove CLP,Nick Donovan\n"
        "nec-test,Hove CLP,Yasmine Dar\n"
    )
    with pytest.raises(PackError) as info:
        await plan_import(db, GUILD, parse_csv("nominations", csv, "nominations.csv"))
    assert info.value.lines() == [
        'nominations.csv: row 2: candidate: no candidate "Rachel Garnam" in election nec-test '
        '(did you mean "Rachel Garnham"?)',
        'nominations.csv: row 3: body: no body "Nowhere CLP" in the pack or on this server',
        'nominations.csv: row 4: election: no election "unknown-election" on this server; import a JSON pack '
        "that defines it first",
        'nominations.csv: row 8: body: "Hove CLP" nominates 4 candidates in nec-test, more than its 3 seats',
    ]


async def test_results_csv_replaces_rounds_and_keeps_flags(db: Database, do_import) -> None:
    await do_import(parse_pack_json(dumps(base())))
    csv = "election,round,candidate,votes,elected\nnec-test,1,Yasmine Dar,100,y\nnec-test,1,Nick Donovan,5,\n"
    plan = await plan_import(db, GUILD, parse_csv("results", csv, "results.csv"))
    [change] = plan.diffs["results"].changed
    assert change.after["published"] is True  # no published column: kept
    assert change.after["rounds"] == [
        {"votes": {"Yasmine Dar": 100, "Nick Donovan": 5}, "elected": ["Yasmine Dar"], "excluded": []}
    ]


async def test_kinds_limit_the_import(db: Database, do_import) -> None:
    plan = await plan_import(db, GUILD, parse_pack_json(dumps(base())), kinds={"bodies"})
    assert plan.kinds == {"bodies"}
    assert plan.counts()["candidates"]["added"] == 0 and plan.counts()["bodies"]["added"] == 3
    with pytest.raises(ValueError, match="unknown kinds"):
        await plan_import(db, GUILD, parse_pack_json(dumps(base())), kinds={"voters"})


@pytest.mark.parametrize("fail_at", ["results", "audit"])
async def test_failure_mid_apply_leaves_the_database_unchanged(
    db: Database, do_import, monkeypatch, fail_at: str
) -> None:
    await do_import(parse_pack_json(dumps(base())))
    before = await dump(db)
    pack = base()
    pack["elections"][0]["candidates"].append({"name": "Sarah Taylor"})
    pack["elections"][0]["nominations"].append({"body": "Leeds Central CLP", "candidates": ["Sarah Taylor"]})
    pack["elections"][0]["results"]["rounds"][0]["votes"]["Sarah Taylor"] = 7011
    pack["bodies"].append({"name": "Hackney South CLP"})
    plan = await plan_import(db, GUILD, parse_pack_json(dumps(pack)))

    async def boom(*args, **kwargs):
        raise RuntimeError("injected failure")

    # The results step runs after bodies, candidates and nominations were written; audit runs last.
    target = (snapshot, "_clear_results") if fail_at == "results" else (audit, "append")
    monkeypatch.setattr(*target, boom)
    with pytest.raises(RuntimeError, match="injected"):
        await apply_import(db, GUILD, plan, actor_id=7, actor_name="mod", now=NOW)
    assert await dump(db) == before


async def test_stale_plan_is_refused(db: Database, do_import) -> None:
    await do_import(parse_pack_json(dumps(base())))
    pack = base()
    pack["elections"][0]["candidates"][0]["bio"] = "New."
    plan = await plan_import(db, GUILD, parse_pack_json(dumps(pack)))
    async with db.transaction() as tx:  # someone edits in between
        await meta.bump_version(tx, GUILD, NOW, "someone")
    before = await dump(db)
    with pytest.raises(StaleImportError, match="preview it again"):
        await apply_import(db, GUILD, plan, actor_id=7, actor_name="mod", now=NOW)
    assert await dump(db) == before


async def test_one_audit_row_and_version_bump(db: Database, do_import) -> None:
    plan = await do_import(parse_pack_json(dumps(base()), "nec.json"))
    version = await meta.get_version(db.reader, GUILD)
    assert version.version == plan.applied_version == 1 and version.source == "import:nec.json"
    [entry] = await audit.recent(db.reader, GUILD)
    assert entry.action == "data.import" and entry.actor_name == "mod" and entry.entity == "nec.json (nec-test)"
    assert entry.before == {
        "version": 0,
        "counts": dict.fromkeys(["bodies", "elections", "slates", "candidates", "nominations", "results"], 0),
    }
    assert entry.after["counts"]["nominations"] == 4 and entry.after["version"] == 1
    assert entry.after["changes"]["candidates"] == {"added": 5, "changed": 0, "removed": 0}


async def test_plan_for_another_guild_is_refused(db: Database) -> None:
    plan = await plan_import(db, GUILD, parse_pack_json(dumps(base())))
    with pytest.raises(ValueError, match="made for guild"):
        await apply_import(db, GUILD + 1, plan, actor_id=7, actor_name="mod", now=NOW)


async def test_guilds_are_separate(db: Database, do_import) -> None:
    await do_import(parse_pack_json(dumps(base())))
    plan = await plan_import(db, GUILD + 1, parse_pack_json(dumps(base())))
    assert plan.counts()["candidates"]["added"] == 5  # other guild starts from nothing


async def test_applied_target_is_what_the_database_holds(db: Database, do_import) -> None:
    """The service caches a plan's target after applying; it must equal a fresh read every time."""
    from bot.services.imports import load_demo_pack

    steps = [load_demo_pack(NOW), parse_pack_json(dumps(base())), load_demo_pack(NOW.replace(day=25))]
    pack = base()
    pack["elections"][0]["slates"].pop()
    pack["elections"][0]["candidates"][3]["slate"] = None
    pack["bodies"].pop()
    del pack["elections"][0]["nominations"]
    steps.append(parse_pack_json(dumps(pack)))
    for step in steps:
        plan = await do_import(step)
        assert plan.target == await snapshot.load_state(db.reader, GUILD)


async def test_an_entry_may_refer_to_the_servers_slates_and_candidates(db: Database, do_import) -> None:
    """An election entry without `slates` / `candidates` names the server's (as documented); unknown
    names are still refused, when planning against the server."""
    await do_import(parse_pack_json(dumps(base())))
    entry = {k: v for k, v in base()["elections"][0].items() if k not in ("slates", "candidates", "results")}
    entry["nominations"] = [{"body": "Hove CLP", "candidates": ["rachel garnham", "Yasmine Dar"]}]
    plan = await plan_import(db, GUILD, parse_pack_json(dumps({"elections": [entry]})), mode=ImportMode.REPLACE)
    assert [c.key for c in plan.diffs["nominations"].added] == [("nec-test", "Hove CLP", "Rachel Garnham")]

    only_candidates = {k: v for k, v in base()["elections"][0].items() if k not in ("slates", "nominations")}
    assert (await plan_import(db, GUILD, parse_pack_json(dumps({"elections": [only_candidates]})))).is_empty

    entry["nominations"] = [{"body": "Hove CLP", "candidates": ["Nobody Known"]}]
    with pytest.raises(PackError, match='no candidate "Nobody Known" in election nec-test'):
        await plan_import(db, GUILD, parse_pack_json(dumps({"elections": [entry]})))
