"""Names as moderators type them, end to end: one folding rule for duplicates, one matcher for look-ups.

Issue #12 items 9, 11, 12 and #13 item 8: look-alike names (case, accents, NFC/NFD, invisible characters,
letters from another script) are refused as duplicates with the existing name quoted, wherever names enter;
admin options find names the way member commands do; re-adding a nomination never silently changes it;
files read offset-less times in the server's zone with the slash commands' daylight-saving rules.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, date, datetime

import pytest

from bot.config import Settings
from bot.sim import DiscordSimulator, SimFile, SimGuild, SimMember
from bot.store import bodies, candidates, elections, nominations
from tests.e2e.admin_fixtures import mod_fixture, version
from tests.helpers import ask, choices
from tests.services.test_sources_support import FeedServer

__all__ = ["mod_fixture"]  # fixtures used by name

SIAN = "Siân Llewellyn"
ZOE = "Zoë Ó Briain"


async def nec(db, guild: SimGuild):
    found = await elections.get_by_slug(db.reader, guild.id, "nec")
    assert found is not None
    return found


async def names(db, guild: SimGuild) -> list[str]:
    return sorted(c.name for c in await candidates.list_for_election(db.reader, (await nec(db, guild)).id))


@pytest.fixture
async def seeded(sim: DiscordSimulator, guild: SimGuild, mod: SimMember, hustings, db):
    await ask(sim, mod, "/admin config timezone", {"zone": "Europe/London"})
    await ask(sim, mod, "/admin election create", {"slug": "nec", "name": "NEC 2026", "seats": 3})
    for name in (SIAN, ZOE, "Ann Black"):
        reply = await ask(sim, mod, "/admin candidate add", {"election": "nec", "name": name})
        assert "Added candidate" in reply.text, reply.text
    await ask(sim, mod, "/admin slate add", {"election": "nec", "name": "Grassroots Alliance", "short": "GA"})
    await ask(sim, mod, "/admin branch add", {"name": "Caerdydd Canolog CLP"})
    return hustings


LOOK_ALIKES = [
    "Sian Llewellyn",  # accent dropped
    "SIÂN LLEWELLYN",  # case
    unicodedata.normalize("NFD", SIAN),  # same letters, decomposed
    "Si\u200ban Llewellyn",  # a zero-width space inside
    "Siân  Llewellyn ",  # extra spaces
    unicodedata.normalize("NFD", SIAN).replace("a", "\u0430"),  # Cyrillic а for Latin a
    "S\u0456\u00e2n Llewellyn",  # Cyrillic і for Latin i
]


async def test_look_alike_candidates_are_refused_with_the_existing_name_quoted(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, seeded, db
) -> None:
    before = await version(db, guild.id)
    for typed in LOOK_ALIKES:
        reply = await ask(sim, mod, "/admin candidate add", {"election": "nec", "name": typed})
        assert "Added candidate" not in reply.text, typed
        assert f"“{SIAN}”" in reply.content and "already" in reply.content, (typed, reply.content)
    assert await version(db, guild.id) == before
    assert await names(db, guild) == ["Ann Black", SIAN, ZOE]

    # Different people stay different: one letter more is a different name.
    reply = await ask(sim, mod, "/admin candidate add", {"election": "nec", "name": "Anne Black"})
    assert "Added candidate" in reply.text
    reply = await ask(sim, mod, "/admin candidate add", {"election": "nec", "name": "Sian Llewelyn"})
    assert "Added candidate" in reply.text
    assert sim.violations == []


async def test_renames_slates_and_branches_use_the_same_rule(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, seeded, db
) -> None:
    before = await version(db, guild.id)
    refused = [
        ("/admin candidate edit", {"candidate": "Ann Black", "name": "Sian Llewellyn"}, SIAN),
        ("/admin slate add", {"election": "nec", "name": "Grassr\u043e\u043ets Alliance"}, "Grassroots Alliance"),
        ("/admin branch add", {"name": "Caerdydd\u00a0Canolog clp"}, "Caerdydd Canolog CLP"),
        ("/admin branch add", {"name": "\u0421aerdydd Canolog CLP"}, "Caerdydd Canolog CLP"),  # Cyrillic С
    ]
    for command, options, existing in refused:
        reply = await ask(sim, mod, command, options)
        assert f"“{existing}”" in reply.content and "already" in reply.content, (command, reply.content)
    assert await version(db, guild.id) == before
    # Renaming an item to a new spelling of its own name is a correction, not a duplicate.
    reply = await ask(
        sim, mod, "/admin branch edit", {"branch": "Caerdydd Canolog CLP", "name": "Caerdydd canolog CLP"}
    )
    assert "Caerdydd canolog CLP" in reply.text and "already" not in reply.content
    assert [b.name for b in await bodies.list_for_guild(db.reader, guild.id)] == ["Caerdydd canolog CLP"]
    assert sim.violations == []


async def test_admin_options_find_names_like_member_commands(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, seeded, db
) -> None:
    # Typed without accents, in lower case: found, as /candidate finds it.
    reply = await ask(
        sim,
        mod,
        "/admin nomination add",
        {"branch": "caerdydd canolog", "candidate": "Zoe O Briain", "date": "2026-11-20"},
    )
    assert "Added nomination" in reply.text, reply.content
    [nomination] = await nominations.list_for_election(db.reader, (await nec(db, guild)).id)
    assert (nomination.body, nomination.candidate) == ("Caerdydd Canolog CLP", ZOE)
    # Misspelt: a did-you-mean, as member commands give.
    reply = await ask(sim, mod, "/admin candidate status", {"candidate": "Zoe O Brian", "status": "on ballot"})
    assert "did you mean" in reply.content and ZOE in reply.content, reply.content
    reply = await ask(sim, mod, "/admin branch edit", {"branch": "Cardiff Canolog", "region": "Wales"})
    assert "did you mean" in reply.content and "Caerdydd Canolog CLP" in reply.content, reply.content
    reply = await ask(sim, mod, "/admin slate edit", {"slate": "grassroots aliance", "colour": "#112233"})
    assert "did you mean" in reply.content and "Grassroots Alliance" in reply.content, reply.content
    # Autocomplete ranks as member autocomplete does: accents ignored, word starts count.
    assert await choices(sim, mod, "/admin candidate status", "candidate", "bria") == [ZOE]
    assert await choices(sim, mod, "/admin candidate status", "candidate", "zoe o") == [ZOE]
    assert sim.violations == []


async def test_adding_a_nomination_again_says_it_exists_and_what_would_change(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, seeded, db
) -> None:
    pair = {"branch": "Caerdydd Canolog CLP", "candidate": SIAN}
    await ask(sim, mod, "/admin nomination add", {**pair, "date": "2026-11-20"})
    election = await nec(db, guild)
    before = await version(db, guild.id)

    again = await ask(sim, mod, "/admin nomination add", pair)  # no date: today's would overwrite the real one
    assert "already" in again.content and "2026-11-20" in again.content and "nothing" in again.content
    same = await ask(sim, mod, "/admin nomination add", {**pair, "date": "2026-11-20"})
    assert "already" in same.content and "nothing" in same.content
    assert await version(db, guild.id) == before

    moved = await ask(sim, mod, "/admin nomination add", {**pair, "date": "2026-11-22"})
    assert "already" in moved.content and "2026-11-20" in moved.content and "2026-11-22" in moved.content
    [nomination] = await nominations.list_for_election(db.reader, election.id)
    assert nomination.date == date(2026, 11, 20)  # not until the moderator confirms
    done = await sim.click(mod, moved, moved.button("Change date")["custom_id"])
    text = (await done.response()).text
    assert "2026-11-20 → 2026-11-22" in text, text
    [nomination] = await nominations.list_for_election(db.reader, election.id)
    assert nomination.date == date(2026, 11, 22)
    assert sim.violations == []


def upload(name: str, text: str) -> SimFile:
    return SimFile(name, text.encode(), "text/csv" if name.endswith(".csv") else "application/json")


async def preview(sim: DiscordSimulator, mod: SimMember, file: SimFile):
    handle = await sim.invoke(mod, "/admin data import", {"file": file})
    reply = await handle.response(timeout=10)
    assert not reply.loading
    return reply


async def test_imports_refuse_look_alikes_listed_twice(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, seeded, db
) -> None:
    before = await version(db, guild.id)
    listed = f"election,name\nnec,{SIAN}\nnec,{ZOE}\nnec,Ann Black\nnec,Sian Llewellyn\n"
    reply = await preview(sim, mod, upload("candidates.csv", listed))
    assert "candidates.csv: row 5: name" in reply.content and f"“{SIAN}”" in reply.content, reply.content
    assert "nothing was imported" in reply.content

    cyrillic = ZOE.replace("o", "\u043e")
    pack = {
        "elections": [
            {
                "slug": "nec",
                "name": "NEC 2026",
                "seats": 3,
                "voting_system": "bloc",
                "candidates": [{"name": ZOE}, {"name": cyrillic}],
            }
        ]
    }
    reply = await preview(sim, mod, upload("pack.json", json.dumps(pack)))
    assert r"elections\[0\].candidates\[1\].name" in reply.content and f"“{ZOE}”" in reply.content, reply.content

    bodies_csv = "name\nHackney North CLP\nHACKNEY NORTH CLP\u200b\n"
    reply = await preview(sim, mod, upload("bodies.csv", bodies_csv))
    assert "bodies.csv: row 3: name" in reply.content and "“Hackney North CLP”" in reply.content, reply.content
    assert await version(db, guild.id) == before
    assert await names(db, guild) == ["Ann Black", SIAN, ZOE]
    assert sim.violations == []


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings, letting sources read the loopback feed server below."""
    return settings.replace(source_allow_private=True)


async def test_a_source_adding_a_look_alike_of_a_stored_name_fails_and_changes_nothing(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, seeded, db, feed: FeedServer
) -> None:
    before = await version(db, guild.id)
    feed.serve("c.csv", "name,bio\nJon Lansman,Standing\nSian Llewellyn,Standing\n")
    options = {"election": "nec", "kind": "candidates", "url": feed.url("c.csv"), "authoritative": False}
    await ask(sim, mod, "/admin source add", options)
    service = seeded.services.sources
    await service.idle()
    [source] = await service.for_guild(guild.id)
    assert source.last_error is not None and "row 3, name: reads the same as" in source.last_error, source.last_error
    # a source's problems never quote text (what a link returned stays out of Discord); the preview does
    assert "Sian" not in source.last_error
    assert await names(db, guild) == ["Ann Black", SIAN, ZOE]
    assert await version(db, guild.id) == before

    # Spelt as stored (or a genuinely different name), the same sheet goes in.
    feed.serve("c.csv", f"name,bio\nJon Lansman,Standing\n{SIAN},Standing\n")
    reply = await ask(sim, mod, "/admin source sync", {"source": source.id})
    assert "Updated from the source" in reply.embeds[0]["title"], reply.embeds
    assert await names(db, guild) == ["Ann Black", "Jon Lansman", SIAN, ZOE]
    assert sim.violations == []


async def test_file_times_without_offset_are_read_in_the_server_zone(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, seeded, db
) -> None:
    # Summer: 19:00 in London is 18:00 UTC; winter: 19:00 is 19:00 UTC.
    text = "name,meeting\nCaerdydd Canolog CLP,2026-07-02 19:00\nHove CLP,2026-12-03 19:00\n"
    reply = await preview(sim, mod, upload("bodies.csv", text))
    assert "has no UTC offset" not in reply.content, reply.content
    done = await sim.click(mod, reply, reply.button("Apply")["custom_id"])
    assert "Imported" in (await done.response()).text
    stored = {b.name: b.meeting for b in await bodies.list_for_guild(db.reader, guild.id)}
    assert stored == {
        "Caerdydd Canolog CLP": datetime(2026, 7, 2, 18, 0, tzinfo=UTC),
        "Hove CLP": datetime(2026, 12, 3, 19, 0, tzinfo=UTC),
    }
    before = await version(db, guild.id)
    gap = "name,meeting\nHove CLP,2027-03-28 01:30\n"
    reply = await preview(sim, mod, upload("bodies.csv", gap))
    assert "bodies.csv: row 2: meeting" in reply.content and "clocks go forward" in reply.content, reply.content
    twice = "name,meeting\nHove CLP,2026-10-25 01:30\n"
    reply = await preview(sim, mod, upload("bodies.csv", twice))
    assert "bodies.csv: row 2: meeting" in reply.content, reply.content
    assert "2026-10-25 01:30+01:00" in reply.content and "2026-10-25 01:30+00:00" in reply.content, reply.content
    assert await version(db, guild.id) == before
    assert sim.violations == []
