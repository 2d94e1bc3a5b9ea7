"""Point the unmodified discord.py client at another Discord (the simulator, or the real one)."""

from __future__ import annotations

import discord.gateway
import discord.http
import yarl


def point_discordpy_at(api_base: str, gateway_url: str) -> None:
    """Make discord.py send REST calls to `api_base` and open its gateway socket at `gateway_url`.

    Both are class attributes, so this affects every client in the process.
    """
    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def current_discordpy_endpoints() -> tuple[str, str]:
    """Return the (api_base, gateway_url) discord.py currently uses, so callers can restore them."""
    return discord.http.Route.BASE, str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
