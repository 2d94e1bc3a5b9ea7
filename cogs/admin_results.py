"""`/admin results …`: thin adapters over `AdminService.results`."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.app import HustingsBot
from bot.discord_adapters.guilds import PostableChannel
from bot.domain.pending import PendingChange
from bot.render import admin as render
from bot.render import results as results_render
from bot.render.common import Rendered
from bot.services.admin.core import NeedsConfirmation, Outcome
from bot.services.admin.results import PublishPending
from cogs._access import actor_from
from cogs._confirm import Reply, choice_view, confirm_view, handles
from cogs._pages import Args, renders, show
from cogs.admin_common import (
    admin_service,
    candidate_autocomplete,
    election_autocomplete,
    outcome_embeds,
    reply_outcome,
    run_change,
)

log = logging.getLogger(__name__)


class ResultsGroup(app_commands.Group, name="results", description="Results"):
    """Results: hidden from members until published."""

    @app_commands.command(name="set", description="Enter votes")
    @app_commands.describe(
        candidate="Candidate",
        votes="Votes",
        round="Round (default 1)",
        election="Election",
    )
    @app_commands.autocomplete(candidate=candidate_autocomplete, election=election_autocomplete)
    async def set_votes(
        self,
        interaction: discord.Interaction[HustingsBot],
        candidate: str,
        votes: app_commands.Range[float, 0],
        round: app_commands.Range[int, 1, 50] = 1,
        election: str | None = None,
    ) -> None:
        """Enter votes; a result with declared winners asks whether to keep the declaration first."""
        service = admin_service(interaction).results
        result = await service.set_votes(actor_from(interaction), candidate, votes, round, election)
        if isinstance(result, Outcome) and result.extra.get("awaiting"):
            await render.send(interaction, render.SECOND_MODERATOR_VOTES)
            return
        if isinstance(result, Outcome):
            await reply_outcome(interaction, result, _published_note(result))
            return

        change = await admin_service(interaction).pending.ask(
            actor_from(interaction),
            "results.set",
            {"candidate": candidate, "votes": votes, "round": round, "election": election},
        )
        await render.send(interaction, result.question, view=choice_view(change, result.choices))

    @app_commands.command(name="preview", description="Preview as members will see")
    @app_commands.describe(election="Election")
    @app_commands.autocomplete(election=election_autocomplete)
    async def preview(self, interaction: discord.Interaction[HustingsBot], election: str | None = None) -> None:
        """Show the members' results view, published or not, ephemerally."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        await show(interaction, "admin.results.preview", {"election": election}, share=False)

    @app_commands.command(name="publish", description="Publish results")
    @app_commands.describe(election="Election", announce="Post in the announcement channel")
    @app_commands.autocomplete(election=election_autocomplete)
    async def publish(
        self, interaction: discord.Interaction[HustingsBot], election: str | None = None, announce: bool = False
    ) -> None:
        """Publish now, or (two-person publish) record this moderator's request; an incomplete-looking
        result is listed with a button to publish anyway."""
        service = admin_service(interaction)
        result = await service.results.publish(actor_from(interaction), election, announce=announce)
        if not isinstance(result, NeedsConfirmation):
            await _published(interaction, result)
            return

        change = await service.pending.ask(
            actor_from(interaction), "results.publish", {"election": election, "announce": announce}
        )
        await render.send(interaction, result.question, view=confirm_view(change, result.confirm_label))

    @app_commands.command(name="unpublish", description="Unpublish results")
    @app_commands.describe(election="Election")
    @app_commands.autocomplete(election=election_autocomplete)
    async def unpublish(self, interaction: discord.Interaction[HustingsBot], election: str | None = None) -> None:
        """Unpublish after a confirmation button."""
        await run_change(interaction, "results.unpublish", {"election": election})


@renders("admin.results.preview", "election")
async def _preview(interaction: discord.Interaction[HustingsBot], args: Args) -> Rendered:
    """What members will see, marked as a preview (the permission check runs on every page turn)."""
    service = admin_service(interaction).results
    vm = await service.preview(actor_from(interaction), args["election"])
    parts = await service.incomplete(actor_from(interaction), vm.header.slug)
    rendered = results_render.results(vm)
    banner = [render.preview_banner(), *([render.incomplete_embed(parts)] if parts else [])]
    rendered.pages = [[*banner, *page][:10] for page in rendered.pages]
    return rendered


def _published_note(outcome: Outcome) -> str:
    return "These results are published: members see the change now." if outcome.extra.get("published") else ""


@handles("results.set")
async def _chosen(press: discord.Interaction[HustingsBot], change: PendingChange, value: str | None) -> Reply:
    """A choice pressed on a vote edit that would touch a declared result."""
    x = change.payload
    outcome = await admin_service(press).results.set_votes(
        actor_from(press), x["candidate"], x["votes"], x["round"], x["election"], declared=value
    )
    assert isinstance(outcome, Outcome)
    return Reply(embeds=outcome_embeds(outcome, _published_note(outcome)))


@handles("results.publish")
async def _confirmed_publish(
    press: discord.Interaction[HustingsBot], change: PendingChange, value: str | None
) -> Reply:
    """ "Publish anyway" pressed on a result that looked incomplete."""
    x = change.payload
    done = await admin_service(press).results.publish(
        actor_from(press), x["election"], announce=x["announce"], confirmed=True
    )
    assert not isinstance(done, NeedsConfirmation)
    if isinstance(done, PublishPending):
        return Reply(content=render.publish_pending_text(done.election, done.request.requested_name))

    async def then(again: discord.Interaction[HustingsBot]) -> None:
        await _after_publish(again, done)

    return Reply(embeds=outcome_embeds(done), then=then)


async def _published(interaction: discord.Interaction[HustingsBot], result: Outcome | PublishPending) -> None:
    """Reply to a publish (or a recorded two-person request) and announce when asked."""
    if isinstance(result, PublishPending):
        await render.send(interaction, render.publish_pending_text(result.election, result.request.requested_name))
        return
    await reply_outcome(interaction, result)
    await _after_publish(interaction, result)


async def _after_publish(interaction: discord.Interaction[HustingsBot], result: Outcome) -> None:
    """Announce a publication when asked (once: the reminders engine may already post it)."""
    if result.extra.get("announce"):
        election_id = result.election.id if result.election else None
        reminders = interaction.client.services.reminders
        if election_id is not None and await reminders.posts_results(election_id):
            # one post, not two: the reminders engine announces publication exactly once
            await render.send(
                interaction, "Automatic reminders are on, so they post the results in the announcement channel."
            )
        else:
            await _announce(interaction, result)


async def _announce(interaction: discord.Interaction[HustingsBot], outcome: Outcome) -> None:
    """Post the published results in the announcement channel (best effort, no pings)."""
    assert outcome.election is not None
    guild_id = interaction.guild_id or 0
    channel_id = await admin_service(interaction).config.announce_channel(guild_id)
    if channel_id is None:
        await render.send(interaction, "No announcement channel is set (`/admin config channels`), so I didn't post.")
        return
    vm = await interaction.client.services.reads.results(guild_id, outcome.election.slug)
    embeds = results_render.results(vm).pages[0]
    channel = interaction.client.get_channel(channel_id)
    try:
        if channel is None:
            channel = await interaction.client.fetch_channel(channel_id)
        if isinstance(channel, PostableChannel):
            await channel.send(embeds=embeds, allowed_mentions=render.NO_MENTIONS)
            return
        log.warning("could not announce results in channel %s: messages can't be posted there", channel_id)
    except discord.HTTPException:
        log.warning("could not announce results in channel %s", channel_id, exc_info=True)
    await render.send(interaction, "Published, but I couldn't post in the announcement channel.")
