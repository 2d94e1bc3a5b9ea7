"""`/candidate` (a profile) and `/candidates` (the list)."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.app import HustingsBot
from bot.domain.models import CandidateStatus
from bot.domain.standing import DID_NOT_QUALIFY
from bot.render import candidates as render
from bot.render.common import Rendered
from cogs._common import (
    ReadCog,
    ReadContext,
    candidate_autocomplete,
    election_autocomplete,
    guild_id,
    reads,
    rendered_once,
    slate_or_independent_autocomplete,
)
from cogs._pages import Args, need, renders, show

STATUS_CHOICES = [
    *(app_commands.Choice(name=s.value, value=s.value) for s in CandidateStatus),
    app_commands.Choice(name=DID_NOT_QUALIFY, value=DID_NOT_QUALIFY),  # shown once nominations close
]


class Candidates(ReadCog):
    """Members' candidate commands."""

    @app_commands.command(name="candidate", description="A candidate's profile, nominations and result")
    @app_commands.guild_only()
    @app_commands.describe(name="Start typing any part of the name", election="Which election (default: current)")
    @app_commands.autocomplete(name=candidate_autocomplete, election=election_autocomplete)
    async def candidate(
        self, interaction: discord.Interaction[HustingsBot], name: str, election: str | None = None
    ) -> None:
        """Slate, statement, photo, links, status, nominations against the threshold, bodies by region."""
        await show(interaction, "candidate", {"name": name, "election": election})

    @app_commands.command(name="candidates", description="Everyone standing: by surname, or by votes after results")
    @app_commands.guild_only()
    @app_commands.describe(
        election="Which election (default: current)",
        slate="Only this slate (or “independent”)",
        status="Only candidates with this status",
    )
    @app_commands.autocomplete(election=election_autocomplete, slate=slate_or_independent_autocomplete)
    @app_commands.choices(status=STATUS_CHOICES)
    async def candidates(
        self,
        interaction: discord.Interaction[HustingsBot],
        election: str | None = None,
        slate: str | None = None,
        status: app_commands.Choice[str] | None = None,
    ) -> None:
        """The candidate list, paginated."""
        args = {"election": election, "slate": slate, "status": status.value if status else None}
        await show(interaction, "candidates", args)


@renders("candidate", "name", "election")
async def _profile(interaction: ReadContext, args: Args) -> Rendered:
    # One page, drawn in about a millisecond, with as many keys as candidates: not worth keeping.
    vm = await reads(interaction).candidate_profile(guild_id(interaction), need(args, "name"), args["election"])
    return render.candidate_profile(vm)


@renders("candidates", "election", "slate", "status", warm={"election": None, "slate": None, "status": None})
async def _list(interaction: ReadContext, args: Args) -> Rendered:
    async def draw() -> Rendered:
        model = reads(interaction)
        vm = await model.candidate_list(guild_id(interaction), args["election"], args["slate"], args["status"])
        return render.candidate_list(vm)

    return await rendered_once(interaction, "candidates", args, draw)


async def setup(bot: HustingsBot) -> None:
    """Load the cog."""
    await bot.add_cog(Candidates(bot))
