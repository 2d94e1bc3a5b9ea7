"""The automatic posts at the moments that matter (#17 part 4): nominations close, the ballot opens."""

from __future__ import annotations

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.sim import DiscordSimulator, SimGuild
from bot.store import audit, elections, meta
from bot.store import bodies as bodies_repo
from bot.store import candidates as candidates_repo
from bot.store import hustings as hustings_repo
from bot.store import nominations as nominations_repo
from bot.store.database import Database
from tests.e2e.test_announce import Org, local, org  # the fixture
from tests.helpers import ask

__all__ = ["org"]


async def second_nomination(db: Database, guild: SimGuild, clock: ManualClock) -> None:
    """Hackney South nominates Ann Black too: two nominations, the threshold."""
    async with db.transaction() as tx:
        election = await elections.get_by_slug(tx, guild.id, "nec")
        body = await bodies_repo.get_by_name(tx, guild.id, "Hackney South")
        candidate = await candidates_repo.get_by_name(tx, election.id, "Ann Black")  # type: ignore[union-attr]
        assert election and election.id and body and body.id and candidate and candidate.id
        await nominations_repo.add(tx, election.id, body.id, candidate.id, None)
        await meta.bump_version(tx, guild.id, clock.now(), "test")


async def test_posts_when_nominations_close_and_the_ballot_opens(
    sim: DiscordSimulator,
    org: Org,
    hustings: HustingsBot,
    db: Database,
    guild: SimGuild,
    clock: ManualClock,
) -> None:
    reply = await ask(
        sim,
        org.organiser,
        "/announce reminders",
        {"election": "nec", "how_to_vote": "Vote online at https://vote.example.org by 10 January."},
    )
    assert "when the ballot opens (how to vote)" in reply.text
    [row] = await audit.recent(db.reader, guild.id, limit=1, action_prefix="announce.how_to_vote")
    assert row.after == "Vote online at https://vote.example.org by 10 January."
    await second_nomination(db, guild, clock)

    engine = hustings.services.delivery
    await engine.run_for(local("2026-12-10T17:01") - clock.now())
    closed = [m for m in sim.channel_messages(org.announcements) if "Nominations have closed" in m.text]
    assert len(closed) == 1
    assert "this candidate is on the ballot: **Ann Black**" in closed[0].text
    assert "Jon Lansman" not in closed[0].content
    assert closed[0].filenames == ["nominations.png"]

    await engine.run_for(local("2026-12-14T09:01") - clock.now())
    [opened] = [m for m in sim.channel_messages(org.announcements) if "The ballot is open" in m.text]
    assert "**How to vote:** Vote online at https://vote.example.org by 10 January." in opened.content
    assert sim.violations == []


async def test_how_to_vote_can_be_cleared(
    sim: DiscordSimulator,
    org: Org,
    db: Database,
    guild: SimGuild,
) -> None:
    await ask(sim, org.organiser, "/announce reminders", {"election": "nec", "how_to_vote": "By post."})
    election = await elections.get_by_slug(db.reader, guild.id, "nec")
    assert election is not None and election.id is not None
    assert await hustings_repo.how_to_vote(db.reader, election.id) == "By post."
    reply = await ask(sim, org.organiser, "/announce reminders", {"election": "nec", "how_to_vote": "clear"})
    assert "are **on**" in reply.text
    assert await hustings_repo.how_to_vote(db.reader, election.id) == ""
    assert len(await audit.recent(db.reader, guild.id, limit=5, action_prefix="announce.how_to_vote")) == 2
