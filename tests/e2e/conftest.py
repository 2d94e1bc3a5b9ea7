"""End-to-end fixtures: the real HustingsBot on a fresh migrated database, talking to the Discord simulator.

Each test gets its own database (from `tests/conftest.py`), clock, simulator and bot; starting them
takes a fraction of a second. `demo` loads the demo pack through the import service; `feed` serves
source files over HTTP on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.config import Settings
from bot.services.imports import apply_import, load_demo_pack, plan_import
from bot.sim import DiscordSimulator, SimGuild, SimMember, run_bot_against
from bot.store.database import Database
from tests.services.test_sources_support import FeedServer


@pytest.fixture
def member(guild: SimGuild) -> SimMember:
    """An ordinary member."""
    return guild.add_member("alice", global_name="Alice A")


@pytest.fixture
def settings(sim: DiscordSimulator, guild: SimGuild, db: Database) -> Settings:
    """Settings pointing discord.py at the simulator, commands synced to the test guild."""
    return Settings(
        _env_file=None,
        HUSTINGS_DATABASE=str(db.path),
        HUSTINGS_DISCORD_API=sim.api_base,
        HUSTINGS_DISCORD_GATEWAY=sim.gateway_url,
        HUSTINGS_DEV_GUILD=str(guild.id),
    )


@pytest.fixture
async def hustings(
    sim: DiscordSimulator, settings: Settings, db: Database, clock: ManualClock
) -> AsyncIterator[HustingsBot]:
    """The real bot, logged in to the simulator with its commands synced to the guild."""
    from bot.app import point_discord_at

    point_discord_at(settings.discord_api, settings.discord_gateway)
    bot = HustingsBot(settings=settings, db=db, clock=clock)
    async with run_bot_against(sim, bot):
        yield bot


@pytest.fixture
async def demo(hustings: HustingsBot, db: Database, guild: SimGuild, clock: ManualClock) -> HustingsBot:
    """The bot with the demo pack loaded: NEC 2018 (published results) and a live union election."""
    plan = await plan_import(db, guild.id, load_demo_pack(clock.now()))
    await apply_import(db, guild.id, plan, actor_id=None, actor_name="test", now=clock.now())
    return hustings


@pytest.fixture
async def feed() -> AsyncIterator[FeedServer]:
    """A local HTTP server for the sources tests: `feed.serve(name, body)`, then `feed.url(name)`."""
    server = FeedServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
