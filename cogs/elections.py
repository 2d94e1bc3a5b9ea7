"""`/election list` and `/election info`: the guild's elections and one election's key facts."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.app import HustingsBot
from bot.render import elections as render
from bot.render import hustings as render_hustings
from bot.render.admin import send as send_file
from bot.render.common import Rendered
from cogs._common import ReadCog, election_autocomplete, guild_id, reads
from cogs._pages import Args, renders, show


class Elections(ReadCog):
    """Members' election overview commands."""

    election = app_commands.Group(name="election", description="Elections in this server", guild_only=True)

    @election.command(name="list", description="This server's elections with their phase and key dates")
    async def list_(self, interaction: discord.Interaction[HustingsBot]) -> None:
        """Every election of the guild, the current one marked."""
        await show(interaction, "election.list", {})

    @election.command(name="info", description="Committee, seats, voting system, threshold and timeline")
    @app_commands.describe(election="Which election (default: the current one)")
    @app_commands.autocomplete(election=election_autocomplete)
    async def info(self, interaction: discord.Interaction[HustingsBot], election: str | None = None) -> None:
        """One election's facts with its timeline as local times and countdowns."""
        await show(interaction, "election.info", {"election": election})

    @election.command(name="calendar", description="A calendar file (.ics) of the election's dates and hustings")
    @app_commands.describe(election="Which election (default: the current one)")
    @app_commands.autocomplete(election=election_autocomplete)
    async def calendar(self, interaction: discord.Interaction[HustingsBot], election: str | None = None) -> None:
        """Milestones and hustings as an `.ics` file: UTC times, stable UIDs so a re-import updates."""
        services = interaction.client.services
        guild = interaction.guild
        where = {c.id: f"#{c.name} on Discord ({guild.name})" for c in guild.channels} if guild else {}
        name, _slug, entries = await services.hustings.calendar(guild_id(interaction), election, where)
        file = render_hustings.ics_file(entries, name, name, services.clock.now())
        await send_file(interaction, render_hustings.calendar_reply(name, len(entries)), file=file)


@renders("election.list")
async def _list(interaction: discord.Interaction[HustingsBot], args: Args) -> Rendered:
    return render.election_list(await reads(interaction).election_list(guild_id(interaction)))


@renders("election.info", "election")
async def _info(interaction: discord.Interaction[HustingsBot], args: Args) -> Rendered:
    return render.election_info(await reads(interaction).election_info(guild_id(interaction), args["election"]))


async def setup(bot: HustingsBot) -> None:
    """Load the cog."""
    await bot.add_cog(Elections(bot))
