"""`/nominations progress`, `/nominations branch` and `/nominations for`."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.app import HustingsBot
from bot.render import nominations as render
from bot.render.common import Rendered
from bot.render.hustings import with_meeting_calendar
from cogs._common import (
    ReadCog,
    ReadContext,
    body_autocomplete,
    candidate_autocomplete,
    chart_for,
    election_autocomplete,
    guild_id,
    reads,
    rendered_once,
)
from cogs._pages import Args, need, renders, show


class Nominations(ReadCog):
    """Members' nomination commands."""

    nominations = app_commands.Group(name="nominations", description="Who has nominated whom", guild_only=True)

    @nominations.command(name="progress", description="Every candidate's nominations against the threshold")
    @app_commands.describe(election="Which election (default: current)")
    @app_commands.autocomplete(election=election_autocomplete)
    async def progress(self, interaction: discord.Interaction[HustingsBot], election: str | None = None) -> None:
        """Counts with bars, bodies reported, days to the deadline, who qualified, and a chart."""
        if not interaction.response.is_done():  # the tree acknowledges first when the bot is busy
            await interaction.response.defer(ephemeral=True, thinking=True)
        await show(interaction, "nominations.progress", {"election": election})

    @nominations.command(name="branch", description="Whom a branch or CLP nominated, and its next meeting")
    @app_commands.describe(name="Start typing the branch's name", election="Which election (default: current)")
    @app_commands.autocomplete(name=body_autocomplete, election=election_autocomplete)
    async def branch(
        self, interaction: discord.Interaction[HustingsBot], name: str, election: str | None = None
    ) -> None:
        """One body's nominations in the election."""
        await show(interaction, "nominations.branch", {"name": name, "election": election})

    @nominations.command(name="for", description="Which branches nominated a candidate, by region")
    @app_commands.describe(candidate="Start typing any part of the name", election="Which election (default: current)")
    @app_commands.autocomplete(candidate=candidate_autocomplete, election=election_autocomplete)
    async def for_candidate(
        self, interaction: discord.Interaction[HustingsBot], candidate: str, election: str | None = None
    ) -> None:
        """A candidate's nominating bodies grouped by region."""
        await show(interaction, "nominations.for", {"candidate": candidate, "election": election})


@renders("nominations.progress", "election", warm={"election": None})
async def _progress(interaction: ReadContext, args: Args) -> Rendered:
    async def draw() -> Rendered:
        vm = await reads(interaction).nominations_progress(guild_id(interaction), args["election"])
        spec = render.progress_chart_spec(vm)
        chart = await chart_for(interaction, "nominations", vm.header.slug, vm.provenance.version, spec)
        timed = render.over_time_chart_spec(vm)
        over_time = await chart_for(interaction, "nominations-time", vm.header.slug, vm.provenance.version, timed)
        return render.nominations_progress(vm, chart, over_time)

    return await rendered_once(interaction, "nominations.progress", args, draw)


@renders("nominations.branch", "name", "election")
async def _branch(interaction: discord.Interaction[HustingsBot], args: Args) -> Rendered:
    vm = await reads(interaction).body_nominations(guild_id(interaction), need(args, "name"), args["election"])
    now = interaction.client.services.clock.now()
    # the branch's next nomination meeting rides along as an .ics file
    return with_meeting_calendar(render.body_nominations(vm), vm.body, vm.next_meeting, guild_id(interaction), now)


@renders("nominations.for", "candidate", "election")
async def _for(interaction: discord.Interaction[HustingsBot], args: Args) -> Rendered:
    vm = await reads(interaction).candidate_nominations(
        guild_id(interaction), need(args, "candidate"), args["election"]
    )
    return render.candidate_nominations(vm)


async def setup(bot: HustingsBot) -> None:
    """Load the cog."""
    await bot.add_cog(Nominations(bot))
