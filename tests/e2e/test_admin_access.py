"""Who may use `/admin`, checked inside the bot: every subcommand, autocomplete, button and form.

Discord hides `/admin` from members (default_member_permissions is Manage Server), but a server
owner can change that in Integrations; these tests do so and check the bot still refuses.
"""

from __future__ import annotations

from datetime import timedelta

import discord
import pytest

from bot.sim import DiscordSimulator, SimError, SimFile, SimGuild, SimMember
from bot.sim import permissions as perms
from bot.store import candidates, elections
from tests.e2e.admin_fixtures import audit_rows, mod2_fixture, mod_fixture, open_admin_to_everyone, version
from tests.helpers import ask, choices

__all__ = ["mod2_fixture", "mod_fixture"]  # fixtures used by name

PACK = {
    "version": 1,
    "bodies": [{"name": "Hackney North CLP"}, {"name": "Islington North CLP"}],
    "elections": [
        {
            "slug": "nec",
            "name": "NEC 2026",
            "seats": 3,
            "voting_system": "bloc",
            "slates": [{"name": "Centre Left Grassroots Alliance", "short": "CLGA"}],
            "candidates": [{"name": "Yasmine Dar", "slate": "CLGA"}, {"name": "Eddie Izzard"}],
            "nominations": [{"body": "Hackney North CLP", "candidates": ["Yasmine Dar"]}],
            "results": {"published": False, "rounds": [{"votes": {"Yasmine Dar": 67000, "Eddie Izzard": 40000}}]},
        }
    ],
}


def every_subcommand(guild: SimGuild) -> list[tuple[str, dict]]:
    """Each `/admin` subcommand with options a moderator could have used."""
    role = guild.add_role("Stewards")
    channel = guild.channel("general")
    return [
        ("/admin election create", {"slug": "x", "name": "X", "seats": 1}),
        ("/admin election edit", {"election": "nec", "name": "Renamed"}),
        ("/admin election timeline", {"election": "nec", "ballot_open": "2027-01-05 09:00"}),
        ("/admin election delete", {"election": "nec"}),
        ("/admin candidate add", {"election": "nec", "name": "New Person"}),
        ("/admin candidate edit", {"candidate": "Yasmine Dar", "name": "Y Dar"}),
        ("/admin candidate edit", {"candidate": "Yasmine Dar"}),  # the statement form
        ("/admin candidate status", {"candidate": "Yasmine Dar", "status": "withdrawn"}),
        ("/admin candidate remove", {"candidate": "Eddie Izzard"}),
        ("/admin slate add", {"election": "nec", "name": "Labour First"}),
        ("/admin slate edit", {"slate": "CLGA", "colour": "#FF0000"}),
        ("/admin slate remove", {"slate": "CLGA"}),
        ("/admin branch add", {"name": "Leeds Central CLP"}),
        ("/admin branch edit", {"branch": "Hackney North CLP", "region": "London"}),
        ("/admin branch remove", {"branch": "Hackney North CLP"}),
        ("/admin nomination add", {"branch": "Islington North CLP", "candidate": "Eddie Izzard"}),
        ("/admin nomination remove", {"branch": "Hackney North CLP", "candidate": "Yasmine Dar"}),
        ("/admin results set", {"candidate": "Eddie Izzard", "votes": 1}),
        ("/admin results preview", {"election": "nec"}),
        ("/admin results publish", {"election": "nec"}),
        ("/admin results unpublish", {"election": "nec"}),
        ("/admin data import", {"file": SimFile("pack.json", b'{"version": 1}', "application/json")}),
        ("/admin data export", {}),
        ("/admin config roles", {"moderator_role": role}),
        ("/admin config channels", {"alerts": channel}),
        ("/admin config timezone", {"zone": "Europe/Paris"}),
        ("/admin config show", {}),
        ("/admin audit", {}),
    ]


@pytest.fixture
async def seeded(hustings, db, guild, clock):
    from tests.helpers import import_pack

    await import_pack(db, guild.id, PACK, clock, "seed.json")
    return hustings


async def test_admin_is_hidden_from_members_by_default(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, seeded
) -> None:
    with pytest.raises(SimError, match="lacks permissions"):
        await sim.invoke(member, "/admin config show")
    [admin] = [c for c in sim.commands(guild) if c["name"] == "admin"]
    assert int(admin["default_member_permissions"]) == perms.MANAGE_GUILD


async def test_every_subcommand_refuses_a_member_and_audits_it(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, seeded, db, clock
) -> None:
    open_admin_to_everyone(sim, guild)
    commands = every_subcommand(guild)
    before = await version(db, guild.id)
    for command, options in commands:
        clock.advance(timedelta(seconds=6))  # one try every few seconds: under the members' write cooldown
        reply = await ask(sim, member, command, options)
        assert reply.ephemeral, command
        assert "Only a moderator can do that" in reply.content, (command, reply.content)
    assert await version(db, guild.id) == before  # nothing changed
    rows = await audit_rows(db, guild.id)
    # + the seed import; two subcommands refused for the same action and entity share one row (a count of 2)
    assert sum(r.repeats for r in rows) == len(commands) + 1
    assert all(r.actor_id == member.id for r in rows if r.denied) and len([r for r in rows if not r.denied]) == 1
    assert {r.action.split(".")[0] for r in rows if r.denied} >= {
        "election",
        "candidate",
        "slate",
        "branch",
        "nomination",
        "results",
        "data",
        "config",
        "audit",
    }
    nec = await elections.get_by_slug(db.reader, guild.id, "nec")
    assert nec is not None and nec.name == "NEC 2026"
    assert sim.violations == []


async def test_autocomplete_gives_members_nothing(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, mod: SimMember, seeded
) -> None:
    open_admin_to_everyone(sim, guild)
    cases = [
        ("/admin election edit", "election", "n", {}),
        ("/admin candidate remove", "candidate", "", {}),
        ("/admin slate remove", "slate", "", {}),
        ("/admin branch remove", "branch", "", {}),
        ("/admin candidate status", "status", "", {"candidate": "Eddie Izzard"}),
        ("/admin results publish", "election", "", {}),
        ("/admin config timezone", "zone", "Europe", {}),
        ("/admin audit", "kind", "", {}),
    ]
    for command, focused, typed, options in cases:
        assert await choices(sim, member, command, focused, typed, **options) == [], command
        assert await choices(sim, mod, command, focused, typed, **options), command
    assert await choices(sim, mod, "/admin candidate remove", "candidate", "yas") == ["Yasmine Dar"]
    assert "Europe/London" in await choices(sim, mod, "/admin config timezone", "zone", "london")
    assert not any(r.denied for r in await audit_rows(seeded.db, guild.id))  # keystrokes are not audited


async def test_a_configured_moderator_role_grants_access(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, seeded, db
) -> None:
    stewards = guild.add_role("Stewards")
    steward = guild.add_member("steward", roles=[stewards])
    open_admin_to_everyone(sim, guild)
    refused = await ask(sim, steward, "/admin candidate status", {"candidate": "Eddie Izzard", "status": "withdrawn"})
    assert "Only a moderator" in refused.content
    await ask(sim, mod, "/admin config roles", {"moderator_role": stewards})
    done = await ask(sim, steward, "/admin candidate status", {"candidate": "Eddie Izzard", "status": "withdrawn"})
    assert "withdrawn" in done.text
    nec = await elections.get_by_slug(db.reader, guild.id, "nec")
    eddie = await candidates.get_by_name(db.reader, nec.id, "Eddie Izzard")
    assert eddie.status.value == "withdrawn"


async def test_form_and_buttons_check_again_when_used(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, seeded, db
) -> None:
    """Losing the moderator role between opening a form (or a confirmation) and using it is refused."""
    stewards = guild.add_role("Stewards")
    steward = guild.add_member("steward", roles=[stewards])
    open_admin_to_everyone(sim, guild)
    await ask(sim, mod, "/admin config roles", {"moderator_role": stewards})

    form = await sim.invoke(steward, "/admin candidate edit", {"candidate": "Yasmine Dar"})
    modal = await form.modal()
    confirm = await ask(sim, steward, "/admin election delete", {"election": "nec"})
    guild.set_roles(steward, [])
    await sim.wait_for_idle()

    submitted = await sim.submit_modal(steward, modal, {"statement": "Hijacked", "links": ""})
    assert "Only a moderator" in (await submitted.response()).content
    pressed = await sim.click(steward, confirm, confirm.button("Delete election")["custom_id"])
    assert "Only a moderator" in (await pressed.response()).content

    nec = await elections.get_by_slug(db.reader, guild.id, "nec")
    assert nec is not None
    assert (await candidates.get_by_name(db.reader, nec.id, "Yasmine Dar")).bio == ""
    denied = [r.action for r in await audit_rows(db, guild.id) if r.denied]
    assert denied[:2] == ["election.delete", "candidate.edit"]
    assert sim.violations == []


async def test_someone_elses_confirmation_button_is_refused(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, mod2: SimMember, seeded, db
) -> None:
    """An ephemeral message can't normally be clicked by others; a forged press is still refused."""
    from bot.sim.interactions import MESSAGE_COMPONENT

    confirm = await ask(sim, mod, "/admin election delete", {"election": "nec"})
    custom_id = confirm.button("Delete election")["custom_id"]
    with pytest.raises(SimError):
        await sim.click(mod2, confirm, custom_id)
    channel = guild.channel("general")
    forged = sim._dispatch(  # what a modified client could send
        MESSAGE_COMPONENT,
        mod2.user,
        mod2,
        guild,
        channel,
        {"custom_id": custom_id, "component_type": 2},
        source=confirm,
    )
    reply = await forged.response()
    assert "Only the moderator who ran this command" in reply.content
    assert await elections.get_by_slug(db.reader, guild.id, "nec") is not None
    [row] = [r for r in await audit_rows(db, guild.id) if r.denied]
    assert row.action == "election.delete.confirm" and row.actor_id == mod2.id
    # the owner can still confirm
    done = await sim.click(mod, confirm, custom_id)
    assert "Deleted election" in (await done.response()).text
    assert await elections.get_by_slug(db.reader, guild.id, "nec") is None


async def test_another_guild_cannot_reach_this_guilds_data(sim: DiscordSimulator, guild: SimGuild, seeded, db) -> None:
    other = sim.add_guild("Rival Union", channels=("general",))
    intruder = other.add_member("intruder", permissions=perms.MANAGE_GUILD)
    await sim.wait_for_idle()
    place = discord.Object(other.id)
    seeded.tree.copy_global_to(guild=place)
    await seeded.tree.sync(guild=place)
    before = await version(db, guild.id)
    assert await choices(sim, intruder, "/admin election edit", "election", "") == []
    assert await choices(sim, intruder, "/admin candidate remove", "candidate", "yas") == []
    for command, options in [
        ("/admin election edit", {"election": "nec", "name": "Hijacked"}),
        ("/admin candidate status", {"candidate": "Yasmine Dar", "status": "withdrawn", "election": "nec"}),
        ("/admin results publish", {"election": "nec"}),
        ("/admin branch remove", {"branch": "Hackney North CLP"}),
    ]:
        reply = await ask(sim, intruder, command, options)
        assert "no election" in reply.content.lower() or "no branch" in reply.content.lower(), reply.content
    exported = await ask(sim, intruder, "/admin data export", {})
    assert b"Yasmine" not in exported.attachments[0].data
    assert await version(db, guild.id) == before
    assert (await elections.get_by_slug(db.reader, guild.id, "nec")).name == "NEC 2026"
