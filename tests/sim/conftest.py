"""Fixtures: a started simulator with one guild, and the demo bot connected to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest

from bot.sim import DiscordSimulator, SimGuild, SimMember, run_bot_against
from tests.sim.demo_bot import DemoBot


@pytest.fixture
def guild(sim: DiscordSimulator) -> SimGuild:
    """A guild with two text channels and an Organisers role."""
    g = sim.add_guild("Labour North", channels=("general", "announcements"))
    g.add_role("Organisers")
    return g


@pytest.fixture
def alice(guild: SimGuild) -> SimMember:
    """An ordinary member."""
    return guild.add_member("alice", global_name="Alice A")


@pytest.fixture
async def bot(sim: DiscordSimulator, guild: SimGuild) -> AsyncIterator[DemoBot]:
    """The demo bot, logged in, connected and with its commands synced to the guild."""
    demo = DemoBot()
    demo.tree.copy_global_to(guild=discord.Object(id=guild.id))
    async with run_bot_against(sim, demo, sync_guild_ids=[guild.id]):
        yield demo
