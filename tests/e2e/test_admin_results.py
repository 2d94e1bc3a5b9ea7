"""`/admin results set|preview|publish|unpublish`, including two-person publish, through the simulator."""

from __future__ import annotations

import pytest

from bot.sim import DiscordSimulator, SimGuild, SimMember
from bot.store import elections, results
from tests.e2e.admin_fixtures import audit_rows, mod2_fixture, mod_fixture
from tests.helpers import ask, import_pack

__all__ = ["mod2_fixture", "mod_fixture"]  # fixtures used by name

PACK = {
    "version": 1,
    "elections": [
        {
            "slug": "nec",
            "name": "NEC 2026",
            "seats": 2,
            "voting_system": "bloc",
            "candidates": [{"name": "Yasmine Dar"}, {"name": "Eddie Izzard"}, {"name": "Peter Willsman"}],
        }
    ],
}


@pytest.fixture
async def seeded(hustings, db, guild, clock):
    await import_pack(db, guild.id, PACK, clock, "seed.json")
    return hustings


async def published(db, guild: SimGuild) -> bool:
    nec = await elections.get_by_slug(db.reader, guild.id, "nec")
    return (await results.get(db.reader, nec.id)).published


async def enter_votes(sim: DiscordSimulator, mod: SimMember) -> None:
    for name, votes in (("Yasmine Dar", 68388), ("Eddie Izzard", 56020), ("Peter Willsman", 40342)):
        reply = await ask(sim, mod, "/admin results set", {"candidate": name, "votes": votes})
        assert "Votes entered" in reply.text


async def test_set_preview_publish_announce_unpublish(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, member: SimMember, seeded, db
) -> None:
    announcements = guild.channel("announcements")
    await ask(sim, mod, "/admin config channels", {"announce": announcements})
    await enter_votes(sim, mod)
    reply = await ask(sim, mod, "/admin results set", {"candidate": "Eddie Izzard", "votes": 56021})
    assert "56,020 → 56,021" in reply.text or "56020 → 56021" in reply.text

    preview = await ask(sim, mod, "/admin results preview", {"election": "nec"})
    assert preview.ephemeral and "not yet published" in preview.text and "Yasmine Dar" in preview.text
    members_view = await ask(sim, member, "/results", {"election": "nec"})
    assert "68,388" not in members_view.text and "68388" not in members_view.text
    assert not await published(db, guild)

    reply = await ask(sim, mod, "/admin results publish", {"election": "nec", "announce": True})
    assert "Published results" in reply.text
    post = await sim.wait_for_message(lambda m: not m.ephemeral, channel=announcements, timeout=5)
    assert "Yasmine Dar" in post.text
    assert await published(db, guild)
    members_view = await ask(sim, member, "/results", {"election": "nec"})
    assert "68,388" in members_view.text

    again = await ask(sim, mod, "/admin results publish", {"election": "nec"})
    assert "already published" in again.content

    confirm = await ask(sim, mod, "/admin results unpublish", {"election": "nec"})
    assert await published(db, guild)  # not before the button
    done = await sim.click(mod, confirm, confirm.button("Unpublish")["custom_id"])
    assert "Unpublished" in (await done.response()).text
    assert not await published(db, guild)
    rows = [r for r in await audit_rows(db, guild.id) if r.action.startswith("results.")]
    assert [r.action for r in rows[:2]] == ["results.unpublish", "results.publish"]
    assert rows[0].before == {"published": True} and rows[0].after == {"published": False}
    assert sim.violations == []


async def test_two_person_publish_needs_a_different_moderator(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, mod2: SimMember, member: SimMember, seeded, db
) -> None:
    reply = await ask(sim, mod, "/admin config roles", {"two_person_publish": True})
    assert "off → on" in reply.text
    await enter_votes(sim, mod)

    first = await ask(sim, mod, "/admin results publish", {"election": "nec"})
    assert "different" in first.content and "moderator" in first.content
    assert not await published(db, guild)
    same = await ask(sim, mod, "/admin results publish", {"election": "nec"})
    assert "a different moderator must confirm" in same.content
    assert not await published(db, guild)
    view = await ask(sim, member, "/results", {"election": "nec"})
    assert "68,388" not in view.text

    second = await ask(sim, mod2, "/admin results publish", {"election": "nec"})
    assert "Published results" in second.text
    assert await published(db, guild)
    [row] = [r for r in await audit_rows(db, guild.id) if r.action == "results.publish" and r.after["published"]]
    assert row.actor_id == mod2.id
    assert row.after["requested_by"] == "mod" and row.after["confirmed_by"] == "mod2"
    assert sim.violations == []


async def test_changed_figures_need_a_fresh_request(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, mod2: SimMember, seeded, db
) -> None:
    await ask(sim, mod, "/admin config roles", {"two_person_publish": True})
    await enter_votes(sim, mod)
    await ask(sim, mod, "/admin results publish", {"election": "nec"})
    await ask(sim, mod, "/admin results set", {"candidate": "Peter Willsman", "votes": 99999})
    reply = await ask(sim, mod2, "/admin results publish", {"election": "nec"})
    assert "different" in reply.content  # recorded as a new request, not published
    assert not await published(db, guild)
    reply = await ask(sim, mod, "/admin results publish", {"election": "nec"})
    assert "Published results" in reply.text


async def test_publish_with_automatic_reminders_posts_once(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, seeded, db
) -> None:
    announcements = guild.channel("announcements")
    await ask(sim, mod, "/admin config channels", {"announce": announcements})
    await ask(sim, mod, "/announce reminders", {"election": "nec"})
    await enter_votes(sim, mod)
    reply = await ask(sim, mod, "/admin results publish", {"election": "nec", "announce": True})
    assert "Published results" in reply.text
    await sim.wait_for_message(lambda m: not m.ephemeral, channel=announcements, timeout=5)
    await sim.wait_for_idle(timeout=5, quiet=0.3)
    posts = [m for m in sim.channel_messages(announcements) if "Yasmine Dar" in m.text]
    assert len(posts) == 1, [p.text[:80] for p in posts]
    assert sim.violations == []
