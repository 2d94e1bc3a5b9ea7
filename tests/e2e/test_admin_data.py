"""`/admin data import|export` through the simulator: preview, apply, cancel, expiry, broken files."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.sim import DiscordSimulator, SimFile, SimGuild, SimMember
from bot.store import candidates, elections
from tests.e2e.admin_fixtures import audit_rows, mod_fixture, version
from tests.helpers import ask, import_pack

__all__ = ["mod_fixture"]  # fixtures used by name

BASE = {
    "version": 1,
    "bodies": [{"name": "Hackney North CLP"}],
    "elections": [
        {
            "slug": "nec",
            "name": "NEC 2026",
            "seats": 3,
            "voting_system": "bloc",
            "slates": [{"name": "Centre Left Grassroots Alliance", "short": "CLGA"}],
            "candidates": [{"name": "Yasmine Dar", "slate": "CLGA"}, {"name": "Eddie Izzard"}],
        }
    ],
}

UPDATE = {
    "version": 1,
    "elections": [
        {
            "slug": "nec",
            "name": "NEC 2026",
            "seats": 3,
            "voting_system": "bloc",
            "slates": [{"name": "Centre Left Grassroots Alliance", "short": "CLGA"}],
            "candidates": [
                {"name": "Yasmine Dar", "slate": "CLGA", "bio": "Councillor"},
                {"name": "Jon Lansman", "slate": "CLGA"},
            ],
        }
    ],
}


def json_file(data: object, name: str = "update.json") -> SimFile:
    return SimFile(name, json.dumps(data).encode(), "application/json")


@pytest.fixture
async def seeded(hustings, db, guild, clock):
    await import_pack(db, guild.id, BASE, clock, "seed.json")
    return hustings


async def names(db, guild: SimGuild) -> list[str]:
    nec = await elections.get_by_slug(db.reader, guild.id, "nec")
    return [c.name for c in await candidates.list_for_election(db.reader, nec.id)]


async def preview(sim: DiscordSimulator, mod: SimMember, file: SimFile, **options):
    handle = await sim.invoke(mod, "/admin data import", {"file": file, **options})
    reply = await handle.response(timeout=10)
    assert not reply.loading
    return reply


async def test_dry_run_shows_the_diff_and_changes_nothing(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, seeded, db
) -> None:
    before = await version(db, guild.id)
    reply = await preview(sim, mod, json_file(UPDATE), dry_run=True, replace=True)
    text = reply.text
    assert "candidates: +1 \\~1 -1" in text  # added, changed, removed ("~" escaped for Discord)
    assert "added: nec: Jon Lansman" in text and "removed: nec: Eddie Izzard" in text
    assert "Dry run" in text and reply.buttons == []
    assert await version(db, guild.id) == before
    assert sim.violations == []


async def test_apply_is_atomic_and_audited_once(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, seeded, db
) -> None:
    reply = await preview(sim, mod, json_file(UPDATE), replace=True)
    assert await names(db, guild) == ["Eddie Izzard", "Yasmine Dar"]
    done = await sim.click(mod, reply, reply.button("Apply")["custom_id"])
    assert "Imported" in (await done.response()).text
    assert await names(db, guild) == ["Jon Lansman", "Yasmine Dar"]
    [row] = [r for r in await audit_rows(db, guild.id) if r.action == "data.import" and r.actor_id == mod.id]
    assert row.before["counts"]["candidates"] == 2 and row.after["changes"]["candidates"] == {
        "added": 1,
        "changed": 1,
        "removed": 1,
    }
    again = await preview(sim, mod, json_file(UPDATE), replace=True)
    assert "No changes" in again.text and again.buttons == []
    assert sim.violations == []


async def test_cancel_and_expiry_change_nothing(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, seeded, db, monkeypatch
) -> None:
    before = await version(db, guild.id)
    reply = await preview(sim, mod, json_file(UPDATE))
    cancelled = await sim.click(mod, reply, reply.button("Cancel")["custom_id"])
    assert "nothing was changed" in (await cancelled.response()).content

    reply = await preview(sim, mod, json_file(UPDATE))
    sim.advance(timedelta(minutes=11))  # past the preview's life on the bot's clock
    late = await sim.click(mod, reply, reply.button("Apply")["custom_id"])
    assert "expired" in (await late.response()).content
    assert await version(db, guild.id) == before

    # The expired question no longer offers its buttons: the press replaced it with the sentence.
    current = sim.world.messages[reply.id]
    assert "expired" in current.content and current.components == []
    assert await version(db, guild.id) == before
    assert await names(db, guild) == ["Eddie Izzard", "Yasmine Dar"]
    assert sim.violations == []


async def test_data_changed_since_the_preview_is_refused(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, seeded, db
) -> None:
    reply = await preview(sim, mod, json_file(UPDATE))
    await ask(sim, mod, "/admin candidate status", {"candidate": "Eddie Izzard", "status": "withdrawn"})
    stale = await sim.click(mod, reply, reply.button("Apply")["custom_id"])
    assert "changed since this preview" in (await stale.response()).content
    assert await names(db, guild) == ["Eddie Izzard", "Yasmine Dar"]


BROKEN = [
    (SimFile("pack.json", b'{"version": 1, "elections": [', "application/json"), "problem"),
    (SimFile("candidates.csv", b"who,what\nA,B\n", "text/csv"), "problem"),
    (
        json_file(
            {
                "version": 1,
                "elections": [
                    {
                        "slug": "nec",
                        "name": "NEC",
                        "seats": 3,
                        "voting_system": "bloc",
                        "candidates": [{"name": "Twin"}, {"name": "Twin"}],
                    }
                ],
            }
        ),
        "Twin",
    ),
    (
        json_file(
            {
                "version": 1,
                "elections": [
                    {
                        "slug": "nec",
                        "name": "NEC",
                        "seats": 3,
                        "voting_system": "bloc",
                        "candidates": [{"name": "A", "slate": "No Such Slate"}],
                    }
                ],
            }
        ),
        "No Such Slate",
    ),
    (SimFile("candidates.csv", b"election,name,slate\nnec,Zed,Imaginary Slate\n", "text/csv"), "Imaginary Slate"),
    (SimFile("notes.txt", b"hello", "text/plain"), ".json pack or a .csv"),
    (SimFile("huge.csv", b"x" * (5 * 1024 * 1024 + 1), "text/csv"), "the limit is 5 MB"),
]


@pytest.mark.parametrize(
    ("file", "expected"),
    BROKEN,
    ids=[
        "bad-json",
        "wrong-columns",
        "duplicate-names",
        "unknown-slate",
        "csv-unknown-slate",
        "wrong-type",
        "too-big",
    ],
)
async def test_a_broken_file_leaves_the_database_unchanged(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, seeded, db, file: SimFile, expected: str
) -> None:
    before = await version(db, guild.id)
    reply = await preview(sim, mod, file)
    assert reply.ephemeral and expected in reply.content, reply.content
    assert "nothing was imported" in reply.content or "must be" in reply.content or "limit" in reply.content
    assert reply.buttons == []
    assert await version(db, guild.id) == before
    assert await names(db, guild) == ["Eddie Izzard", "Yasmine Dar"]
    assert len(reply.content) <= 2000
    assert sim.violations == []


async def test_export_attaches_a_pack_that_reimports_to_no_change(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, seeded, db
) -> None:
    reply = await ask(sim, mod, "/admin data export", {"election": "nec"})
    [attachment] = reply.attachments
    assert attachment.filename.startswith("hustings-nec-") and attachment.filename.endswith(".json")
    pack = json.loads(attachment.data)
    assert [c["name"] for c in pack["elections"][0]["candidates"]] == ["Eddie Izzard", "Yasmine Dar"]
    again = await preview(sim, mod, SimFile("roundtrip.json", attachment.data, "application/json"))
    assert "No changes" in again.text


async def test_expired_questions_are_deleted_with_their_file(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, seeded, db
) -> None:
    """An import's question holds the whole uploaded file: once expired (and a day on) it is deleted, with
    the guild's next audited change, and its old button still answers in words."""
    reply = await preview(sim, mod, json_file(UPDATE))

    async def stored() -> int:
        row = await db.fetchone("SELECT count(*) FROM pending_changes WHERE guild_id = ?", (guild.id,))
        return int(row[0])

    assert await stored() == 1
    sim.advance(timedelta(days=2))
    await ask(sim, mod, "/admin config timezone", {"zone": "Europe/Dublin"})
    assert await stored() == 0
    late = await sim.click(mod, reply, reply.button("Apply")["custom_id"])
    answer = (await late.response()).content
    assert "nothing was changed" in answer or "expired" in answer, answer
    assert sim.violations == []
