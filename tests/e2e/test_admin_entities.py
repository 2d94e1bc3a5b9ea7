"""`/admin election|candidate|slate|branch|nomination` as a moderator, through the simulator."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.sim import DiscordSimulator, SimGuild, SimMember
from bot.store import bodies, candidates, elections, nominations
from tests.e2e.admin_fixtures import audit_rows, mod_fixture, version
from tests.helpers import ask, choices

__all__ = ["mod_fixture"]  # fixtures used by name


async def election(db, guild: SimGuild, slug: str = "nec"):
    found = await elections.get_by_slug(db.reader, guild.id, slug)
    assert found is not None
    return found


async def test_election_create_edit_timeline_delete(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, hustings, db
) -> None:
    reply = await ask(
        sim,
        mod,
        "/admin election create",
        {
            "slug": "nec",
            "name": "NEC 2026",
            "seats": 3,
            "voting_system": "stv",
            "threshold": "5%",
        },
    )
    assert reply.ephemeral and "Created election" in reply.text and "NEC 2026" in reply.text
    reply = await ask(sim, mod, "/admin election edit", {"election": "nec", "name": "NEC (CLP section) 2026"})
    assert "NEC 2026 → NEC (CLP section) 2026" in reply.text

    await ask(sim, mod, "/admin config timezone", {"zone": "Europe/London"})
    reply = await ask(
        sim,
        mod,
        "/admin election timeline",
        {
            "election": "nec",
            "nominations_open": "2026-07-01 18:00",
            "nominations_close": "2026-12-01T17:00:00+00:00",
        },
    )
    opens = datetime(2026, 7, 1, 17, 0, tzinfo=UTC)  # 18:00 BST
    assert f"<t:{int(opens.timestamp())}:F>" in reply.text
    assert "Europe/London" in reply.text
    assert (await election(db, guild)).timeline.nominations_open == opens

    bad = await ask(sim, mod, "/admin election timeline", {"election": "nec", "ballot_open": "2026-11-01 09:00"})
    assert "would come before" in bad.content
    assert (await election(db, guild)).timeline.ballot_open is None

    ask_first = await ask(sim, mod, "/admin election delete", {"election": "nec"})
    assert "can't be undone" in ask_first.content
    cancel = await sim.click(mod, ask_first, ask_first.button("Cancel")["custom_id"])
    assert "nothing was changed" in (await cancel.response()).content
    assert await elections.get_by_slug(db.reader, guild.id, "nec") is not None

    again = await ask(sim, mod, "/admin election delete", {"election": "nec"})
    done = await sim.click(mod, again, again.button("Delete election")["custom_id"])
    assert "Deleted election" in (await done.response()).text
    assert await elections.get_by_slug(db.reader, guild.id, "nec") is None

    actions = [r.action for r in await audit_rows(db, guild.id)]
    assert actions == [
        "election.delete",
        "election.timeline",
        "config.timezone",
        "election.edit",
        "election.create",
    ]
    assert sim.violations == []


async def test_candidates_slates_and_the_statement_form(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, hustings, db
) -> None:
    await ask(sim, mod, "/admin election create", {"slug": "nec", "name": "NEC 2026", "seats": 3})
    reply = await ask(
        sim,
        mod,
        "/admin slate add",
        {
            "election": "nec",
            "name": "Centre Left Grassroots Alliance",
            "short": "CLGA",
            "colour": "#d50000",
            "backers": "Momentum, CLPD",
        },
    )
    assert "#D50000" in reply.text
    await ask(
        sim,
        mod,
        "/admin candidate add",
        {
            "election": "nec",
            "name": "Yasmine Dar",
            "slate": "CLGA",
            "photo_url": "https://example.org/y.jpg",
        },
    )
    await ask(sim, mod, "/admin candidate add", {"election": "nec", "name": "Eddie Izzard"})
    assert await choices(sim, mod, "/admin candidate edit", "candidate", "yas") == ["Yasmine Dar"]
    assert await choices(sim, mod, "/admin candidate add", "slate", "cen", election="nec") == [
        "Centre Left Grassroots Alliance"
    ]

    reply = await ask(sim, mod, "/admin candidate edit", {"candidate": "Eddie Izzard", "slate": "CLGA"})
    assert "slate" in reply.text and "Centre Left Grassroots Alliance" in reply.text

    form = await sim.invoke(mod, "/admin candidate edit", {"candidate": "Yasmine Dar"})
    modal = await form.modal()
    statement = "Fighting for members.\n\n" + "x" * 1400
    submitted = await sim.submit_modal(
        mod,
        modal,
        {
            "statement": statement,
            "links": "Campaign https://example.org\nhttps://x.com/yasmine",
        },
    )
    assert "Updated candidate" in (await submitted.response()).text
    nec = await election(db, guild)
    yasmine = await candidates.get_by_name(db.reader, nec.id, "Yasmine Dar")
    assert yasmine.bio == statement.strip()
    assert yasmine.links == {"Campaign": "https://example.org", "x.com": "https://x.com/yasmine"}

    form = await sim.invoke(mod, "/admin candidate edit", {"candidate": "Yasmine Dar", "statement": True})
    modal = await form.modal()
    bad = await sim.submit_modal(mod, modal, {"statement": "ok", "links": "Site javascript:alert(1)"})
    assert "must start with http" in (await bad.response()).content
    assert (await candidates.get_by_name(db.reader, nec.id, "Yasmine Dar")).bio == statement.strip()

    reply = await ask(sim, mod, "/admin candidate status", {"candidate": "Eddie Izzard", "status": "withdrawn"})
    assert "seeking nominations → withdrawn" in reply.text
    reply = await ask(sim, mod, "/admin slate edit", {"slate": "CLGA", "name": "Grassroots Alliance"})
    assert "Centre Left Grassroots Alliance → Grassroots Alliance" in reply.text
    reply = await ask(sim, mod, "/admin slate remove", {"slate": "Grassroots Alliance"})
    assert "Removed slate" in reply.text
    assert (await candidates.get_by_name(db.reader, nec.id, "Yasmine Dar")).slate is None
    reply = await ask(sim, mod, "/admin candidate remove", {"candidate": "Eddie Izzard"})  # no nominations: at once
    assert "Removed candidate" in reply.text
    assert await candidates.get_by_name(db.reader, nec.id, "Eddie Izzard") is None
    assert sim.violations == []


async def test_branches_and_nominations_with_limits(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, hustings, db, clock
) -> None:
    await ask(sim, mod, "/admin election create", {"slug": "nec", "name": "NEC 2026", "seats": 1})
    await ask(
        sim,
        mod,
        "/admin election timeline",
        {
            "election": "nec",
            "nominations_open": "2026-11-01 09:00",
            "nominations_close": "2026-12-01 17:00",
        },
    )
    for name in ("Yasmine Dar", "Eddie Izzard"):
        await ask(sim, mod, "/admin candidate add", {"election": "nec", "name": name})
    reply = await ask(
        sim,
        mod,
        "/admin branch add",
        {
            "name": "Hackney North CLP",
            "kind": "CLP",
            "meeting": "2026-11-26 19:30",
        },
    )
    meeting = datetime(2026, 11, 26, 19, 30, tzinfo=UTC)  # London is on GMT in November
    assert f"<t:{int(meeting.timestamp())}:F>" in reply.text
    reply = await ask(sim, mod, "/admin branch edit", {"branch": "hackney north clp", "region": "London"})
    assert "London" in reply.text
    assert await choices(sim, mod, "/admin nomination add", "branch", "hack") == ["Hackney North CLP"]

    reply = await ask(
        sim,
        mod,
        "/admin nomination add",
        {
            "branch": "Hackney North CLP",
            "candidate": "Yasmine Dar",
            "date": "2026-11-24",
        },
    )
    assert "Added nomination" in reply.text
    # A second nomination from the same branch exceeds the single seat: asks first.
    warn = await ask(sim, mod, "/admin nomination add", {"branch": "Hackney North CLP", "candidate": "Eddie Izzard"})
    assert "1 seat" in warn.content
    nec = await election(db, guild)
    assert len(await nominations.list_for_election(db.reader, nec.id)) == 1
    done = await sim.click(mod, warn, warn.button("Add anyway")["custom_id"])
    assert "Added nomination" in (await done.response()).text
    assert len(await nominations.list_for_election(db.reader, nec.id)) == 2

    reply = await ask(
        sim, mod, "/admin nomination remove", {"branch": "Hackney North CLP", "candidate": "Eddie Izzard"}
    )
    assert "Removed nomination" in reply.text
    late = await ask(
        sim,
        mod,
        "/admin nomination add",
        {
            "branch": "Hackney North CLP",
            "candidate": "Yasmine Dar",
            "date": "2026-12-05",
        },
    )
    assert "after nominations close" in late.content

    # A candidate with nominations, and a branch with nominations, ask before going.
    confirm = await ask(sim, mod, "/admin candidate remove", {"candidate": "Yasmine Dar"})
    assert "1 nomination" in confirm.content
    confirm = await ask(sim, mod, "/admin branch remove", {"branch": "Hackney North CLP"})
    done = await sim.click(mod, confirm, confirm.button("Remove branch")["custom_id"])
    assert "Removed branch" in (await done.response()).text
    assert await bodies.list_for_guild(db.reader, guild.id) == []
    assert await nominations.list_for_election(db.reader, nec.id) == []

    rows = await audit_rows(db, guild.id)
    added = next(r for r in rows if r.action == "nomination.add" and r.after.get("confirmed_despite"))
    assert added.after["candidate"] == "Eddie Izzard"
    removed = next(r for r in rows if r.action == "branch.remove")
    assert removed.before["nominations"] == 1 and removed.after is None
    assert sim.violations == []


async def test_bad_input_is_refused_with_the_field_named_and_text_escaped(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, hustings, db
) -> None:
    await ask(sim, mod, "/admin election create", {"slug": "nec", "name": "NEC", "seats": 3})
    before = await version(db, guild.id)
    cases = [
        ("/admin election create", {"slug": "NEC 2026", "name": "x", "seats": 1}, "slug"),
        ("/admin candidate add", {"election": "nec", "name": "y" * 101}, "name"),
        ("/admin candidate add", {"election": "nec", "name": "Z", "photo_url": "ftp://x.org/a.png"}, "photo_url"),
        ("/admin candidate add", {"election": "nec", "name": "Z", "bio": "b" * 1501}, "bio"),
        ("/admin slate add", {"election": "nec", "name": "S", "colour": "bluish"}, "colour"),
        ("/admin slate add", {"election": "nec", "name": "S", "url": "javascript:alert(1)"}, "url"),
        ("/admin election timeline", {"election": "nec", "ballot_open": "soon"}, "ballot_open"),
        ("/admin candidate status", {"candidate": "Nobody", "status": "elected"}, "no candidate"),
        ("/admin candidate status", {"candidate": "Nobody", "status": "crowned"}, "status"),
        ("/admin nomination add", {"branch": "Nowhere", "candidate": "Nobody", "date": "01/12"}, "date"),
    ]
    for command, options, field in cases:
        reply = await ask(sim, mod, command, options)
        assert reply.ephemeral and field in reply.content, (command, reply.content)
    assert await version(db, guild.id) == before

    reply = await ask(
        sim,
        mod,
        "/admin candidate add",
        {
            "election": "nec",
            "name": "**Bold** @everyone <@123> [x](https://evil.example)",
        },
    )
    assert "\\*\\*Bold\\*\\*" in reply.text and "@\u200beveryone" in reply.text and "\\[x\\]" in reply.text
    nec = await election(db, guild)
    stored = await candidates.list_for_election(db.reader, nec.id)
    assert stored[0].name == "**Bold** @everyone <@123> [x](https://evil.example)"  # stored as typed
    assert sim.violations == []


async def test_nomination_dates_default_to_today(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, hustings, db, clock
) -> None:
    await ask(sim, mod, "/admin election create", {"slug": "nec", "name": "NEC", "seats": 3})
    await ask(sim, mod, "/admin candidate add", {"election": "nec", "name": "Yasmine Dar"})
    await ask(sim, mod, "/admin branch add", {"name": "Leeds Central CLP"})
    await ask(sim, mod, "/admin nomination add", {"branch": "Leeds Central CLP", "candidate": "Yasmine Dar"})
    nec = await election(db, guild)
    [nomination] = await nominations.list_for_election(db.reader, nec.id)
    assert nomination.date == date(2026, 11, 24) == clock.now().date()
