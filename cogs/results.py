"""`/results`: the published result as a ranking with margins and a chart, the count stages, or by slate."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.app import HustingsBot
from bot.render import results as render
from bot.render.common import Rendered
from bot.services.read.view_models import ResultsMode
from cogs._common import ReadCog, ReadContext, chart_for, election_autocomplete, guild_id, reads, rendered_once
from cogs._pages import Args, renders, show

VIEW_CHOICES = [
    app_commands.Choice(name="summary — ranking, margins, turnout, chart", value=ResultsMode.SUMMARY.value),
    app_commands.Choice(name="rounds — the count stage by stage", value=ResultsMode.ROUNDS.value),
    app_commands.Choice(name="slates — totals by slate, chart", value=ResultsMode.SLATES.value),
]


class Results(ReadCog):
    """Members' results command."""

    @app_commands.command(name="results", description="Published results: ranking, margins, count stages, slates")
    @app_commands.guild_only()
    @app_commands.describe(election="Which election (default: current)", view="What to show (default: summary)")
    @app_commands.autocomplete(election=election_autocomplete)
    @app_commands.choices(view=VIEW_CHOICES)
    async def results(
        self,
        interaction: discord.Interaction[HustingsBot],
        election: str | None = None,
        view: app_commands.Choice[str] | None = None,
    ) -> None:
        """Results once published; a clear notice before."""
        mode = ResultsMode(view.value) if view else ResultsMode.SUMMARY
        if mode is not ResultsMode.ROUNDS and not interaction.response.is_done():  # the tree may have, when busy
            await interaction.response.defer(ephemeral=True, thinking=True)
        await show(interaction, "results", {"election": election, "mode": mode.value})


@renders("results", "election", "mode", warm={"election": None, "mode": ResultsMode.SUMMARY.value})
async def _results(interaction: ReadContext, args: Args) -> Rendered:
    mode = ResultsMode(args["mode"] or ResultsMode.SUMMARY.value)

    async def draw() -> Rendered:
        vm = await reads(interaction).results(guild_id(interaction), args["election"], mode)
        chart = None
        version = vm.provenance.version if vm.provenance else 0  # the read model always sets it
        if mode is ResultsMode.SUMMARY:
            chart = await chart_for(interaction, "results", vm.header.slug, version, render.results_chart_spec(vm))
        elif mode is ResultsMode.SLATES:
            spec = render.slates_chart_spec(vm)
            chart = await chart_for(interaction, "results-slates", vm.header.slug, version, spec)
        return render.results(vm, chart)

    return await rendered_once(interaction, "results", {**args, "mode": mode.value}, draw)


async def setup(bot: HustingsBot) -> None:
    """Load the cog."""
    await bot.add_cog(Results(bot))
