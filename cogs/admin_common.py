"""Glue shared by the `/admin` command groups: the service handle, replies, confirmations, autocomplete.

Permission is checked inside the services (every use-case starts with an audited `require`), so a
refused command, button press or form submission raises `PermissionDenied`, which the one error path
shows as an ephemeral sentence. Autocomplete checks silently and returns nothing to non-moderators.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord
from discord import app_commands

from bot.app import HustingsBot
from bot.domain.access import Actor
from bot.render import admin as render
from bot.services.admin import AdminService, NeedsConfirmation, Outcome
from cogs._access import actor_from

Change = Callable[[Actor, bool], Awaitable[Outcome | NeedsConfirmation]]


def admin_service(interaction: discord.Interaction[HustingsBot]) -> AdminService:
    """The admin service of the bot handling this interaction."""
    return interaction.client.services.admin


def outcome_embeds(outcome: Outcome, note: str = "") -> list[discord.Embed]:
    """The reply embeds for a finished change."""
    return [render.outcome_embed(outcome.action, outcome.entity, outcome.before, outcome.after, note)]


async def reply_outcome(interaction: discord.Interaction, outcome: Outcome, note: str = "") -> None:
    """Send a change's summary ephemerally."""
    await render.send(interaction, embeds=outcome_embeds(outcome, note))


async def run_change(
    interaction: discord.Interaction[HustingsBot],
    change: Change,
    *,
    action: str,
) -> None:
    """Run a change; when the service asks for confirmation, show the question with Confirm/Cancel buttons.

    `change(actor, confirmed)` is called again, with the presser as actor, when Confirm is pressed, so
    the permission check and every rule run again at that moment.
    """
    result = await change(actor_from(interaction), False)
    if isinstance(result, Outcome):
        await reply_outcome(interaction, result)
        return
    service = admin_service(interaction)

    async def confirmed(press: discord.Interaction) -> None:
        outcome = await change(actor_from(press), True)
        assert isinstance(outcome, Outcome)
        await press.response.edit_message(content=None, embeds=outcome_embeds(outcome), view=None)

    async def refused(press: discord.Interaction) -> None:
        await service.core.deny(actor_from(press), f"{action}.confirm", "another moderator's button")

    view = render.ConfirmView(
        owner_id=interaction.user.id, on_confirm=confirmed, on_refused=refused, confirm_label=result.confirm_label
    )
    await render.send(interaction, result.question, view=view)
    view.origin = interaction


def _choices(pairs: list[tuple[str, str]]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=label[:100], value=value[:100]) for label, value in pairs[:25]]


def _namespace_election(interaction: discord.Interaction[HustingsBot]) -> str | None:
    value = getattr(interaction.namespace, "election", None)
    return value if isinstance(value, str) and value else None


async def election_autocomplete(
    interaction: discord.Interaction[HustingsBot], current: str
) -> list[app_commands.Choice[str]]:
    """The guild's elections (moderators only)."""
    return _choices(await admin_service(interaction).lookup.elections(actor_from(interaction), current))


async def candidate_autocomplete(
    interaction: discord.Interaction[HustingsBot], current: str
) -> list[app_commands.Choice[str]]:
    """Candidates of the chosen election, or of every election of the guild (moderators only)."""
    lookup = admin_service(interaction).lookup
    return _choices(await lookup.candidates(actor_from(interaction), current, _namespace_election(interaction)))


async def slate_autocomplete(
    interaction: discord.Interaction[HustingsBot], current: str
) -> list[app_commands.Choice[str]]:
    """Slates of the chosen election, or of every election of the guild (moderators only)."""
    lookup = admin_service(interaction).lookup
    return _choices(await lookup.slates(actor_from(interaction), current, _namespace_election(interaction)))


async def branch_autocomplete(
    interaction: discord.Interaction[HustingsBot], current: str
) -> list[app_commands.Choice[str]]:
    """The guild's nominating bodies (moderators only)."""
    return _choices(await admin_service(interaction).lookup.branches(actor_from(interaction), current))


async def zone_autocomplete(
    interaction: discord.Interaction[HustingsBot], current: str
) -> list[app_commands.Choice[str]]:
    """IANA time zones (moderators only)."""
    return _choices(await admin_service(interaction).lookup.zones(actor_from(interaction), current))


async def status_autocomplete(
    interaction: discord.Interaction[HustingsBot], current: str
) -> list[app_commands.Choice[str]]:
    """Candidate standings (moderators only)."""
    return _choices(await admin_service(interaction).lookup.statuses(actor_from(interaction), current))


async def kind_autocomplete(
    interaction: discord.Interaction[HustingsBot], current: str
) -> list[app_commands.Choice[str]]:
    """Audit kinds (moderators only)."""
    return _choices(await admin_service(interaction).lookup.audit_kinds(actor_from(interaction), current))
