"""Source changes feed milestone posts: a nominations sheet that takes a candidate over the threshold
queues one milestone post, once, however often the sheet is read again."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.access import Actor
from bot.domain.schedule.ledger import Source
from bot.domain.sources import Outcome
from bot.services.access import AccessService
from bot.services.delivery.engine import DeliveryEngine
from bot.services.read.model import ReadModel
from bot.services.reminders import ReminderService
from bot.services.sources.commands import SourceService
from bot.store import deliveries, elections
from bot.store.database import Database
from tests.services.test_sources import GUILD, LIMITS, SLUG, candidates_csv, seed
from tests.services.test_sources_support import FeedServer

MOD = Actor(GUILD, 1, "mod", manage_guild=True)


def nominations(*pairs: tuple[int, int]) -> str:
    return "Body,Candidate\n" + "".join(f"Branch {b:02d},Candidate {c:02d}\n" for b, c in pairs)


async def test_milestone_posts_fire_once_on_crossing_the_threshold(db: Database, clock: ManualClock) -> None:
    await seed(db, clock)
    reads = ReadModel(db, clock)
    reminders = ReminderService(db, clock, reads, DeliveryEngine(db, clock))
    await reminders.configure(MOD, SLUG, True, None)
    service = SourceService(
        db, clock, Settings(_env_file=None, HUSTINGS_SOURCE_ALLOW_PRIVATE=True), AccessService(db, clock), limits=LIMITS
    )
    service.after_apply.append(reminders.check_milestones)
    server = FeedServer()
    await server.start()
    try:
        server.serve("c.csv", candidates_csv(3))
        server.serve("n.csv", nominations((1, 1), (2, 1)))
        c = await service.add(MOD, election=SLUG, kind="candidates", url=server.url("c.csv"))
        n = await service.add(MOD, election=SLUG, kind="nominations", url=server.url("n.csv"))
        await service.sync(GUILD, c.id)
        await service.sync(GUILD, n.id)
        election = await elections.get_by_slug(db.reader, GUILD, SLUG)
        assert election is not None and election.id is not None

        async def milestones() -> list[str]:
            rows = await deliveries.for_items(db.reader, Source.ELECTION, [election.id])
            return sorted(r.occurrence for r in rows if r.occurrence.startswith("milestone:"))

        assert await milestones() == []  # two of three: not yet
        server.serve("n.csv", nominations((1, 1), (2, 1), (3, 1)))
        clock.advance(timedelta(minutes=1))
        assert (await service.sync(GUILD, n.id)).outcome is Outcome.APPLIED
        assert await milestones() == ["milestone:Candidate 01"]
        server.serve("n.csv", nominations((1, 1), (2, 1), (3, 1), (4, 1), (1, 2)))
        assert (await service.sync(GUILD, n.id)).outcome is Outcome.APPLIED
        assert (await service.sync(GUILD, n.id)).outcome is Outcome.UNCHANGED
        assert await milestones() == ["milestone:Candidate 01"]  # once
    finally:
        await service.stop()
        await server.stop()
