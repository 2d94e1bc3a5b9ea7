"""Shared fixtures: a fresh, migrated database per test, a manual clock, and the simulator.

The database is SQLite unless `HUSTINGS_TEST_DATABASE` names a PostgreSQL server
(`postgresql://user@127.0.0.1:5432/postgres`, a user allowed to create databases): then the session
migrates one template database and each test gets its own clone (`CREATE DATABASE ... TEMPLATE`),
dropped afterwards. `.ci/run` runs the suite both ways.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import queue
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.clock import ManualClock
from bot.sim import DiscordSimulator, SimGuild
from bot.store.database import Database
from bot.store.migrations import migrate

TEST_DATABASE = os.environ.get("HUSTINGS_TEST_DATABASE", "")
ON_POSTGRES = TEST_DATABASE.startswith(("postgresql://", "postgres://"))
_TEMPLATE = f"hustings_template_{os.getpid()}"
_CLONES = itertools.count(1)


def _with_database(url: str, name: str) -> str:
    """`url` pointing at database `name` on the same server."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def _admin(statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(TEST_DATABASE)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): the test is about SQLite itself (files, locks, WAL); skipped on PostgreSQL"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL run, skip SQLite-only tests and tests that never open the store under test.

    A test without the `db` fixture (directly or through `hustings`, `demo`...) reads and writes no
    database that the switch reaches: the simulator's, the renderers' and the rules' tests, and the
    command-line tests on their own SQLite files. They ran on the SQLite pass; running them again
    would test nothing new.
    """
    if not ON_POSTGRES:
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "about SQLite itself")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))
        elif "db" not in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason="does not use the store under test (ran on the SQLite pass)"))


class _Clones:
    """Clones of the template, made ahead and recycled on a background thread.

    `CREATE DATABASE ... TEMPLATE` takes 0.5-1 s (the server checkpoints), longer than most tests. So
    a clone a test has finished with is emptied instead (its other connections ended, every row
    deleted with triggers off, sequences restarted: ~20 ms) and handed to a later test, unless the
    test changed its schema or its migrations, in which case it is dropped and a fresh clone made.
    """

    def __init__(self, template: str, ahead: int = 2) -> None:
        self.template = template
        self.ahead = ahead
        self.ready: queue.Queue[str] = queue.Queue()
        self.used: queue.Queue[str] = queue.Queue()
        self.wake = threading.Event()
        self.stopping = False
        self.shape: tuple[object, ...] = ()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._work()), name="pg-clones", daemon=True)
        self.thread.start()

    async def _work(self) -> None:
        import asyncpg

        admin = await asyncpg.connect(TEST_DATABASE)
        template = await asyncpg.connect(_with_database(TEST_DATABASE, self.template))
        try:
            self.shape = await self._shape(template)
        finally:
            await template.close()
        try:
            while not self.stopping:
                self.wake.clear()
                if not self.used.empty():
                    name = self.used.get()
                    if await self._empty(admin, name):
                        self.ready.put(name)
                    else:
                        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                elif self.ready.qsize() < self.ahead:
                    name = f"t_{os.getpid()}_{next(_CLONES)}"
                    await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}" STRATEGY FILE_COPY')
                    self.ready.put(name)
                else:
                    await asyncio.to_thread(self.wake.wait)
            for waiting in (self.ready, self.used):
                while not waiting.empty():
                    await admin.execute(f'DROP DATABASE IF EXISTS "{waiting.get()}" WITH (FORCE)')
        finally:
            await admin.close()

    @staticmethod
    async def _shape(conn) -> tuple[object, ...]:
        """What a test must not have changed for its clone to be reused: relations and migrations."""
        relations = await conn.fetchval(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
        )
        applied = await conn.fetchval(
            "SELECT string_agg(CAST(version AS TEXT), ',' ORDER BY version) FROM schema_migrations"
        )
        return (relations, applied)

    async def _empty(self, admin, name: str) -> bool:
        """Empty a used clone for reuse; False when it can't be (the caller drops it)."""
        import asyncpg

        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
            conn = await asyncpg.connect(_with_database(TEST_DATABASE, name))
        except Exception:
            return False
        try:
            if await self._shape(conn) != self.shape:
                return False
            tables = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"
            )
            async with conn.transaction():
                await conn.execute("SET LOCAL session_replication_role = replica")  # no triggers: audit_log too
                await conn.execute("; ".join(f'DELETE FROM "{t["tablename"]}"' for t in tables))
                await conn.execute(
                    "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE c.relkind = 'S' AND n.nspname = 'public'"
                )
            return True
        except Exception:
            return False
        finally:
            await conn.close()

    def take(self) -> str:
        name = self.ready.get(timeout=120)
        self.wake.set()
        return name

    def give_back(self, name: str) -> None:
        self.used.put(name)
        self.wake.set()

    def close(self) -> None:
        self.stopping = True
        self.wake.set()
        self.thread.join(timeout=120)


@pytest.fixture(scope="session")
def pg_clones() -> Iterator[_Clones]:
    """A PostgreSQL database migrated once per session; each test gets a clone of it."""

    async def build() -> None:
        await _admin(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)')
        await _admin(f"CREATE DATABASE \"{_TEMPLATE}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
        database = await Database.open(_with_database(TEST_DATABASE, _TEMPLATE))
        try:
            await migrate(database)
        finally:
            await database.close()

    asyncio.run(build())
    clones = _Clones(_TEMPLATE)
    try:
        yield clones
    finally:
        clones.close()
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)'))


if ON_POSTGRES:

    @pytest.fixture
    async def db(pg_clones: _Clones) -> AsyncIterator[Database]:
        """A clone of the migrated template database on the PostgreSQL server, dropped after the test."""
        name = await asyncio.to_thread(pg_clones.take)
        database = await Database.open(_with_database(TEST_DATABASE, name))
        try:
            yield database
        finally:
            await database.close()
            pg_clones.give_back(name)

else:

    @pytest.fixture
    async def db(tmp_path) -> AsyncIterator[Database]:
        """A real SQLite database, migrated to the latest schema, removed after the test."""
        database = await Database.open(tmp_path / "hustings.db")
        await migrate(database)
        try:
            yield database
        finally:
            await database.close()


@pytest.fixture
def clock() -> ManualClock:
    """A clock fixed at a known instant that tests move with `advance`."""
    return ManualClock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))


@pytest.fixture
async def sim(clock: ManualClock) -> AsyncIterator[DiscordSimulator]:
    """A simulator on a free loopback port, sharing the test clock."""
    simulator = DiscordSimulator(clock=clock)
    await simulator.start()
    try:
        yield simulator
    finally:
        await simulator.stop()


@pytest.fixture
def guild(sim: DiscordSimulator) -> SimGuild:
    """The community server."""
    return sim.add_guild("Labour North", channels=("general", "announcements"))
