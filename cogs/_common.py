"""Shared pieces of the members' read cogs: autocomplete callbacks, the reply path and the chart cache."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Hashable

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import HustingsBot
from bot.render.charts import AnySpec, ChartCache
from bot.render.common import ChartImage
from bot.services.readmodel import ReadModel

log = logging.getLogger(__name__)

_CHARTS: weakref.WeakKeyDictionary[discord.Client, ChartCache] = weakref.WeakKeyDictionary()

Choices = list[app_commands.Choice[str]]

# The guild channels a message can be posted in: those with both a guild and `send`.
PostableChannel = discord.TextChannel | discord.VoiceChannel | discord.StageChannel | discord.Thread


def on_hustings(interaction: discord.Interaction) -> discord.Interaction[HustingsBot]:
    """A button or form press, typed as this bot's: the render layer hands back plain interactions."""
    if not isinstance(interaction.client, HustingsBot):
        raise TypeError("this component belongs to a Hustings bot")
    return interaction  # type: ignore[return-value]  # narrowed by the isinstance check on .client above


def reads(interaction: discord.Interaction[HustingsBot]) -> ReadModel:
    """The bot's read model."""
    return interaction.client.services.reads


def guild_id(interaction: discord.Interaction[HustingsBot]) -> int:
    """The guild the command ran in (read commands are guild-only)."""
    assert interaction.guild_id is not None, "read commands are registered guild-only"
    return interaction.guild_id


def chart_cache(client: discord.Client) -> ChartCache:
    """The bot's chart cache (one per bot; keys carry the guild, election and data version)."""
    cache = _CHARTS.get(client)
    if cache is None:
        cache = _CHARTS[client] = ChartCache()
    return cache


async def chart_for(
    interaction: discord.Interaction[HustingsBot], kind: str, slug: str, version: int, spec: AnySpec | None
) -> ChartImage | None:
    """The chart for a view, drawn once per (guild, election, data version, kind) in a worker thread."""
    key: Hashable = (guild_id(interaction), slug, version, kind)
    return await chart_cache(interaction.client).chart(key, spec)


def _choices(pairs: list[tuple[str, str]]) -> Choices:
    return [app_commands.Choice(name=label[:100], value=value[:100]) for label, value in pairs[:25]]


def _option(interaction: discord.Interaction[HustingsBot], name: str) -> str | None:
    value = getattr(interaction.namespace, name, None)
    return value if isinstance(value, str) and value.strip() else None


async def election_autocomplete(interaction: discord.Interaction[HustingsBot], current: str) -> Choices:
    """Elections of this guild matching what was typed (value: the slug)."""
    if interaction.guild_id is None:
        return []
    try:
        return _choices(await reads(interaction).complete_elections(interaction.guild_id, current))
    except Exception:  # autocomplete must never raise at the member
        log.exception("election autocomplete failed")
        return []


async def candidate_autocomplete(interaction: discord.Interaction[HustingsBot], current: str) -> Choices:
    """Candidates of the chosen (or current) election matching what was typed."""
    if interaction.guild_id is None:
        return []
    try:
        election = _option(interaction, "election")
        return _choices(await reads(interaction).complete_candidates(interaction.guild_id, election, current))
    except Exception:
        log.exception("candidate autocomplete failed")
        return []


async def slate_autocomplete(interaction: discord.Interaction[HustingsBot], current: str) -> Choices:
    """Slates of the chosen (or current) election matching what was typed."""
    if interaction.guild_id is None:
        return []
    try:
        election = _option(interaction, "election")
        return _choices(await reads(interaction).complete_slates(interaction.guild_id, election, current))
    except Exception:
        log.exception("slate autocomplete failed")
        return []


async def slate_or_independent_autocomplete(interaction: discord.Interaction[HustingsBot], current: str) -> Choices:
    """Slates of the chosen (or current) election, plus "Independents" when some candidates have no slate."""
    if interaction.guild_id is None:
        return []
    try:
        election = _option(interaction, "election")
        found = await reads(interaction).complete_slates(interaction.guild_id, election, current, independents=True)
        return _choices(found)
    except Exception:
        log.exception("slate autocomplete failed")
        return []


async def body_autocomplete(interaction: discord.Interaction[HustingsBot], current: str) -> Choices:
    """Nominating bodies (branches, CLPs) of this guild matching what was typed."""
    if interaction.guild_id is None:
        return []
    try:
        return _choices(await reads(interaction).complete_bodies(interaction.guild_id, current))
    except Exception:
        log.exception("body autocomplete failed")
        return []


class ReadCog(commands.Cog):
    """Base for the members' read cogs: holds the bot."""

    #: Under a burst the command tree acknowledges these commands first (their replies handle that).
    defer_when_busy = True

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Handle the paged replies' buttons (stateless: they work after a restart)."""
        from cogs._pages import PageButton  # _pages builds on this module

        self.bot.add_dynamic_items(PageButton)
