"""Raw gateway wire protocol: HELLO, IDENTIFY/READY, heartbeats, zlib-stream, RESUME and INVALID_SESSION."""

from __future__ import annotations

import json
import zlib
from typing import Any

import aiohttp
import discord
import pytest

from bot.sim import DiscordSimulator, SimGuild, SimMember, run_bot_against
from tests.sim.demo_bot import DemoBot


class RawGateway:
    """A bare websocket client that decodes zlib-stream like discord.py does."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, compressed: bool) -> None:
        self.ws = ws
        self.inflator = zlib.decompressobj() if compressed else None

    async def recv(self) -> dict[str, Any]:
        msg = await self.ws.receive(timeout=5)
        if self.inflator is not None:
            assert msg.type is aiohttp.WSMsgType.BINARY and msg.data.endswith(b"\x00\x00\xff\xff")
            return json.loads(self.inflator.decompress(msg.data))
        assert msg.type is aiohttp.WSMsgType.TEXT
        return json.loads(msg.data)

    async def send(self, op: int, d: Any) -> None:
        await self.ws.send_str(json.dumps({"op": op, "d": d}))


@pytest.mark.parametrize("compress", [True, False])
async def test_identify_ready_guild_create_and_resume(sim: DiscordSimulator, guild: SimGuild, compress: bool) -> None:
    query = "?v=10&encoding=json" + ("&compress=zlib-stream" if compress else "")
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(sim.gateway_url + query) as ws:
            gw = RawGateway(ws, compress)
            hello = await gw.recv()
            assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
            await gw.send(1, None)
            assert (await gw.recv())["op"] == 11
            await gw.send(2, {"token": sim.token, "intents": 513, "properties": {}})
            ready = await gw.recv()
            assert (ready["t"], ready["s"]) == ("READY", 1)
            assert ready["d"]["resume_gateway_url"].startswith("ws://127.0.0.1:")
            assert ready["d"]["application"]["id"] == str(sim.application_id)
            assert ready["d"]["guilds"] == [{"id": str(guild.id), "unavailable": True}]
            created = await gw.recv()
            assert (created["t"], created["s"]) == ("GUILD_CREATE", 2)
            roles = {r["id"]: r["name"] for r in created["d"]["roles"]}
            assert roles[str(guild.id)] == "@everyone"
            assert [m["user"]["id"] for m in created["d"]["members"]] == [str(sim.bot_user.id)]
            session_id = ready["d"]["session_id"]
        sim.add_guild("Second")  # dispatched while disconnected: must be replayed
        async with http.ws_connect(ready["d"]["resume_gateway_url"] + query) as ws:
            gw = RawGateway(ws, compress)
            await gw.recv()
            await gw.send(6, {"token": sim.token, "session_id": session_id, "seq": 2})
            replayed = await gw.recv()
            assert (replayed["t"], replayed["s"], replayed["d"]["name"]) == ("GUILD_CREATE", 3, "Second")
            assert (await gw.recv())["t"] == "RESUMED"
        async with http.ws_connect(sim.gateway_url + query) as ws:
            gw = RawGateway(ws, compress)
            await gw.recv()
            await gw.send(6, {"token": sim.token, "session_id": "nope", "seq": 1})
            assert await gw.recv() == {"op": 9, "d": False}
    assert sim.stats.resumes == 1 and sim.stats.invalid_sessions == 1


async def test_bad_token_closes_with_4004(sim: DiscordSimulator) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(sim.gateway_url + "?v=10&encoding=json") as ws:
        await ws.receive()
        await ws.send_str(json.dumps({"op": 2, "d": {"token": "wrong", "intents": 1, "properties": {}}}))
        msg = await ws.receive(timeout=5)
        assert msg.type is aiohttp.WSMsgType.CLOSE and msg.data == 4004


async def test_members_intent_state_events_and_member_chunks(sim: DiscordSimulator, guild: SimGuild) -> None:
    alice = guild.add_member("alice")
    demo = DemoBot(members_intent=True)
    async with run_bot_against(sim, demo):
        g = demo.get_guild(guild.id)
        assert g is not None and g.get_member(alice.id) is not None and g.chunked
        assert g.default_role.id == guild.id and g.owner_id == guild.owner_id
        bob = guild.add_member("bob", roles=[guild.add_role("Organisers", permissions=8)])
        channel = guild.add_channel("results")
        await sim.wait_for_idle()
        member = g.get_member(bob.id)
        assert member is not None and [r.name for r in member.roles] == ["@everyone", "Organisers"]
        assert member.guild_permissions.administrator
        assert isinstance(g.get_channel(channel.id), discord.TextChannel)
        guild.remove_member(bob)
        await sim.wait_for_idle()
        assert g.get_member(bob.id) is None
        fetched = await g.query_members("ali")
        assert [m.id for m in fetched] == [alice.id]
        assert (await g.fetch_member(alice.id)).name == "alice"
        assert {m.id async for m in g.fetch_members(limit=None)} == set(guild.members)
        assert (await demo.fetch_channel(channel.id)).name == "results"
    assert sim.violations == []


async def test_user_messages_reach_on_message(sim: DiscordSimulator, guild: SimGuild, alice: SimMember) -> None:
    demo = DemoBot()
    async with run_bot_against(sim, demo):
        await sim.post_message(alice, guild.channel("general"), f"hi {sim.bot_user.mention}")
        await sim.post_message(alice, guild.channel("general"), "no content intent")
        await sim.wait_for_idle()
        assert [m.content for m in demo.seen_messages] == [f"hi <@{sim.bot_user.id}>", ""]
        history = [m async for m in demo.get_channel(guild.channel("general").id).history(limit=10)]  # type: ignore[union-attr]
        assert len(history) == 2
