"""Issue #12, imports: add/update by default, replace only when asked and only for the elections a file
names, a second danger-styled question for large removals, and per-election eligible bodies.
"""

from __future__ import annotations

import json

from bot.sim import DiscordSimulator, SimFile, SimGuild, SimMember
from bot.store import snapshot
from tests.e2e.admin_fixtures import mod_fixture, version
from tests.helpers import ask, import_pack

__all__ = ["mod_fixture"]  # fixtures used by name

DANGER = 4  # Discord's red button style
SUCCESS = 3


def branches(prefix: str, count: int, kind: str = "branch", region: str = "") -> list[dict]:
    return [{"name": f"{prefix} {i:02d}", "kind": kind, "region": region} for i in range(1, count + 1)]


def election(slug: str, bodies: list[dict], nominating: int, threshold: str = "10%") -> dict:
    """An election with three candidates where the first `nominating` bodies each nominate one of them."""
    names = ["Ann Black", "Yasmine Dar", "Jon Lansman"]
    return {
        "slug": slug,
        "name": slug.upper(),
        "seats": 3,
        "voting_system": "bloc",
        "nomination_threshold": threshold,
        "candidates": [{"name": n} for n in names],
        "nominations": [{"body": b["name"], "candidates": [names[i % 3]]} for i, b in enumerate(bodies[:nominating])],
    }


async def nominations(db, guild: SimGuild, slug: str) -> set[tuple[str, str]]:
    state = await snapshot.load_state(db.reader, guild.id)
    return set(state.nominations.get(slug, {}))


async def preview(sim: DiscordSimulator, mod: SimMember, name: str, data: str, **options):
    handle = await sim.invoke(mod, "/admin data import", {"file": SimFile(name, data.encode(), "text/csv"), **options})
    return await handle.response(timeout=10)


async def test_this_weeks_nominations_csv_adds_and_updates_only(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, hustings, db, clock
) -> None:
    """#12.6: two rows of this week's nominations must not delete the 42 others behind a plain Apply."""
    bodies = branches("Branch", 45)
    await import_pack(db, guild.id, {"bodies": bodies, "elections": [election("nec", bodies, 43)]}, clock, "seed.json")
    before = await nominations(db, guild, "nec")
    assert len(before) == 43
    week = "election,body,candidate,date\nnec,Branch 44,Ann Black,2026-11-20\nnec,Branch 45,Jon Lansman,2026-11-21\n"

    reply = await preview(sim, mod, "nominations.csv", week)
    assert "nominations: +2 \\~0 -0" in reply.text, reply.text
    assert reply.button("Apply")["style"] == SUCCESS and "Warning" not in reply.text
    done = await sim.click(mod, reply, reply.button("Apply")["custom_id"])
    assert "Imported" in (await done.response()).text
    assert await nominations(db, guild, "nec") == before | {("Branch 44", "Ann Black"), ("Branch 45", "Jon Lansman")}
    assert sim.violations == []


async def test_replace_mode_removing_most_rows_asks_again_in_red(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, hustings, db, clock
) -> None:
    """#12.6: replace is explicit, and a removal of more than 20% needs a second, danger-styled press."""
    bodies = branches("Branch", 45)
    await import_pack(db, guild.id, {"bodies": bodies, "elections": [election("nec", bodies, 43)]}, clock, "seed.json")
    at_start = await version(db, guild.id)
    week = "election,body,candidate\nnec,Branch 01,Ann Black\nnec,Branch 44,Ann Black\n"

    reply = await preview(sim, mod, "nominations.csv", week, replace=True)
    assert "nominations: +1 \\~0 -42" in reply.text
    assert "Warning" in reply.text and "42 of 43 nominations in nec" in reply.text
    second = await sim.click(mod, reply, reply.button("Apply")["custom_id"])
    question = await second.response()
    assert "Remove this many rows?" in question.text
    assert question.button("Remove and import")["style"] == DANGER
    assert await version(db, guild.id) == at_start  # nothing written after the first press

    done = await sim.click(mod, question, question.button("Remove and import")["custom_id"])
    assert "Imported" in (await done.response()).text
    assert await nominations(db, guild, "nec") == {("Branch 01", "Ann Black"), ("Branch 44", "Ann Black")}
    assert sim.violations == []


async def test_second_election_pack_leaves_the_first_elections_bodies(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, hustings, db, clock
) -> None:
    """#12.7: a pack for a second election with its own 25 branches, even in replace mode, keeps the first
    election's 40 branches and 57 nominations."""
    first = branches("North", 40)
    nec = election("nec", first, 40)
    for row in nec["nominations"][:17]:  # 17 branches nominate a second candidate: 57 nominations
        row["candidates"].append("Ann Black" if row["candidates"] != ["Ann Black"] else "Yasmine Dar")
    await import_pack(db, guild.id, {"bodies": first, "elections": [nec]}, clock, "nec.json")
    before = await nominations(db, guild, "nec")
    assert len(before) == 57

    second = branches("South", 25)
    packs = {
        False: {"bodies": second, "elections": [election("ncwu", second, 25)]},
        # Replace mode, now without South 25: only ncwu's own list shrinks; nec's branches and nominations stay.
        True: {"bodies": second[:24], "elections": [election("ncwu", second, 24)]},
    }
    for replace, pack in packs.items():
        file = SimFile("ncwu.json", json.dumps(pack).encode(), "application/json")
        options = {"replace": True} if replace else {}  # the default first: what a moderator meets
        reply = await (await sim.invoke(mod, "/admin data import", {"file": file, **options})).response()
        if not replace:
            assert "bodies: +25 \\~0 -0" in reply.text and "nominations: +25 \\~0 -0" in reply.text, reply.text
        else:
            assert "bodies: +0 \\~0 -0" in reply.text and "nominations: +0 \\~0 -1" in reply.text, reply.text
        done = await sim.click(mod, reply, reply.button("Apply")["custom_id"])
        assert "Imported" in (await done.response()).text
        state = await snapshot.load_state(db.reader, guild.id)
        assert set(state.bodies) == {b["name"] for b in first + second}  # South 25 is still a branch nec counts
        assert await nominations(db, guild, "nec") == before
    assert sim.violations == []


async def test_thresholds_count_each_elections_own_eligible_bodies(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, member: SimMember, hustings, db, clock
) -> None:
    """#12.8: two elections whose bodies are all branches: "10%" of the second is 10% of its own 25, once
    its eligible bodies are set (in a pack, or by `/admin election edit`), not of all 65."""
    north, south = branches("North", 40, region="North"), branches("South", 25, region="South")
    nec = election("nec", north, 10)
    ncwu = election("ncwu", south, 5)
    await import_pack(db, guild.id, {"bodies": north + south, "elections": [nec, ncwu]}, clock, "seed.json")

    info = await ask(sim, member, "/election info", {"election": "ncwu"})
    assert "10% of 65 branches = 7 nominations" in info.text  # the old rule: every branch on the server

    edited = await ask(sim, mod, "/admin election edit", {"election": "ncwu", "eligible_regions": "south"})
    assert "eligible" in edited.text.lower()
    info = await ask(sim, member, "/election info", {"election": "ncwu"})
    assert "10% of 25 branches = 3 nominations" in info.text, info.text
    assert "5 of 25 branches have nominated" in info.text and "Eligible: all bodies in South" in info.text

    # An explicit list in a pack; the export carries it and re-imports to no change.
    # South 01 and 02 nominated but are not listed: their nominations are kept, not counted as reported.
    ncwu["eligible_bodies"] = {"bodies": [b["name"] for b in south[2:22]]}
    await import_pack(db, guild.id, {"elections": [ncwu]}, clock, "ncwu.json")
    info = await ask(sim, member, "/election info", {"election": "ncwu"})
    assert "10% of 20 branches = 2 nominations" in info.text and "Eligible: 20 listed bodies" in info.text
    assert "3 of 20 branches have nominated" in info.text
    exported = await ask(sim, mod, "/admin data export", {})
    pack = json.loads(exported.attachments[0].data)
    assert [e.get("eligible_bodies") for e in pack["elections"]] == [
        None,
        {"kinds": [], "regions": [], "bodies": [b["name"] for b in south[2:22]]},
    ]
    again = await ask(
        sim,
        mod,
        "/admin data import",
        {"file": SimFile("all.json", exported.attachments[0].data, "application/json"), "replace": True},
    )
    assert "No changes" in again.text

    bad = await ask(sim, mod, "/admin election edit", {"election": "ncwu", "eligible_kinds": "estate"})
    assert 'No body of kind "estate" on this server.' in bad.text
    assert sim.violations == []


async def test_a_bad_csv_lists_its_own_and_its_reference_problems_together(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, hustings, db, clock
) -> None:
    """#12 (bad input): one reply names file, row and field of every problem; the database is as before."""
    bodies = branches("Branch", 5)
    await import_pack(db, guild.id, {"bodies": bodies, "elections": [election("nec", bodies, 3)]}, clock, "seed.json")
    before = await version(db, guild.id)
    bad = "election,body,candidate,date\nnec,Branch 04,Ann Black,2026-13-01\nnec,Branch 99,Ann Blak,\n"
    reply = await preview(sim, mod, "nominations.csv", bad)
    assert reply.ephemeral and reply.buttons == []
    assert "nominations.csv: 3 problems found; nothing was imported." in reply.content, reply.content
    assert "row 2: date:" in reply.content
    assert 'row 3: body: no body "Branch 99"' in reply.content
    assert 'row 3: candidate: no candidate "Ann Blak" in election nec (did you mean "Ann Black"?)' in reply.content
    assert await version(db, guild.id) == before
    assert sim.violations == []
