"""The private discord.py names the simulator relies on still exist (bot/sim/discordpy_private.py).

When a discord.py upgrade moves one of them, the failure names it and the file to change, rather than
surfacing later as a client that silently talks to the wrong host. The grep that keeps private names
inside the fences is tests/test_discordpy_private.py.
"""

from __future__ import annotations

import discord
import discord.gateway
import discord.http
import yarl

from bot.sim.discordpy_private import current_discordpy_endpoints, point_discordpy_at, set_guild_ready_timeout


def _moved(name: str) -> str:
    return f"discord.py {discord.__version__} changed the private `{name}` that bot/sim/discordpy_private.py relies on"


def test_route_base_and_default_gateway() -> None:
    assert isinstance(getattr(discord.http.Route, "BASE", None), str), _moved("discord.http.Route.BASE")
    gateway = getattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", None)
    assert isinstance(gateway, yarl.URL), _moved("DiscordWebSocket.DEFAULT_GATEWAY")
    before = current_discordpy_endpoints()
    try:
        point_discordpy_at("http://127.0.0.1:9/api/v10/", "ws://127.0.0.1:9/")
        assert discord.http.Route("GET", "/users/@me").url == "http://127.0.0.1:9/api/v10/users/@me", _moved(
            "Route.BASE (no longer used to build URLs)"
        )
        assert current_discordpy_endpoints() == ("http://127.0.0.1:9/api/v10", "ws://127.0.0.1:9/")
    finally:
        point_discordpy_at(*before)


async def test_guild_ready_timeout() -> None:
    client = discord.Client(intents=discord.Intents.none())
    state = getattr(client, "_connection", None)
    assert isinstance(getattr(state, "guild_ready_timeout", None), float), _moved(
        "Client._connection.guild_ready_timeout"
    )
    set_guild_ready_timeout(client, 0.05)
    assert client._connection.guild_ready_timeout == 0.05
    await client.close()
