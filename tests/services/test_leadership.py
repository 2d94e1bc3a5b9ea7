"""One leader among several processes (#20 part 2): the leader lock, standing by, taking over, and a
lost connection dropping the lead cleanly. PostgreSQL only, but for the one-process case (SQLite)."""

from __future__ import annotations

import asyncio
import logging

import asyncpg
import pytest

from bot.services.leader import Leadership
from bot.store.database import Database
from bot.store.leader import LeaderLock


class Work:
    """The leader's work, as the container starts and stops it."""

    def __init__(self, anyone: asyncio.Event | None = None) -> None:
        self.running = False
        self.started = asyncio.Event()
        self.stopped = asyncio.Event()
        self.anyone = anyone or asyncio.Event()  # set when this or another Work sharing it starts

    async def lead(self) -> None:
        self.running = True
        self.started.set()
        self.anyone.set()

    async def stand_down(self) -> None:
        self.running = False
        self.stopped.set()


def _leadership(db: Database, work: Work, **kwargs: object) -> Leadership:
    lock = LeaderLock(str(db.path)) if db.engine == "postgresql" else None
    return Leadership(lock, lead=work.lead, stand_down=work.stand_down, retry_every=0.05, check_every=0.05, **kwargs)  # type: ignore[arg-type]


def _postgres_only(db: Database) -> None:
    if db.engine != "postgresql":
        pytest.skip("several processes share a PostgreSQL store only (SQLite: one process per file)")


async def test_one_process_on_sqlite_leads_at_once(db: Database) -> None:
    if db.engine != "sqlite":
        pytest.skip("the one-process store is SQLite")
    work = Work()
    leadership = _leadership(db, work)
    await leadership.start()
    assert work.running and leadership.leading


async def test_one_leads_the_other_stands_by_and_takes_over_when_it_goes(db: Database, caplog) -> None:
    _postgres_only(db)
    caplog.set_level(logging.INFO, "bot.services.leader")
    first, second = Work(), Work()
    a, b = _leadership(db, first), _leadership(db, second)
    await a.start()
    await asyncio.wait_for(first.started.wait(), 10)
    await b.start()
    await asyncio.sleep(0.3)  # several attempts: the lock is held
    assert not second.running and a.leading and not b.leading
    standing_by = [r for r in caplog.records if "stands by" in r.getMessage()]
    assert len(standing_by) == 1  # logged once, not once per attempt
    await a.stop()  # a clean stop: work stopped first, then the lock given back
    await a.release()
    await asyncio.wait_for(second.started.wait(), 10)
    assert b.leading
    await b.stop()
    await b.release()


async def test_a_lost_connection_drops_the_lead_at_once_and_says_so_once(db: Database, caplog) -> None:
    _postgres_only(db)
    caplog.set_level(logging.INFO, "bot.services.leader")
    anyone = asyncio.Event()
    first, second = Work(anyone), Work(anyone)
    a, b = _leadership(db, first), _leadership(db, second)
    await a.start()
    await asyncio.wait_for(first.started.wait(), 10)
    await b.start()
    anyone.clear()
    conn = await asyncpg.connect(str(db.path))
    try:  # the server cuts the leader's lock connection (a network fault, an operator, a failover)
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2"
            " AND classid = 1213551444 AND objid = 1 AND granted"
        )
    finally:
        await conn.close()
    await asyncio.wait_for(first.stopped.wait(), 10)  # its work stopped (it may lead again at once)
    # Someone leads again within seconds: the standby, or the old leader once it reconnected (never both).
    await asyncio.wait_for(anyone.wait(), 10)
    await asyncio.sleep(0.3)
    assert [a.leading, b.leading].count(True) == 1 and [first.running, second.running].count(True) == 1
    lost = [r for r in caplog.records if r.getMessage().startswith("lost the lead")]
    assert len(lost) == 1 and lost[0].levelno == logging.ERROR
    assert "\n" not in lost[0].getMessage()
    # Whoever leads goes: the other takes over.
    leader, other, other_work = (a, b, second) if a.leading else (b, a, first)
    other_work.started.clear()
    await leader.stop()
    await leader.release()
    await asyncio.wait_for(other_work.started.wait(), 10)
    await other.stop()
    await other.release()


async def test_a_gateway_process_never_leads_even_alone(db: Database) -> None:
    _postgres_only(db)
    work = Work()
    gateway = _leadership(db, work, may_lead=False)
    await gateway.start()
    await asyncio.sleep(0.3)  # several attempts' worth: the lock is free
    assert not work.running and not gateway.leading
    await gateway.stop()
    await gateway.release()
