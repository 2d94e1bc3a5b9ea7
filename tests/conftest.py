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


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A PostgreSQL database migrated once per session, cloned for each test."""

    async def build() -> None:
        await _admin(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)')
        await _admin(f"CREATE DATABASE \"{_TEMPLATE}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
        database = await Database.open(_with_database(TEST_DATABASE, _TEMPLATE))
        try:
            await migrate(database)
        finally:
            await database.close()

    asyncio.run(build())
    try:
        yield _TEMPLATE
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)'))


if ON_POSTGRES:

    @pytest.fixture
    async def db(pg_template: str) -> AsyncIterator[Database]:
        """A clone of the migrated template database on the PostgreSQL server, dropped after the test."""
        name = f"t_{os.getpid()}_{next(_CLONES)}"
        await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
        database = await Database.open(_with_database(TEST_DATABASE, name))
        try:
            yield database
        finally:
            await database.close()
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

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
