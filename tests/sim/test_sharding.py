"""Sharding against the simulator with discord.py's own AutoShardedBot (developers/events/gateway.mdx, "Sharding").

GET /gateway/bot, each guild's events and interactions routed to the shard that owns it, a second session
for a connected shard refused, the identify buckets, the daily session start limit, and 4011 for an
unsharded bot in too many guilds.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import aiohttp
import discord
import pytest
from discord.ext import commands

from bot.sim import DiscordSimulator, SimGuild, run_bot_against


class ShardedBot(commands.AutoShardedBot):
    """An AutoShardedBot with one global command that notes which guild it answered for."""

    def __init__(self, label: str, **shards: Any) -> None:
        super().__init__(command_prefix="!", intents=discord.Intents.default(), help_command=None, **shards)
        self.label = label
        self.answered: list[int | None] = []

        @self.tree.command(name="where", description="Which process answers")
        async def where(interaction: discord.Interaction) -> None:
            self.answered.append(interaction.guild_id)
            await interaction.response.send_message(self.label)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None  # discord.py waits 5 s between IDENTIFYs; tests switch the sim's identify limit on when needed


class PlainBot(commands.Bot):
    """A bot without sharding."""

    def __init__(self) -> None:
        super().__init__(command_prefix="!", intents=discord.Intents.default(), help_command=None)


def _guilds_on_both_shards(sim: DiscordSimulator, count: int = 2) -> list[SimGuild]:
    """`count` guilds created a millisecond apart, so consecutive ones fall on different shards of two."""
    made = []
    for index in range(count):
        made.append(sim.add_guild(f"Branch {index}"))
        sim.advance(timedelta(milliseconds=1))
    assert {sim.shard_of(g, 2) for g in made} == {0, 1}
    return made


class _ShardLog(logging.Handler):
    """What each of discord.py's shard websockets received ("For Shard ID %s: WebSocket Event: %s")."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.events: list[tuple[int, str, dict[str, Any]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "For Shard ID %s: WebSocket Event: %s" and isinstance(record.args, tuple):
            shard_id, msg = record.args
            if isinstance(msg, dict) and msg.get("op") == 0:
                self.events.append((int(shard_id), str(msg["t"]), msg["d"]))

    def guild_ids(self, shard_id: int, event: str) -> set[int]:
        key = "id" if event == "GUILD_CREATE" else "guild_id"
        return {int(d[key]) for s, t, d in self.events if s == shard_id and t == event}


@pytest.fixture
def shard_log() -> Iterator[_ShardLog]:
    handler = _ShardLog()
    logger = logging.getLogger("discord.gateway")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def _gateway_bot(sim: DiscordSimulator, token: str | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bot {token or sim.token}"}
    async with aiohttp.ClientSession() as http, http.get(f"{sim.api_base}/gateway/bot", headers=headers) as resp:
        return resp.status, await resp.json()


async def test_gateway_bot_recommends_shards_and_counts_session_starts(sim: DiscordSimulator) -> None:
    sim.sharding.max_guilds_per_shard = 2
    _guilds_on_both_shards(sim, 3)  # two on one shard of two, one on the other
    status, body = await _gateway_bot(sim)
    assert status == 200
    assert body["url"] == sim.gateway_url
    assert body["shards"] == 2  # three guilds at two per shard
    assert body["session_start_limit"] == {
        "total": 1000,
        "remaining": 1000,
        "reset_after": 0,
        "max_concurrency": 1,
    }
    bot = ShardedBot("auto")  # no shard_count: discord.py asks GET /gateway/bot
    async with run_bot_against(sim, bot):
        assert bot.shard_count == 2 and sorted(bot.shards) == [0, 1]
        assert len(bot.guilds) == 3
    limit = (await _gateway_bot(sim))[1]["session_start_limit"]
    assert limit["remaining"] == 998
    assert limit["reset_after"] == 24 * 3600 * 1000  # the sim clock has not moved since the first start
    sim.advance(timedelta(hours=24))
    assert (await _gateway_bot(sim))[1]["session_start_limit"]["remaining"] == 1000


async def test_two_shards_each_receive_only_their_guilds(sim: DiscordSimulator, shard_log: _ShardLog) -> None:
    guilds = _guilds_on_both_shards(sim, 4)
    members = {g.id: g.add_member(f"member-{g.id}") for g in guilds}
    bot = ShardedBot("both", shard_ids=[0, 1], shard_count=2)
    async with run_bot_against(sim, bot, sync_global=True):
        assert {g.id for g in bot.guilds} == {g.id for g in guilds}
        for guild in guilds:
            reply = await (await sim.invoke(members[guild.id], "/where")).response()
            assert reply.content == "both"
        for shard_id in (0, 1):
            owned = {g.id for g in guilds if sim.shard_of(g, 2) == shard_id}
            assert shard_log.guild_ids(shard_id, "GUILD_CREATE") == owned
            assert shard_log.guild_ids(shard_id, "INTERACTION_CREATE") == owned
    assert sim.violations == []


async def test_a_process_per_shard_answers_only_its_guilds(sim: DiscordSimulator) -> None:
    first, second = sorted(_guilds_on_both_shards(sim), key=lambda g: sim.shard_of(g, 2))
    alice, bob = first.add_member("alice"), second.add_member("bob")
    zero, one = ShardedBot("zero", shard_ids=[0], shard_count=2), ShardedBot("one", shard_ids=[1], shard_count=2)
    async with run_bot_against(sim, zero, sync_global=True), run_bot_against(sim, one):
        assert [g.id for g in zero.guilds] == [first.id]
        assert [g.id for g in one.guilds] == [second.id]
        assert (await (await sim.invoke(alice, "/where")).response()).content == "zero"
        assert (await (await sim.invoke(bob, "/where")).response()).content == "one"
    assert (zero.answered, one.answered) == ([first.id], [second.id])
    assert sim.violations == []


async def test_a_second_session_for_a_connected_shard_is_refused(sim: DiscordSimulator) -> None:
    first, _ = sorted(_guilds_on_both_shards(sim), key=lambda g: sim.shard_of(g, 2))
    alice = first.add_member("alice")
    owner, intruder = (
        ShardedBot("owner", shard_ids=[0], shard_count=2),
        ShardedBot("intruder", shard_ids=[0], shard_count=2),
    )
    async with run_bot_against(sim, owner, sync_global=True):
        with pytest.raises(discord.ConnectionClosed) as closed:
            async with run_bot_against(sim, intruder):
                pass
        assert closed.value.code == 4010
        assert sim.stats.identifies_refused == 1
        assert (await (await sim.invoke(alice, "/where")).response()).content == "owner"
    assert intruder.answered == []


async def test_without_exclusive_shards_the_newest_session_takes_the_shard_over(sim: DiscordSimulator) -> None:
    sim.sharding.exclusive_shards = False
    first, _ = sorted(_guilds_on_both_shards(sim), key=lambda g: sim.shard_of(g, 2))
    alice = first.add_member("alice")
    old, new = ShardedBot("old", shard_ids=[0], shard_count=2), ShardedBot("new", shard_ids=[0], shard_count=2)
    async with run_bot_against(sim, old, sync_global=True), run_bot_against(sim, new):
        assert (await (await sim.invoke(alice, "/where")).response()).content == "new"
    assert (old.answered, sim.stats.identifies_refused) == ([], 0)


async def test_an_unsharded_bot_in_too_many_guilds_must_shard(sim: DiscordSimulator) -> None:
    sim.sharding.max_guilds_per_shard = 2
    guilds = _guilds_on_both_shards(sim, 4)  # two on each shard of two
    with pytest.raises(discord.ConnectionClosed) as closed:
        async with run_bot_against(sim, PlainBot()):
            pass
    assert closed.value.code == 4011  # Sharding required
    bot = ShardedBot("sharded", shard_ids=[0, 1], shard_count=2)
    async with run_bot_against(sim, bot):
        assert len(bot.guilds) == len(guilds)


async def test_one_identify_per_bucket_per_window(sim: DiscordSimulator) -> None:
    _guilds_on_both_shards(sim)
    sim.sharding.identify_limit = True
    sim.sharding.identify_interval = 0.3  # real seconds (5 on Discord): the second shard waits it out
    bot = ShardedBot("one bucket", shard_ids=[0, 1], shard_count=2)
    async with run_bot_against(sim, bot):
        assert len(bot.guilds) == 2
    assert sim.stats.identifies_rate_limited >= 1  # op 9, then discord.py identified again
    assert sim.stats.identifies == 2


async def test_shards_in_different_buckets_identify_together(sim: DiscordSimulator) -> None:
    _guilds_on_both_shards(sim)
    sim.sharding.identify_limit = True
    sim.sharding.max_concurrency = 2  # rate_limit_key = shard_id % 2: shards 0 and 1 in two buckets
    bot = ShardedBot("two buckets", shard_ids=[0, 1], shard_count=2)
    async with run_bot_against(sim, bot):
        assert len(bot.guilds) == 2
    assert (sim.stats.identifies, sim.stats.identifies_rate_limited) == (2, 0)


async def _identify(http: aiohttp.ClientSession, sim: DiscordSimulator, shard: list[int] | None = None) -> Any:
    ws = await http.ws_connect(sim.gateway_url + "?v=10&encoding=json")
    hello = json.loads((await ws.receive(timeout=5)).data)
    assert hello["op"] == 10
    d: dict[str, Any] = {"token": sim.token, "intents": 1, "properties": {}}
    if shard is not None:
        d["shard"] = shard
    await ws.send_str(json.dumps({"op": 2, "d": d}))
    return ws


async def test_the_daily_session_start_limit_resets_the_token(sim: DiscordSimulator) -> None:
    sim.sharding.session_start_total = 1
    token = sim.token
    async with aiohttp.ClientSession() as http:
        first = await _identify(http, sim)
        assert json.loads((await first.receive(timeout=5)).data)["t"] == "READY"
        assert (await _gateway_bot(sim))[1]["session_start_limit"]["remaining"] == 0
        second = await _identify(http, sim, [1, 2])
        assert (await second.receive(timeout=5)).type is aiohttp.WSMsgType.CLOSE and second.close_code == 4004
        # "all active sessions for the app will be terminated, the bot token will be reset"
        while (await first.receive(timeout=5)).type is not aiohttp.WSMsgType.CLOSE:
            pass
        assert first.close_code == 4004
        assert (await _gateway_bot(sim, token))[0] == 401
        await first.close()
        await second.close()


async def test_a_second_identify_on_one_connection_is_closed_4005(sim: DiscordSimulator) -> None:
    async with aiohttp.ClientSession() as http:
        ws = await _identify(http, sim, [0, 1])
        assert json.loads((await ws.receive(timeout=5)).data)["t"] == "READY"
        await ws.send_str(json.dumps({"op": 2, "d": {"token": sim.token, "intents": 1, "properties": {}}}))
        while (await ws.receive(timeout=5)).type is not aiohttp.WSMsgType.CLOSE:
            pass
        assert ws.close_code == 4005  # Already authenticated
        await ws.close()


@pytest.mark.parametrize("shard", [[2, 2], [-1, 2], [0, 0], [0], "0,1"])
async def test_an_invalid_shard_is_closed_4010(sim: DiscordSimulator, shard: Any) -> None:
    async with aiohttp.ClientSession() as http:
        ws = await _identify(http, sim, shard)
        assert (await ws.receive(timeout=5)).type is aiohttp.WSMsgType.CLOSE and ws.close_code == 4010
        await ws.close()
