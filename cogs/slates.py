"""`/slate info` and `/slate compare`."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.app import HustingsBot
from bot.render import slates as render
from bot.render.common import Rendered
from cogs._common import ReadCog, election_autocomplete, guild_id, reads, slate_autocomplete
from cogs._pages import Args, need, renders, show


class Slates(ReadCog):
    """Members' slate commands."""

    slate = app_commands.Group(name="slate", description="Slates standing in an election", guild_only=True)

    @slate.command(name="info", description="A slate's backers, candidates, nominations and seats")
    @app_commands.describe(name="Start typing the slate's name", election="Which election (default: current)")
    @app_commands.autocomplete(name=slate_autocomplete, election=election_autocomplete)
    async def info(self, interaction: discord.Interaction[HustingsBot], name: str, election: str | None = None) -> None:
        """One slate in detail."""
        await show(interaction, "slate.info", {"name": name, "election": election})

    @slate.command(name="compare", description="Two or three slates side by side")
    @app_commands.describe(
        first="A slate",
        second="Another slate",
        third="Optionally a third slate",
        election="Which election (default: current)",
    )
    @app_commands.autocomplete(
        first=slate_autocomplete, second=slate_autocomplete, third=slate_autocomplete, election=election_autocomplete
    )
    async def compare(
        self,
        interaction: discord.Interaction[HustingsBot],
        first: str,
        second: str,
        third: str | None = None,
        election: str | None = None,
    ) -> None:
        """Candidates, nomination coverage, who qualified and (once published) votes and seats per slate."""
        await show(
            interaction, "slate.compare", {"first": first, "second": second, "third": third, "election": election}
        )


@renders("slate.info", "name", "election")
async def _info(interaction: discord.Interaction[HustingsBot], args: Args) -> Rendered:
    return render.slate_info(
        await reads(interaction).slate_info(guild_id(interaction), need(args, "name"), args["election"])
    )


@renders("slate.compare", "first", "second", "third", "election")
async def _compare(interaction: discord.Interaction[HustingsBot], args: Args) -> Rendered:
    names = [n for n in (args["first"], args["second"], args["third"]) if n]
    vm = await reads(interaction).slate_compare(guild_id(interaction), names, args["election"])
    return render.slate_compare(vm)


async def setup(bot: HustingsBot) -> None:
    """Load the cog."""
    await bot.add_cog(Slates(bot))
