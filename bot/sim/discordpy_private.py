"""Every private discord.py name the simulator uses, fenced in one module (as Red-DiscordBot marks its DEP-WARNs).

The simulator needs these to point an unmodified discord.py client at itself; each is checked against
the installed discord.py by tests/sim/test_discordpy_private.py, which fails naming the name that moved.
The bot keeps its own fence (bot/discordpy_private.py): the simulator imports nothing of the bot.
"""

from __future__ import annotations

import discord
import discord.gateway
import discord.http
import yarl


def point_discordpy_at(api_base: str, gateway_url: str) -> None:
    """Send discord.py's REST calls to `api_base` and open its gateway at `gateway_url`.

    DEP-WARN `discord.http.Route.BASE`, `DiscordWebSocket.DEFAULT_GATEWAY`: class attributes, the only
    place discord.py keeps its endpoints, so this affects every client in the process.
    """
    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def current_discordpy_endpoints() -> tuple[str, str]:
    """The (api_base, gateway_url) discord.py uses now, so a caller can restore them."""
    return discord.http.Route.BASE, str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)


def set_guild_ready_timeout(client: discord.Client, seconds: float) -> None:
    """Shorten discord.py's wait for further GUILD_CREATEs after the last one (2 s by default).

    DEP-WARN `Client._connection.guild_ready_timeout`: settable only through the private state; tests,
    the sandbox and benchmarks use it to reach READY without a fixed two-second pause.
    """
    client._connection.guild_ready_timeout = seconds
