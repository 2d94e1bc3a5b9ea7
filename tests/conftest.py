"""Shared fixtures: a fresh, migrated SQLite database per test, a manual clock, and the simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.sim import DiscordSimulator, SimGuild
from bot.store.database import Database
from bot.store.migrations import migrate


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
