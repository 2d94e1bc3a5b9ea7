"""Shards from settings (issue #20 part 2): `HUSTINGS_SHARD_COUNT` / `HUSTINGS_SHARD_IDS` run the bot on
discord.py's AutoShardedBot, each process answering only its shards' guilds; on PostgreSQL processes
take turns to IDENTIFY per `max_concurrency` bucket (developers/events/gateway.mdx, "Sharding" → "Max
Concurrency", "Session Start Limit Object"), so processes started together are not answered with
Invalid Session (op 9)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

import discord
import pytest

from bot.app import HustingsBot, ShardedHustingsBot, point_discord_at
from bot.clock import ManualClock
from bot.config import Settings, SettingsError
from bot.sim import DiscordSimulator, SimGuild, run_bot_against
from bot.store.database import Database
from bot.store.identify import MARGIN
from tests.helpers import ask


def _guilds_on_both_shards(sim: DiscordSimulator) -> list[SimGuild]:
    """Two guilds created a millisecond apart, on shard 0 and shard 1 of two."""
    made = []
    for index in range(2):
        made.append(sim.add_guild(f"Branch {index}", channels=("general",)))
        sim.advance(timedelta(milliseconds=1))
    return sorted(made, key=lambda g: sim.shard_of(g, 2))


def _settings(sim: DiscordSimulator, db: Database, shard_ids: str) -> Settings:
    return Settings(
        _env_file=None,
        HUSTINGS_DATABASE=str(db.path),
        HUSTINGS_DISCORD_API=sim.api_base,
        HUSTINGS_DISCORD_GATEWAY=sim.gateway_url,
        HUSTINGS_SHARD_COUNT="2",
        HUSTINGS_SHARD_IDS=shard_ids,
    )


@asynccontextmanager
async def _processes(
    sim: DiscordSimulator, db: Database, clock: ManualClock, *, identify_hold: float | None = None
) -> AsyncIterator[list[HustingsBot]]:
    """Two bot processes, each on its own connections to the store, owning shard 0 and shard 1; started
    at the same moment."""
    point_discord_at(sim.api_base, sim.gateway_url)
    async with AsyncExitStack() as stack:
        bots = []
        for shard in ("0", "1"):
            own = await Database.open(db.path)
            stack.push_async_callback(own.close)
            bot = HustingsBot(settings=_settings(sim, own, shard), db=own, clock=clock)
            if identify_hold is not None and isinstance(bot, ShardedHustingsBot) and bot.identify_gate is not None:
                bot.identify_gate.hold = identify_hold + MARGIN
            bots.append(bot)
        await asyncio.gather(*(stack.enter_async_context(run_bot_against(sim, b)) for b in bots))
        yield bots


def _recorder(seen: list[int | None]):
    async def record(interaction: discord.Interaction) -> None:
        seen.append(interaction.guild_id)

    return record


async def test_two_processes_each_answer_only_their_shards_guilds(
    sim: DiscordSimulator, db: Database, clock: ManualClock
) -> None:
    guilds = _guilds_on_both_shards(sim)
    members = [g.add_member(f"member{i}") for i, g in enumerate(guilds)]
    async with _processes(sim, db, clock) as bots:
        answered: list[list[int | None]] = [[], []]
        for index, bot in enumerate(bots):
            assert isinstance(bot, ShardedHustingsBot) and isinstance(bot, discord.AutoShardedClient)
            assert bot.shard_ids == [index] and bot.shard_count == 2
            bot.add_listener(_recorder(answered[index]), "on_interaction")
            assert [g.id for g in bot.guilds] == [guilds[index].id]
            assert not bot.gateway_down()
        for member in members:
            reply = await ask(sim, member, "/hustings about", {})
            assert reply.embeds or reply.text
        assert answered == [[guilds[0].id], [guilds[1].id]]


async def test_unsharded_settings_keep_one_plain_bot(sim: DiscordSimulator, db: Database, clock: ManualClock) -> None:
    settings = Settings(_env_file=None, HUSTINGS_DATABASE=str(db.path))
    bot = HustingsBot(settings=settings, db=db, clock=clock)
    try:
        assert type(bot) is HustingsBot and not isinstance(bot, discord.AutoShardedClient)
    finally:
        await bot.close()


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"HUSTINGS_SHARD_IDS": "0-1"}, "needs HUSTINGS_SHARD_COUNT"),
        ({"HUSTINGS_SHARD_COUNT": "2", "HUSTINGS_SHARD_IDS": "1-2"}, "shard 2 does not exist"),
        ({"HUSTINGS_SHARD_COUNT": "4", "HUSTINGS_SHARD_IDS": "3-1"}, "runs backwards"),
        ({"HUSTINGS_SHARD_COUNT": "4", "HUSTINGS_SHARD_IDS": "one"}, "numbers and ranges"),
        ({"HUSTINGS_SHARD_COUNT": "0"}, "greater than or equal to 1"),
    ],
)
def test_shard_settings_that_cannot_work_are_refused(env: dict[str, str], problem: str) -> None:
    with pytest.raises(SettingsError, match=problem):
        Settings(_env_file=None, **env)


def test_shard_ranges_and_lists() -> None:
    assert Settings(_env_file=None, HUSTINGS_SHARD_COUNT="8", HUSTINGS_SHARD_IDS="0-2,5").shard_ids == (0, 1, 2, 5)
    assert Settings(_env_file=None, HUSTINGS_SHARD_COUNT="8", HUSTINGS_SHARD_IDS="").shard_ids is None


async def test_processes_started_together_take_turns_to_identify(
    sim: DiscordSimulator, db: Database, clock: ManualClock
) -> None:
    if db.engine != "postgresql":
        pytest.skip("one process on SQLite: discord.py's own wait between its shards applies")
    _guilds_on_both_shards(sim)
    sim.sharding.identify_limit = True  # one IDENTIFY per bucket per window, as Discord does
    sim.sharding.identify_interval = 0.3  # real seconds (5 on Discord)
    async with _processes(sim, db, clock, identify_hold=0.3) as bots:
        assert all(len(b.guilds) == 1 for b in bots)
    assert (sim.stats.identifies, sim.stats.identifies_rate_limited) == (2, 0)  # no op 9
