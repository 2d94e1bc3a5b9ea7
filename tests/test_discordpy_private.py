"""The private discord.py names Hustings relies on still exist, and are used only in their fence.

When a discord.py upgrade moves one of them, the failure names it and the file to change
(bot/discordpy_private.py), rather than surfacing later as a bot that silently talks to the wrong host.
"""

from __future__ import annotations

import inspect
import re
import tokenize
from pathlib import Path

import discord
import discord.gateway
import discord.http
import pytest
import yarl
from discord import app_commands

from bot.discordpy_private import (
    InFlightCountingTree,
    drop_members_intent,
    member_role_ids,
    point_discordpy_at,
    views_held,
    wrap_autocompletes,
)

ROOT = Path(__file__).resolve().parents[1]
# The bot's fence, and the simulator's own (it imports nothing of the bot; tests/sim/test_discordpy_private.py).
FENCES = (ROOT / "bot" / "discordpy_private.py", ROOT / "bot" / "sim" / "discordpy_private.py")
PRIVATE_NAMES = ("Route.BASE", "DiscordWebSocket.DEFAULT_GATEWAY", "_connection", "_call", "_params", "_roles")


def _moved(name: str) -> str:
    return f"discord.py {discord.__version__} changed the private `{name}` that bot/discordpy_private.py relies on"


def test_route_base_and_default_gateway() -> None:
    assert isinstance(getattr(discord.http.Route, "BASE", None), str), _moved("discord.http.Route.BASE")
    gateway = getattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", None)
    assert isinstance(gateway, yarl.URL), _moved("DiscordWebSocket.DEFAULT_GATEWAY")
    before = (discord.http.Route.BASE, str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY))
    try:
        point_discordpy_at("http://127.0.0.1:9/api/v10/", "ws://127.0.0.1:9/")
        assert discord.http.Route("GET", "/users/@me").url == "http://127.0.0.1:9/api/v10/users/@me", _moved(
            "Route.BASE (no longer used to build URLs)"
        )
    finally:
        point_discordpy_at(*before)


def test_command_tree_call() -> None:
    call = getattr(app_commands.CommandTree, "_call", None)
    assert call is not None and inspect.iscoroutinefunction(call), _moved("CommandTree._call")
    assert list(inspect.signature(call).parameters) == ["self", "interaction"], _moved("CommandTree._call signature")
    # and discord.py still routes application commands through it
    source = inspect.getsource(app_commands.CommandTree._from_interaction)
    assert "self._call(interaction)" in source, _moved("CommandTree._call (no longer called for commands)")
    assert issubclass(InFlightCountingTree, app_commands.CommandTree)


def test_command_params_autocomplete() -> None:
    async def choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return []

    @app_commands.command()
    @app_commands.autocomplete(name=choices)
    async def command(interaction: discord.Interaction, name: str) -> None: ...

    assert isinstance(getattr(command, "_params", None), dict), _moved("Command._params")
    assert wrap_autocompletes(command, lambda _name, callback: callback) == 1


def test_member_role_ids_without_a_cached_guild() -> None:
    client = discord.Client(intents=discord.Intents.none())
    guild = discord.Guild._create_unavailable(state=client._connection, guild_id=1, data=None)
    data = {
        "user": {"id": "5", "username": "a", "discriminator": "0", "avatar": None},
        "roles": ["7", "8"],
        "flags": 0,
        "joined_at": None,
    }
    member = discord.Member(data=data, guild=guild, state=client._connection)  # type: ignore[arg-type]
    assert member.roles == [] or all(r.id not in (7, 8) for r in member.roles)
    assert member_role_ids(member) == frozenset({7, 8}), _moved("Member._roles")


async def test_drop_members_intent() -> None:
    intents = discord.Intents.none()
    intents.guilds = intents.members = True
    client = discord.Client(intents=intents)
    drop_members_intent(client)
    assert client.intents.guilds and not client.intents.members, _moved("Client._connection._intents")
    await client.close()


async def test_views_held() -> None:
    client = discord.Client(intents=discord.Intents.none())
    assert views_held(client) == 0, _moved("Client._connection._view_store")
    await client.close()


def _code_only(path: Path) -> str:
    """The file's code with strings and comments dropped (docstrings may name these freely)."""
    with path.open("rb") as handle:
        kept = [
            tok.string
            for tok in tokenize.tokenize(handle.readline)
            if tok.type not in (tokenize.STRING, tokenize.COMMENT, tokenize.ENCODING)
        ]
    return "".join(kept)


@pytest.mark.parametrize(
    "path",
    sorted(p for top in ("bot", "cogs", "bench") for p in (ROOT / top).rglob("*.py")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_private_names_only_in_the_fence(path: Path) -> None:
    if path in FENCES:
        return
    text = _code_only(path)
    for name in PRIVATE_NAMES:
        pattern = re.escape(name) if not name.startswith("_") else rf"\.{re.escape(name)}\b"
        assert not re.search(pattern, text), (
            f"{path.relative_to(ROOT)} uses discord.py's private {name}: go through bot/discordpy_private.py"
            " (or bot/sim/discordpy_private.py in the simulator)"
        )
