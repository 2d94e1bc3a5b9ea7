"""Import speed at scale: 700 bodies and 10,000 nominations. Prints figures; asserts no wall-clock
limits (machines differ) — only that the work is correct and re-planning finds nothing to do.
"""

from __future__ import annotations

import json
import time
from typing import Any

from bot.cache import Cache
from bot.services import imports
from bot.services.imports import ImportMode, apply_import, export_pack, parse_csv, parse_pack_json, plan_import
from bot.store import snapshot
from bot.store.database import Database
from tests.packs.conftest import GUILD, NOW

BODIES = 700
ELECTIONS = 5
PER_ELECTION = 2_000  # 5 × 2,000 = 10,000 nominations


def big_pack() -> dict[str, Any]:
    bodies = [
        {
            "name": f"Branch {i:03d}",
            "kind": "branch",
            "region": f"Region {i % 12}",
            "members": 50 + i,
            "meeting": f"2026-12-{1 + i % 28:02d}T19:30:00+00:00",
        }
        for i in range(BODIES)
    ]
    elections = []
    for e in range(ELECTIONS):
        cands = [f"Candidate {e}-{c:02d}" for c in range(12)]
        noms = []
        for b in range(PER_ELECTION // 3 + 1):
            picks = [cands[(b + k * 4) % 12] for k in range(3)]
            noms.append({"body": f"Branch {b:03d}", "candidates": picks, "date": f"2026-11-{1 + b % 28:02d}"})
        # trim to exactly PER_ELECTION pairs
        extra = sum(len(n["candidates"]) for n in noms) - PER_ELECTION
        noms[-1]["candidates"] = noms[-1]["candidates"][: len(noms[-1]["candidates"]) - extra]
        elections.append(
            {
                "slug": f"exec-{e}",
                "name": f"Executive {e}",
                "seats": 3,
                "voting_system": "bloc",
                "nomination_threshold": "5%",
                "timeline": {
                    "nominations_open": "2026-11-01T09:00:00+00:00",
                    "nominations_close": "2026-12-01T17:00:00Z",
                },
                "slates": [{"name": "Left", "short": "L", "colour": "#C8102E"}, {"name": "Right", "short": "R"}],
                "candidates": [
                    {"name": c, "slate": "L" if i % 2 else "R", "bio": "x" * 200} for i, c in enumerate(cands)
                ],
                "nominations": noms,
            }
        )
    return {"bodies": bodies, "elections": elections}


def ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


async def test_700_bodies_10000_nominations(db: Database, capsys) -> None:
    text = json.dumps(big_pack())
    figures: dict[str, float] = {}

    t = time.perf_counter()
    pack = parse_pack_json(text)
    figures["parse JSON"] = ms(t)
    t = time.perf_counter()
    plan = await plan_import(db, GUILD, pack)
    figures["plan (empty db)"] = ms(t)
    t = time.perf_counter()
    await apply_import(db, GUILD, plan, actor_id=1, actor_name="perf", now=NOW)
    figures["apply (insert all)"] = ms(t)
    assert plan.counts()["nominations"]["added"] == ELECTIONS * PER_ELECTION
    assert plan.counts()["bodies"]["added"] == BODIES

    assert plan.target == await snapshot.load_state(db.reader, GUILD)  # what the plan cache relies on

    states: imports.States = Cache(16)
    await plan_import(db, GUILD, pack, states=states)
    t = time.perf_counter()
    again = await plan_import(db, GUILD, pack, states=states)
    figures["re-plan, no change"] = ms(t)
    assert again.is_empty
    t = time.perf_counter()
    again = await plan_import(db, GUILD, pack)
    figures["re-plan, no change, cold cache"] = ms(t)
    assert again.is_empty

    changed = json.loads(text)
    changed["elections"][0]["candidates"][0]["bio"] = "corrected"
    dropped = len(changed["elections"][1]["nominations"].pop()["candidates"])
    t = time.perf_counter()
    fix = await plan_import(db, GUILD, parse_pack_json(json.dumps(changed)), mode=ImportMode.REPLACE)
    await apply_import(db, GUILD, fix, actor_id=1, actor_name="perf", now=NOW)
    figures["parse+plan+apply, 2 edits"] = ms(t)
    assert fix.counts()["candidates"]["changed"] == 1 and fix.counts()["nominations"]["removed"] == dropped

    rows = ["election,body,candidate,date"]
    for e in changed["elections"]:
        for n in e["nominations"]:
            rows += [f"{e['slug']},{n['body']},{c},{n['date']}" for c in n["candidates"]]
    csv_text = "\n".join(rows) + "\n"
    t = time.perf_counter()
    csv_plan = await plan_import(db, GUILD, parse_csv("nominations", csv_text, "nominations.csv"))
    figures["CSV 10k rows parse+plan, no change"] = ms(t)
    assert csv_plan.is_empty

    t = time.perf_counter()
    exported = await export_pack(db, GUILD)
    figures["export"] = ms(t)
    assert sum(len(n["candidates"]) for e in exported["elections"] for n in e["nominations"]) == 10_000 - dropped

    with capsys.disabled():
        print("\nimport performance (700 bodies, 10,000 nominations):")
        for name, value in figures.items():
            print(f"  {name:<36} {value:8.1f} ms")
