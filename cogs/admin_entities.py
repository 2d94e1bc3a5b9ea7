"""`/admin election|candidate|slate|branch|nomination …`: thin adapters over `AdminService.elections`."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.app import HustingsBot
from bot.domain.models import VotingSystem
from bot.errors import UserError
from bot.render import admin as render
from cogs._access import actor_from
from cogs.admin_common import (
    admin_service,
    branch_autocomplete,
    candidate_autocomplete,
    election_autocomplete,
    reply_outcome,
    run_change,
    slate_autocomplete,
    status_autocomplete,
)

SYSTEMS = [app_commands.Choice(name=v.value, value=v.value) for v in VotingSystem]
CLEAR_HINT = "Value, or clear"
TIME_HINT = "Time or clear"


class ElectionGroup(app_commands.Group, name="election", description="Elections"):
    """Elections of this server."""

    @app_commands.command(name="create", description="New election")
    @app_commands.describe(
        slug="Id, e.g. nec-2026",
        name="Full name",
        seats="Seats",
        voting_system="Count method",
        committee="Committee",
        threshold="35 or 5%",
        electorate="Voters",
    )
    @app_commands.choices(voting_system=SYSTEMS)
    async def create(
        self,
        interaction: discord.Interaction[HustingsBot],
        slug: str,
        name: str,
        seats: app_commands.Range[int, 1, 100],
        voting_system: str = VotingSystem.BLOC.value,
        committee: str = "",
        threshold: str | None = None,
        electorate: app_commands.Range[int, 0] | None = None,
    ) -> None:
        """Create an election."""
        outcome = await admin_service(interaction).elections.create_election(
            actor_from(interaction),
            slug=slug,
            name=name,
            seats=seats,
            voting_system=voting_system,
            committee=committee,
            threshold=threshold,
            electorate=electorate,
        )
        await reply_outcome(interaction, outcome, "Next: set its dates with `/admin election timeline`.")

    @app_commands.command(name="edit", description="Edit an election")
    @app_commands.describe(
        election="Election",
        name="Full name",
        seats="Seats",
        voting_system="Count method",
        committee=CLEAR_HINT,
        threshold="35, 5% or clear",
        electorate="Voters (0: unset)",
        eligible_kinds="Bodies that count, by kind: CLP, branch (comma-separated, or clear)",
        eligible_regions="Bodies that count, by region (comma-separated, or clear)",
        eligible_bodies="Bodies that count, by name (comma-separated, or clear)",
    )
    @app_commands.choices(voting_system=SYSTEMS)
    @app_commands.autocomplete(election=election_autocomplete)
    async def edit(
        self,
        interaction: discord.Interaction[HustingsBot],
        election: str,
        name: str | None = None,
        seats: app_commands.Range[int, 1, 100] | None = None,
        voting_system: str | None = None,
        committee: str | None = None,
        threshold: str | None = None,
        electorate: app_commands.Range[int, 0] | None = None,
        eligible_kinds: app_commands.Range[str, 1, 1000] | None = None,
        eligible_regions: app_commands.Range[str, 1, 1000] | None = None,
        eligible_bodies: app_commands.Range[str, 1, 6000] | None = None,
    ) -> None:
        """Edit an election."""
        outcome = await admin_service(interaction).elections.edit_election(
            actor_from(interaction),
            election,
            name=name,
            seats=seats,
            voting_system=voting_system,
            committee=committee,
            threshold=threshold,
            electorate=electorate,
            eligible_kinds=eligible_kinds,
            eligible_regions=eligible_regions,
            eligible_bodies=eligible_bodies,
        )
        await reply_outcome(interaction, outcome)

    @app_commands.command(name="timeline", description="Set dates (server time zone)")
    @app_commands.describe(
        election="Election",
        nominations_open="e.g. 2026-12-01 18:00",
        nominations_close=TIME_HINT,
        ballot_open=TIME_HINT,
        ballot_close=TIME_HINT,
        results_due=TIME_HINT,
    )
    @app_commands.autocomplete(election=election_autocomplete)
    async def timeline(
        self,
        interaction: discord.Interaction[HustingsBot],
        election: str,
        nominations_open: str | None = None,
        nominations_close: str | None = None,
        ballot_open: str | None = None,
        ballot_close: str | None = None,
        results_due: str | None = None,
    ) -> None:
        """Set timeline instants; the reply echoes them as Discord timestamps."""
        outcome = await admin_service(interaction).elections.set_timeline(
            actor_from(interaction),
            election,
            nominations_open=nominations_open,
            nominations_close=nominations_close,
            ballot_open=ballot_open,
            ballot_close=ballot_close,
            results=results_due,
        )
        assert outcome.election is not None
        embeds = [
            render.outcome_embed(outcome.action, outcome.entity, outcome.before, outcome.after),
            render.timeline_embed(outcome.election, outcome.extra["zone"]),
        ]
        await render.send(interaction, embeds=embeds)

    @app_commands.command(name="delete", description="Delete an election")
    @app_commands.describe(election="Election")
    @app_commands.autocomplete(election=election_autocomplete)
    async def delete(self, interaction: discord.Interaction[HustingsBot], election: str) -> None:
        """Delete after a confirmation button."""
        await run_change(interaction, "election.delete", {"election": election})


class CandidateGroup(app_commands.Group, name="candidate", description="Candidates"):
    """Candidates standing in an election."""

    @app_commands.command(name="add", description="Add a candidate")
    @app_commands.describe(
        election="Election",
        name="Full name",
        slate="Slate",
        bio="Short statement",
        photo_url="https:// link",
    )
    @app_commands.autocomplete(election=election_autocomplete, slate=slate_autocomplete)
    async def add(
        self,
        interaction: discord.Interaction[HustingsBot],
        election: str,
        name: str,
        slate: str | None = None,
        bio: str = "",
        photo_url: str | None = None,
    ) -> None:
        """Add a candidate."""
        outcome = await admin_service(interaction).elections.add_candidate(
            actor_from(interaction), election, name=name, slate=slate, bio=bio, photo_url=photo_url
        )
        await reply_outcome(interaction, outcome)

    @app_commands.command(name="edit", description="Edit a candidate or statement")
    @app_commands.describe(
        candidate="Candidate",
        election="Election",
        name="New name",
        slate=CLEAR_HINT,
        photo_url=CLEAR_HINT,
        statement="Open the statement form",
    )
    @app_commands.autocomplete(
        candidate=candidate_autocomplete, election=election_autocomplete, slate=slate_autocomplete
    )
    async def edit(
        self,
        interaction: discord.Interaction[HustingsBot],
        candidate: str,
        election: str | None = None,
        name: str | None = None,
        slate: str | None = None,
        photo_url: str | None = None,
        statement: bool = False,
    ) -> None:
        """Edit fields, or open a form for the long statement and links."""
        service = admin_service(interaction).elections
        fields_given = any(v is not None for v in (name, slate, photo_url))
        if fields_given and statement:
            raise UserError("Edit the statement on its own: run the command with just `statement: True`.")
        if fields_given:
            outcome = await service.edit_candidate(
                actor_from(interaction), candidate, election, name=name, slate=slate, photo_url=photo_url
            )
            await reply_outcome(interaction, outcome)
            return
        found_election, found = await service.get_candidate(actor_from(interaction), candidate, election)

        async def submitted(form_interaction: discord.Interaction) -> None:
            outcome = await service.edit_candidate(
                actor_from(form_interaction),
                found.name,
                found_election.slug,
                bio=modal.statement.value,
                links=modal.links.value,
            )
            await reply_outcome(form_interaction, outcome)

        modal = render.StatementModal(candidate_name=found.name, bio=found.bio, links=found.links, on_submit=submitted)
        await interaction.response.send_modal(modal)

    @app_commands.command(name="status", description="Set standing")
    @app_commands.describe(candidate="Candidate", status="Standing", election="Election")
    @app_commands.autocomplete(
        candidate=candidate_autocomplete, status=status_autocomplete, election=election_autocomplete
    )
    async def status(
        self, interaction: discord.Interaction[HustingsBot], candidate: str, status: str, election: str | None = None
    ) -> None:
        """Set the status."""
        outcome = await admin_service(interaction).elections.set_status(
            actor_from(interaction), candidate, status, election
        )
        await reply_outcome(interaction, outcome)

    @app_commands.command(name="remove", description="Remove a candidate")
    @app_commands.describe(candidate="Candidate", election="Election")
    @app_commands.autocomplete(candidate=candidate_autocomplete, election=election_autocomplete)
    async def remove(
        self, interaction: discord.Interaction[HustingsBot], candidate: str, election: str | None = None
    ) -> None:
        """Remove (asking first when they have nominations or votes)."""
        await run_change(interaction, "candidate.remove", {"candidate": candidate, "election": election})


class SlateGroup(app_commands.Group, name="slate", description="Slates"):
    """Slates: candidates standing together."""

    @app_commands.command(name="add", description="Add a slate")
    @app_commands.describe(
        election="Election",
        name="Full name",
        short="Short name",
        colour="#RRGGBB",
        url="https:// link",
        description="About",
        backers="Comma-separated",
    )
    @app_commands.autocomplete(election=election_autocomplete)
    async def add(
        self,
        interaction: discord.Interaction[HustingsBot],
        election: str,
        name: str,
        short: str = "",
        colour: str | None = None,
        url: str | None = None,
        description: str = "",
        backers: str = "",
    ) -> None:
        """Add a slate."""
        outcome = await admin_service(interaction).elections.add_slate(
            actor_from(interaction),
            election,
            name=name,
            short=short,
            colour=colour,
            url=url,
            description=description,
            backers=backers,
        )
        await reply_outcome(interaction, outcome)

    @app_commands.command(name="edit", description="Edit a slate")
    @app_commands.describe(
        slate="Slate",
        election="Election",
        name="New name",
        short=CLEAR_HINT,
        colour=CLEAR_HINT,
        url=CLEAR_HINT,
        description=CLEAR_HINT,
        backers=CLEAR_HINT,
    )
    @app_commands.autocomplete(slate=slate_autocomplete, election=election_autocomplete)
    async def edit(
        self,
        interaction: discord.Interaction[HustingsBot],
        slate: str,
        election: str | None = None,
        name: str | None = None,
        short: str | None = None,
        colour: str | None = None,
        url: str | None = None,
        description: str | None = None,
        backers: str | None = None,
    ) -> None:
        """Edit a slate."""
        outcome = await admin_service(interaction).elections.edit_slate(
            actor_from(interaction),
            slate,
            election,
            name=name,
            short=short,
            colour=colour,
            url=url,
            description=description,
            backers=backers,
        )
        await reply_outcome(interaction, outcome)

    @app_commands.command(name="remove", description="Remove a slate")
    @app_commands.describe(slate="Slate", election="Election")
    @app_commands.autocomplete(slate=slate_autocomplete, election=election_autocomplete)
    async def remove(
        self, interaction: discord.Interaction[HustingsBot], slate: str, election: str | None = None
    ) -> None:
        """Remove a slate."""
        outcome = await admin_service(interaction).elections.remove_slate(actor_from(interaction), slate, election)
        await reply_outcome(interaction, outcome)


class BranchGroup(app_commands.Group, name="branch", description="Nominating bodies"):
    """Nominating bodies, shared by the server's elections."""

    @app_commands.command(name="add", description="Add a branch")
    @app_commands.describe(
        name="Name",
        kind="e.g. CLP",
        region="Region",
        members="Members",
        meeting="e.g. 2026-12-01 19:30",
    )
    async def add(
        self,
        interaction: discord.Interaction[HustingsBot],
        name: str,
        kind: str = "branch",
        region: str = "",
        members: app_commands.Range[int, 0] | None = None,
        meeting: str | None = None,
    ) -> None:
        """Add a branch."""
        outcome = await admin_service(interaction).elections.add_branch(
            actor_from(interaction), name=name, kind=kind, region=region, members=members, meeting=meeting
        )
        await reply_outcome(interaction, outcome)

    @app_commands.command(name="edit", description="Edit a branch")
    @app_commands.describe(
        branch="Branch",
        name="New name",
        kind="e.g. CLP",
        region=CLEAR_HINT,
        members="0: unset",
        meeting=TIME_HINT,
    )
    @app_commands.autocomplete(branch=branch_autocomplete)
    async def edit(
        self,
        interaction: discord.Interaction[HustingsBot],
        branch: str,
        name: str | None = None,
        kind: str | None = None,
        region: str | None = None,
        members: app_commands.Range[int, 0] | None = None,
        meeting: str | None = None,
    ) -> None:
        """Edit a branch."""
        outcome = await admin_service(interaction).elections.edit_branch(
            actor_from(interaction), branch, name=name, kind=kind, region=region, members=members, meeting=meeting
        )
        await reply_outcome(interaction, outcome)

    @app_commands.command(name="remove", description="Remove a branch")
    @app_commands.describe(branch="Branch")
    @app_commands.autocomplete(branch=branch_autocomplete)
    async def remove(self, interaction: discord.Interaction[HustingsBot], branch: str) -> None:
        """Remove a branch (asking first when it has nominations)."""
        await run_change(interaction, "branch.remove", {"branch": branch})


class NominationGroup(app_commands.Group, name="nomination", description="Nominations"):
    """Nominations: a body nominating a candidate."""

    @app_commands.command(name="add", description="Add a nomination")
    @app_commands.describe(
        branch="Branch",
        candidate="Candidate",
        election="Election",
        date="YYYY-MM-DD",
    )
    @app_commands.autocomplete(
        branch=branch_autocomplete, candidate=candidate_autocomplete, election=election_autocomplete
    )
    async def add(
        self,
        interaction: discord.Interaction[HustingsBot],
        branch: str,
        candidate: str,
        election: str | None = None,
        date: str | None = None,
    ) -> None:
        """Add a nomination (asking first when over the seat count or outside the window)."""
        await run_change(
            interaction,
            "nomination.add",
            {"branch": branch, "candidate": candidate, "election": election, "date": date},
        )

    @app_commands.command(name="remove", description="Remove a nomination")
    @app_commands.describe(branch="Branch", candidate="Candidate", election="Election")
    @app_commands.autocomplete(
        branch=branch_autocomplete, candidate=candidate_autocomplete, election=election_autocomplete
    )
    async def remove(
        self, interaction: discord.Interaction[HustingsBot], branch: str, candidate: str, election: str | None = None
    ) -> None:
        """Remove a nomination."""
        outcome = await admin_service(interaction).elections.remove_nomination(
            actor_from(interaction), branch, candidate, election
        )
        await reply_outcome(interaction, outcome)
