"""Shared pieces of the members' read cogs: autocomplete callbacks, the reply path, rendered views and charts."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine, Hashable
from typing import Any, Protocol

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import HustingsBot
from bot.domain.limits import AUTOCOMPLETE_CHOICES_MAX
from bot.render.charts import AnySpec, ChartCache
from bot.render.common import ChartImage, Rendered, StoredRendering
from bot.services.read.model import ReadModel

log = logging.getLogger(__name__)

Choices = list[app_commands.Choice[str]]


def on_hustings(interaction: discord.Interaction) -> discord.Interaction[HustingsBot]:
    """A button or form press, typed as this bot's: the render layer hands back plain interactions."""
    if not isinstance(interaction.client, HustingsBot):
        raise TypeError("this component belongs to a Hustings bot")
    return interaction  # type: ignore[return-value]  # narrowed by the isinstance check on .client above


class ReadContext(Protocol):
    """What a members' view is drawn for: the bot and the guild. An interaction is one; a pre-render
    after a change (`cogs._pages.prewarm`) is another."""

    @property
    def client(self) -> HustingsBot:
        """The bot."""
        ...

    @property
    def guild_id(self) -> int | None:
        """The guild."""
        ...


def reads(interaction: ReadContext) -> ReadModel:
    """The bot's read model."""
    return interaction.client.services.reads


def guild_id(interaction: ReadContext) -> int:
    """The guild the command ran in (read commands are guild-only)."""
    assert interaction.guild_id is not None, "read commands are registered guild-only"
    return interaction.guild_id


def chart_cache(client: discord.Client) -> ChartCache:
    """The bot's chart cache (one per bot, built by the composition root; keys carry the guild, election and
    data version): the same one draws member replies and scheduled posts."""
    if not isinstance(client, HustingsBot):
        raise TypeError("charts belong to a Hustings bot")
    return client.services.charts


async def chart_for(
    interaction: ReadContext, kind: str, slug: str, version: int, spec: AnySpec | None
) -> ChartImage | None:
    """The chart for a view, drawn once per (guild, election, data version, kind) in a worker thread."""
    key: Hashable = (guild_id(interaction), slug, version, kind)
    return await chart_cache(interaction.client).chart(key, spec)


async def rendered_once(
    interaction: ReadContext, kind: str, args: dict[str, str | None], draw: Callable[[], Awaitable[Rendered]]
) -> Rendered:
    """`draw()`'s rendering of view `kind` with `args`, kept (as embed dicts) per guild, options and
    moment (data version, and what the clock decides: `ReadModel.moment`): it is built and drawn once
    however many members ask at once, and each reply builds only the embeds of the page it shows."""
    gid = guild_id(interaction)
    moment = await reads(interaction).moment(gid)
    key: Hashable = (gid, kind, tuple(sorted(args.items())), moment)

    async def store() -> StoredRendering:
        return StoredRendering.of(await draw())

    stored: StoredRendering = await interaction.client.services.rendered.get(key, store)
    return stored.rendered()


def _choices(pairs: list[tuple[str, str]]) -> Choices:
    return [
        app_commands.Choice(name=label[:100], value=value[:100]) for label, value in pairs[:AUTOCOMPLETE_CHOICES_MAX]
    ]


def _option(interaction: discord.Interaction[HustingsBot], name: str) -> str | None:
    value = getattr(interaction.namespace, name, None)
    return value if isinstance(value, str) and value.strip() else None


#: Looks up choices: (read model, guild id, the election option or None, what was typed) → (label, value) pairs.
Lookup = Callable[[ReadModel, int, str | None, str], Awaitable[list[tuple[str, str]]]]
Autocomplete = Callable[[discord.Interaction[HustingsBot], str], Coroutine[Any, Any, Choices]]


def read_autocomplete(what: str, lookup: Lookup, doc: str) -> Autocomplete:
    """An autocomplete callback over the read model: outside a guild, or on any failure, no choices."""

    async def complete(interaction: discord.Interaction[HustingsBot], current: str) -> Choices:
        if interaction.guild_id is None:
            return []
        try:
            election = _option(interaction, "election")
            return _choices(await lookup(reads(interaction), interaction.guild_id, election, current))
        except Exception:  # autocomplete must never raise at the member
            log.exception("%s autocomplete failed", what)
            return []

    complete.__doc__ = doc
    complete.__name__ = complete.__qualname__ = f"{what}_autocomplete"  # a plain function to discord.py, not a method
    return complete


election_autocomplete = read_autocomplete(
    "election",
    lambda model, guild, _election, typed: model.complete_elections(guild, typed),
    "Elections of this guild matching what was typed (value: the slug).",
)
candidate_autocomplete = read_autocomplete(
    "candidate",
    lambda model, guild, election, typed: model.complete_candidates(guild, election, typed),
    "Candidates of the chosen (or current) election matching what was typed.",
)
slate_autocomplete = read_autocomplete(
    "slate",
    lambda model, guild, election, typed: model.complete_slates(guild, election, typed),
    "Slates of the chosen (or current) election matching what was typed.",
)
slate_or_independent_autocomplete = read_autocomplete(
    "slate",
    lambda model, guild, election, typed: model.complete_slates(guild, election, typed, independents=True),
    'Slates of the chosen (or current) election, plus "Independents" when some candidates have no slate.',
)
body_autocomplete = read_autocomplete(
    "body",
    lambda model, guild, _election, typed: model.complete_bodies(guild, typed),
    "Nominating bodies (branches, CLPs) of this guild matching what was typed.",
)


class ReadCog(commands.Cog):
    """Base for the members' read cogs: holds the bot."""

    #: Under a burst the command tree acknowledges these commands first (their replies handle that).
    defer_when_busy = True

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Handle the paged replies' buttons (stateless: they work after a restart); draw the views
        members ask for first whenever a guild's data changes."""
        from cogs._pages import PageButton, prewarm  # _pages builds on this module

        self.bot.add_dynamic_items(PageButton)
        bot = self.bot
        if isinstance(bot, HustingsBot):
            bot.services.warmers["read views"] = functools.partial(prewarm, bot)
