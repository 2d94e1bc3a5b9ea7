"""Confirmation buttons are stateless (issue #14 items 6, 7): a press after the bot restarted works,
is acknowledged before the work, and an expired question says so in place of its buttons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.models import Candidate, Election, ResultRound, Timeline, VotingSystem
from bot.sim import DiscordSimulator, SimGuild, SimMember
from bot.sim.interactions import DEFERRED_MESSAGE, DEFERRED_UPDATE
from bot.store import candidates, elections, meta
from bot.store.database import Database
from tests.e2e.admin_fixtures import audit_rows, mod2_fixture, mod_fixture
from tests.e2e.test_admin_results import PACK, enter_votes, published
from tests.helpers import ask, import_pack, running, seed_election

__all__ = ["mod2_fixture", "mod_fixture"]  # fixtures used by name


async def test_a_confirmation_survives_a_restart(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, db: Database, clock: ManualClock, settings: Settings
) -> None:
    async with running(sim, settings, db, clock):
        await import_pack(db, guild.id, PACK, clock, "seed.json")
        await enter_votes(sim, mod)
        await ask(sim, mod, "/admin results publish", {"election": "nec"})
        question = await ask(sim, mod, "/admin results unpublish", {"election": "nec"})
    # the bot restarted: a new process on the same database and simulator
    async with running(sim, settings, db, clock):
        press = await sim.click(mod, question, question.button("Unpublish")["custom_id"])
        assert await press.acknowledged() == DEFERRED_UPDATE  # acknowledged before any work
        assert "Unpublished" in (await press.response()).text
        await sim.wait_for_idle()
        assert not await published(db, guild)
        edited = sim.world.messages[question.id]
        assert edited.components == [] and "Unpublished" in edited.text
    assert sim.violations == []


async def test_a_question_answered_once_and_expired_after_its_time(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, db: Database, clock: ManualClock, settings: Settings
) -> None:
    async with running(sim, settings, db, clock):
        await import_pack(db, guild.id, PACK, clock, "seed.json")
        await enter_votes(sim, mod)
        await ask(sim, mod, "/admin results publish", {"election": "nec"})
        question = await ask(sim, mod, "/admin results unpublish", {"election": "nec"})
        custom_id = question.button("Unpublish")["custom_id"]
        sim.advance(timedelta(minutes=16))  # past the question's life and the command's token
        late = await sim.click(mod, question, custom_id)
        assert "expired" in (await late.response()).text
        await sim.wait_for_idle()
        assert await published(db, guild)
        assert sim.world.messages[question.id].components == []
    assert sim.violations == []


async def test_another_moderators_press_is_refused_and_audited_after_a_restart(
    sim: DiscordSimulator,
    guild: SimGuild,
    mod: SimMember,
    mod2: SimMember,
    db: Database,
    clock: ManualClock,
    settings: Settings,
) -> None:
    async with running(sim, settings, db, clock):
        await import_pack(db, guild.id, PACK, clock, "seed.json")
        question = await ask(sim, mod, "/admin election delete", {"election": "nec"})
    async with running(sim, settings, db, clock):
        from bot.sim.interactions import MESSAGE_COMPONENT

        forged = sim._dispatch(  # a public copy of the buttons, as a modified client could press
            MESSAGE_COMPONENT,
            mod2.user,
            mod2,
            guild,
            guild.channel("general"),
            {"custom_id": question.button("Delete election")["custom_id"], "component_type": 2},
            source=question,
        )
        await forged.wait_messages(1)
        assert "Only the moderator who ran this command" in forged.messages[-1].content
        [row] = [r for r in await audit_rows(db, guild.id) if r.denied]
        assert row.action == "election.delete.confirm" and row.actor_id == mod2.id
        press = await sim.click(mod, question, question.button("Delete election")["custom_id"])
        assert "Deleted" in (await press.response()).text
    assert sim.violations == []


async def test_the_statement_form_keeps_long_links_and_acknowledges_first(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, db: Database, clock: ManualClock, settings: Settings
) -> None:
    """#14 items 7, 8: the current modal layout, links pre-filled whole, the submission deferred first."""
    links = {f"Link {i:02d}": f"https://example.org/campaign/{'page' * 10}/{i}" for i in range(25)}
    assert len("\n".join(f"{k} {v}" for k, v in links.items())) > 1000
    async with running(sim, settings, db, clock):
        await import_pack(db, guild.id, PACK, clock, "seed.json")
        nec = await elections.get_by_slug(db.reader, guild.id, "nec")
        assert nec is not None and nec.id is not None
        async with db.transaction() as tx:
            found = await candidates.get_by_name(tx, nec.id, "Yasmine Dar")
            assert found is not None
            found.links = links
            await candidates.upsert(tx, nec.id, found)
        form = await sim.invoke(mod, "/admin candidate edit", {"candidate": "Yasmine Dar"})
        modal = await form.modal()
        assert [c["type"] for c in modal.components] == [18, 18]  # Label components, not action rows
        values = {c["custom_id"]: c.get("value") or "" for c in modal.text_inputs()}
        submitted = await sim.submit_modal(mod, modal, values)
        assert await submitted.acknowledged() == DEFERRED_MESSAGE
        reply = await submitted.response()
        assert not reply.loading
        after = await candidates.get_by_name(db.reader, nec.id, "Yasmine Dar")
        assert after is not None and after.links == links
    assert sim.violations == []


async def seed_long_result(db: Database, guild_id: int, clock: ManualClock) -> None:
    """A published result with 60 candidates: several pages and a chart."""
    names = [f"Candidate {i:02d}" for i in range(60)]
    election = Election(
        guild_id=0,
        slug="long",
        name="Long ballot",
        committee="Committee",
        seats=5,
        voting_system=VotingSystem.BLOC,
        timeline=Timeline(
            datetime(2026, 9, 1, tzinfo=UTC),
            datetime(2026, 10, 1, tzinfo=UTC),
            datetime(2026, 10, 10, tzinfo=UTC),
            datetime(2026, 11, 10, tzinfo=UTC),
            datetime(2026, 11, 12, tzinfo=UTC),
        ),
    )
    votes = {n: 10_000 - i * 100 for i, n in enumerate(names)}
    await seed_election(
        db,
        guild_id,
        clock,
        election,
        candidates=[Candidate(n) for n in names],
        rounds=[ResultRound(votes=votes, elected=names[:5])],
        published=True,
        valid=sum(votes.values()),
        invalid=0,
    )


async def test_a_paged_reply_survives_a_restart_and_keeps_its_chart(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, db: Database, clock: ManualClock, settings: Settings
) -> None:
    async with running(sim, settings, db, clock):
        await seed_long_result(db, guild.id, clock)
        reply = await ask(sim, member, "/results", {"election": "long"})
        assert reply.filenames == ["results.png"] and reply.button("Next ▶")
        first_page = reply.button("Next ▶")["custom_id"]
    clock.advance(timedelta(minutes=20))  # and the command's token has expired meanwhile
    async with running(sim, settings, db, clock):
        press = await sim.click(member, reply, reply.button("Next ▶")["custom_id"])
        assert await press.acknowledged() == DEFERRED_UPDATE
        turned = await press.response()
        assert turned.id == reply.id and turned.button("Next ▶")["custom_id"] != first_page
        assert turned.button("◀ Prev")["disabled"] is False  # now on page 2
        assert turned.filenames == ["results.png"]  # the chart goes with every page
        shared = await (await sim.click(member, turned, turned.button("Share")["custom_id"])).response()
        assert not shared.ephemeral and shared.filenames == ["results.png"]
    assert sim.violations == []


async def stored_replies(db: Database) -> int:
    """How many replies were too long for their buttons and were stored."""
    [row] = await db.fetchall("SELECT COUNT(*) FROM reply_keys")
    return int(row[0])


async def test_read_commands_write_nothing_and_long_names_still_page(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, db: Database, clock: ManualClock, settings: Settings
) -> None:
    """Buttons carry the reply in their custom id (no write per read command); a reply too long for
    Discord's 100 characters is stored once and its buttons carry the key."""
    async with running(sim, settings, db, clock):
        await seed_long_result(db, guild.id, clock)
        before = await stored_replies(db)
        reply = await ask(sim, member, "/candidates", {"election": "long"})
        assert all(len(c) <= 100 for c in reply.custom_ids)
        assert await stored_replies(db) == before
        long_name = "Candidate " + "with a very long double-barrelled name " * 2  # too long for the buttons
        nec = await elections.get_by_slug(db.reader, guild.id, "long")
        assert nec is not None and nec.id is not None
        async with db.transaction() as tx:
            await candidates.upsert(tx, nec.id, Candidate(long_name.strip()))
            await meta.bump_version(tx, guild.id, clock.now(), "test seed")
        profile = await ask(sim, member, "/candidate", {"name": long_name.strip(), "election": "long"})
        assert await stored_replies(db) == before + 1
        assert profile.button("Share")["custom_id"].startswith("hustings:pg:0:s:k")
        shared = await (await sim.click(member, profile, profile.button("Share")["custom_id"])).response()
        assert not shared.ephemeral and long_name.strip() in shared.text
    assert sim.violations == []
