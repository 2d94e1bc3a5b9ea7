"""Every use of a private discord.py name, fenced in one module (as Red-DiscordBot marks its DEP-WARNs).

discord.py offers no public way to do these few things; each is checked against the installed
discord.py by tests/test_discordpy_private.py, which fails with a message naming the name that moved
when an upgrade changes it. Nothing else in the project may touch these names (the same test greps).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands


def point_discordpy_at(api_base: str, gateway_url: str) -> None:
    """Send discord.py's REST calls to `api_base` and open its gateway at `gateway_url`.

    DEP-WARN `discord.http.Route.BASE`, `DiscordWebSocket.DEFAULT_GATEWAY`: class attributes, the only
    place discord.py keeps its endpoints, so this affects every client in the process. Needed for a
    proxy (the simulator has its own copy in bot/sim/discordpy_private.py).
    """
    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class InFlightCountingTree(app_commands.CommandTree):
    """A command tree that counts the interactions it is handling right now (`in_flight`).

    DEP-WARN `CommandTree._call`: the one coroutine every application-command interaction passes
    through, start to finish; no public hook spans the whole of it.
    """

    def __init__(self, client: discord.Client, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        self.in_flight = 0

    async def _call(self, interaction: discord.Interaction) -> None:
        self.in_flight += 1
        try:
            await super()._call(interaction)
        finally:
            self.in_flight -= 1
        # Answered, and any error already handled inside `_call` (one that escaped goes on to discord.py's
        # error dispatch, which may still reply: then the interaction is left as it is).
        self.finished(interaction)

    def finished(self, interaction: discord.Interaction) -> None:
        """Called once an interaction has been fully handled (not after an error escaped `_call`)."""
        release_interaction(interaction)


def release_interaction(interaction: discord.Interaction) -> None:
    """Break the reference cycles discord.py leaves in a finished interaction, so it is freed at once.

    DEP-WARN `Interaction._cs_response`, `Interaction._original_response`: the interaction and its
    `InteractionResponse` point at each other, as do the interaction and the message its original
    response edits, so every interaction (with its Member, User, Namespace…) outlived its command as
    cyclic garbage until a full collection pass — 13 objects per `/candidate`, and under a 2,000-member
    burst the passes that stalled the loop (issue #19). Call only once the interaction is fully handled:
    asked again afterwards, `interaction.response` is a fresh one that knows nothing was sent.
    """
    try:
        del interaction._cs_response  # type: ignore[attr-defined]  # a cached slot, set on first use
    except AttributeError:  # never asked for (an autocomplete answered by discord.py itself)
        pass
    interaction._original_response = None


def wrap_autocompletes(command: app_commands.Command[Any, ..., Any], wrap: Callable[[str, Any], Any]) -> int:
    """Replace each autocomplete callback of `command` with `wrap(param_name, callback)`; returns the count.

    DEP-WARN `Command._params`: the public `Command.parameters` are read-only copies. Used by the
    benchmarks to time autocompletes.
    """
    wrapped = 0
    for param in command._params.values():
        if param.autocomplete is not None:
            param.autocomplete = wrap(param.name, param.autocomplete)
            wrapped += 1
    return wrapped


def member_role_ids(member: discord.Member) -> frozenset[int]:
    """The ids of a member's roles as Discord sent them, whether or not the guild is cached.

    DEP-WARN `Member._roles`: `Member.roles` looks each id up in the cached guild and so is empty when
    the guild is not cached (an outage, a reconnect, an unavailable guild); the interaction's member
    payload still lists the ids, and discord.py keeps them only here.
    """
    return frozenset(int(role_id) for role_id in member._roles)


def drop_members_intent(client: discord.Client) -> None:
    """Stop asking for the Server Members intent on the next IDENTIFY.

    DEP-WARN `Client._connection._intents`: the public `Client.intents` is a copy; the gateway reads
    this one when it identifies. Used when Discord refuses the privileged intent (close code 4014).
    """
    client._connection._intents.members = False


def views_held(client: discord.Client) -> int:
    """How many sent messages discord.py keeps a live view for (to route presses to it and time it out).

    DEP-WARN `Client._connection._view_store` (`ViewStore._views`, `_synced_message_views`): the public
    `Client.persistent_views` lists only views without a timeout, and discord.py gives every ephemeral
    reply's view one (15 minutes), so it misses exactly the views a burst of replies would pile up.
    Diagnostics and tests only.
    """
    store = client._connection._view_store
    return len(store._views) + len(store._synced_message_views)
