"""With two-person publish on, one moderator can neither switch the rule off alone nor change published
figures alone (issue #13 item 3): a different moderator confirms, members keep the old figures until
then, and the audit names both people."""

from __future__ import annotations

from bot.sim import DiscordSimulator, SimGuild, SimMember
from bot.store import meta
from bot.store.database import Database
from tests.e2e.admin_fixtures import audit_rows, mod2_fixture, mod_fixture
from tests.e2e.test_admin_data import json_file, preview
from tests.e2e.test_admin_results import enter_votes, published, seeded
from tests.helpers import ask

__all__ = ["mod2_fixture", "mod_fixture", "seeded"]  # fixtures used by name


async def two_person_publish(sim: DiscordSimulator, mod: SimMember, mod2: SimMember) -> None:
    await ask(sim, mod, "/admin config roles", {"two_person_publish": True})
    await enter_votes(sim, mod)
    await ask(sim, mod, "/admin results publish", {"election": "nec"})
    done = await ask(sim, mod2, "/admin results publish", {"election": "nec"})
    assert "Published" in done.text


async def assert_confirmed_by_mod2(db: Database, guild: SimGuild, mod2: SimMember, action: str) -> None:
    """The change's audit row is mod2's and names both: mod asked, mod2 confirmed."""
    row = next(r for r in await audit_rows(db, guild.id) if r.action == action)
    assert row.actor_id == mod2.id and row.after is not None
    assert row.after["requested_by"] == "mod" and row.after["confirmed_by"] == "mod2"


async def test_switching_the_rule_off_needs_a_second_moderator(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, mod2: SimMember, seeded, db: Database
) -> None:
    await ask(sim, mod, "/admin config roles", {"two_person_publish": True})
    reply = await ask(sim, mod, "/admin config roles", {"two_person_publish": False})
    assert "different** moderator" in reply.text
    assert (await meta.get_settings(db.reader, guild.id)).two_person_publish
    again = await ask(sim, mod, "/admin config roles", {"two_person_publish": False})  # the same moderator
    assert "different** moderator" in again.text
    assert (await meta.get_settings(db.reader, guild.id)).two_person_publish

    await ask(sim, mod2, "/admin config roles", {"two_person_publish": False})
    assert not (await meta.get_settings(db.reader, guild.id)).two_person_publish
    await assert_confirmed_by_mod2(db, guild, mod2, "config.roles")
    assert sim.violations == []


async def test_editing_published_votes_waits_for_a_second_moderator(
    sim: DiscordSimulator,
    guild: SimGuild,
    mod: SimMember,
    mod2: SimMember,
    member: SimMember,
    seeded,
    db: Database,
) -> None:
    await two_person_publish(sim, mod, mod2)
    reply = await ask(sim, mod, "/admin results set", {"candidate": "Eddie Izzard", "votes": 99999})
    assert "members still see the published figures" in reply.text
    seen = await ask(sim, member, "/results", {"election": "nec"})
    assert "56,020" in seen.text and "99,999" not in seen.text

    await ask(sim, mod2, "/admin results set", {"candidate": "Eddie Izzard", "votes": 99999, "election": "nec"})
    seen = await ask(sim, member, "/results", {"election": "nec"})
    assert "99,999" in seen.text
    await assert_confirmed_by_mod2(db, guild, mod2, "results.set")
    assert sim.violations == []


async def test_unpublishing_waits_for_a_second_moderator(
    sim: DiscordSimulator,
    guild: SimGuild,
    mod: SimMember,
    mod2: SimMember,
    member: SimMember,
    seeded,
    db: Database,
) -> None:
    await two_person_publish(sim, mod, mod2)
    question = await ask(sim, mod, "/admin results unpublish", {"election": "nec"})
    first = await (await sim.click(mod, question, question.button("Unpublish")["custom_id"])).response()
    assert "different** moderator" in first.text
    assert await published(db, guild)
    assert "68,388" in (await ask(sim, member, "/results", {"election": "nec"})).text

    question = await ask(sim, mod2, "/admin results unpublish", {"election": "nec"})
    await (await sim.click(mod2, question, question.button("Unpublish")["custom_id"])).response()
    assert not await published(db, guild)
    await assert_confirmed_by_mod2(db, guild, mod2, "results.unpublish")
    assert sim.violations == []


async def test_an_import_that_publishes_waits_for_a_second_moderator(
    sim: DiscordSimulator,
    guild: SimGuild,
    mod: SimMember,
    mod2: SimMember,
    member: SimMember,
    seeded,
    db: Database,
) -> None:
    await ask(sim, mod, "/admin config roles", {"two_person_publish": True})
    pack = {
        "version": 1,
        "elections": [
            {
                "slug": "nec",
                "name": "NEC 2026",
                "seats": 2,
                "voting_system": "bloc",
                "results": {
                    "published": True,
                    "rounds": [{"votes": {"Yasmine Dar": 70, "Eddie Izzard": 50, "Peter Willsman": 30}}],
                },
            }
        ],
    }

    async def apply_as(who: SimMember) -> str:
        reply = await preview(sim, who, json_file(pack))
        done = await sim.click(who, reply, reply.button("Apply")["custom_id"])
        return (await done.response()).text

    assert "different** moderator" in await apply_as(mod)
    assert not await published(db, guild)
    assert "Yasmine Dar" not in (await ask(sim, member, "/results", {"election": "nec"})).text
    assert "different** moderator" in await apply_as(mod)  # asking again alone changes nothing
    assert not await published(db, guild)

    assert "Imported" in await apply_as(mod2)
    assert await published(db, guild)
    row = next(r for r in await audit_rows(db, guild.id) if r.action == "data.import" and r.actor_id == mod2.id)
    assert row.actor_name == "mod2 (confirming mod)"
    assert sim.violations == []
