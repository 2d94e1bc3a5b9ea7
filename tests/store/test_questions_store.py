"""The questions store: guilds never see each other's questions; votes and Interested marks toggle."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.hustings import Hustings, Place, PlaceKind
from bot.domain.models import Election, VotingSystem
from bot.domain.questions import Question, Topic
from bot.store import elections
from bot.store import hustings as hustings_repo
from bot.store import questions as repo
from bot.store.database import Database

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


async def test_questions_stay_in_their_guild_and_votes_toggle(db: Database) -> None:
    async with db.transaction() as tx:
        eid = await elections.upsert(
            tx, Election(guild_id=1, slug="nec", name="NEC", seats=3, voting_system=VotingSystem.BLOC)
        )
        h = Hustings(eid, "NEC hustings", NOW, 60, Place(PlaceKind.EXTERNAL, location="Hall"), guild_id=1)
        hid = await hustings_repo.insert(tx, 1, h, NOW)
        qid = await repo.insert(tx, 1, Question(hid, 7, "Why?", election_id=eid), NOW)
    assert await repo.get(db.reader, 2, qid) is None  # another guild's id finds nothing
    assert await repo.for_topic(db.reader, 2, Topic(eid, hid, "NEC hustings", (), None)) == []
    async with db.transaction() as tx:
        assert await repo.toggle_vote(tx, qid, 8) is True
        assert await repo.toggle_vote(tx, qid, 9) is True
        assert await repo.toggle_vote(tx, qid, 8) is False  # a second press takes the vote back
        assert await repo.toggle_interest(tx, hid, 8) is True
    found = await repo.get(db.reader, 1, qid)
    assert found is not None and found.votes == 1
    assert await repo.interest_count(db.reader, hid) == 1
    assert await repo.count_by(db.reader, Topic(eid, hid, "NEC hustings", (), None), 7) == 1
