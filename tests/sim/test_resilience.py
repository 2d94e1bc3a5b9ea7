"""Dropped gateways, invalid sessions, rate limits and injected faults, with the real discord.py client."""

from __future__ import annotations

import asyncio
import time

import discord
import pytest

from bot.sim import DiscordSimulator, SimGuild, SimMember
from tests.sim.demo_bot import DemoBot

pytestmark = pytest.mark.usefixtures("bot")


async def test_drop_mid_burst_loses_no_interaction(sim: DiscordSimulator, alice: SimMember) -> None:
    sim.faults.drop_gateway_after(20)
    handles = [await sim.invoke(alice, "/burst", {"i": i}) for i in range(50)]
    replies = await asyncio.gather(*(h.response(timeout=10) for h in handles))
    assert [r.content for r in replies] == [f"ok {i}" for i in range(50)]
    assert sim.stats.resumes == 1 and sim.stats.reconnects == 1 and sim.stats.identifies == 1
    assert sim.stats.dispatches["RESUMED"] == 1
    assert sim.violations == []


async def test_drop_with_close_code_resumes(sim: DiscordSimulator, alice: SimMember) -> None:
    sim.faults.drop_gateway(code=4000)
    handle = await sim.invoke(alice, "/burst", {"i": 1})  # queued while the bot reconnects
    assert (await handle.response()).content == "ok 1"
    assert sim.stats.resumes == 1


async def test_invalid_session_makes_the_bot_identify_again(sim: DiscordSimulator, alice: SimMember) -> None:
    sim.faults.invalidate_sessions()
    sim.faults.drop_gateway()
    deadline = time.monotonic() + 5
    while sim.stats.identifies < 2 or not sim.connected:
        assert time.monotonic() < deadline, "bot did not identify again"
        await asyncio.sleep(0.01)
    assert sim.stats.invalid_sessions == 1
    await sim.wait_for_idle()
    assert (await (await sim.invoke(alice, "/burst", {"i": 7})).response()).content == "ok 7"


async def test_server_errors_are_retried_by_discordpy(sim: DiscordSimulator, guild: SimGuild, bot: DemoBot) -> None:
    rule = sim.faults.server_errors("POST /channels/*/messages", count=1, status=502)
    channel = bot.get_channel(guild.channel("general").id)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send("after a 502")  # discord.py waits 1 s and retries
    assert rule.hits == 1 and sim.stats.statuses[502] == 1
    assert [m.id for m in sim.channel_messages(guild.channel("general"))] == [message.id]


async def test_rate_limit_storm_on_interaction_callbacks(sim: DiscordSimulator, alice: SimMember) -> None:
    sim.faults.rate_limit_storm("POST /interactions/*", count=2, retry_after=0.05)
    reply = await (await sim.invoke(alice, "/burst", {"i": 3})).response()
    assert reply.content == "ok 3"
    assert sim.stats.rate_limited == 2 and sim.stats.invalid_requests == 2
    assert sim.violations == []


async def test_real_rate_limits_produce_429s_that_discordpy_absorbs(
    sim: DiscordSimulator, guild: SimGuild, bot: DemoBot
) -> None:
    channels = [guild.add_channel(f"room-{i}") for i in range(6)]
    await sim.wait_for_idle()  # the bot learns about the new channels over the gateway
    sim.set_rate_limits(True, global_limit=3, global_window=0.25, route_limit=2, route_window=0.25)
    targets = [bot.get_channel(c.id) for c in channels]
    assert all(isinstance(t, discord.TextChannel) for t in targets)
    sent = await asyncio.gather(*(t.send(f"hello {i}") for i, t in enumerate(targets) for _ in range(2)))  # type: ignore[union-attr]
    assert len(sent) == 12
    assert sum(len(sim.channel_messages(c)) for c in channels) == 12
    assert sim.stats.rate_limited > 0
    assert sim.violations == []


async def test_slow_responses_still_arrive(sim: DiscordSimulator, alice: SimMember) -> None:
    sim.faults.slow("POST /interactions/*", delay=0.2, count=1)
    started = time.monotonic()
    assert (await (await sim.invoke(alice, "/burst", {"i": 9})).response()).content == "ok 9"
    assert time.monotonic() - started >= 0.2


async def test_interaction_webhooks_are_not_bound_by_the_global_limit(
    sim: DiscordSimulator, guild: SimGuild, alice: SimMember, bot: DemoBot
) -> None:
    """discord-api-docs interactions/receiving-and-responding "Endpoints": follow-ups and edits of an
    interaction's messages are not bound to the global limit (a bot busy with DMs still answers)."""
    sim.set_rate_limits(True, global_limit=1, global_window=60.0)
    channel = bot.get_channel(guild.channel("general").id)
    assert isinstance(channel, discord.TextChannel)
    await channel.send("uses the one global request")
    limited = sim.stats.rate_limited
    handle = await sim.invoke(alice, "/report", {})  # defer, then edit the original response with a file
    assert (await handle.response(timeout=5)).content == "Here it is"
    assert sim.stats.rate_limited == limited
    assert sim.violations == []
