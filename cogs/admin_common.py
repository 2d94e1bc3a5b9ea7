"""Glue shared by the `/admin` command groups: the service handle, replies, confirmations, autocomplete.

Permission is checked inside the services (every use-case starts with an audited `require`), so a
refused command, button press or form submission raises `PermissionDenied`, which the one error path
shows as an ephemeral sentence. Autocomplete checks silently and returns nothing to non-moderators.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from bot.app import HustingsBot
from bot.domain.access import Actor
from bot.domain.pending import PendingChange
from bot.render import admin as render
from bot.services.admin.service import AdminService, NeedsConfirmation, Outcome
from cogs._access import actor_from
from cogs._confirm import Reply, confirm_view, handles


def admin_service(interaction: discord.Interaction[HustingsBot]) -> AdminService:
    """The admin service of the bot handling this interaction."""
    return interaction.client.services.admin


def outcome_embeds(outcome: Outcome, note: str = "") -> list[discord.Embed]:
    """The reply embeds for a finished change."""
    return [render.outcome_embed(outcome.action, outcome.entity, outcome.before, outcome.after, note)]


async def reply_outcome(interaction: discord.Interaction, outcome: Outcome, note: str = "") -> None:
    """Send a change's summary ephemerally."""
    await render.send(interaction, embeds=outcome_embeds(outcome, note))


#: action → how to run that change again when its Confirm button is pressed (args as stored with it).
Rerun = Callable[[AdminService, Actor, dict[str, Any], bool], Awaitable[Outcome | NeedsConfirmation]]
CHANGES: dict[str, Rerun] = {}


def confirmable(action: str) -> Callable[[Rerun], Rerun]:
    """Register how a change that may ask "are you sure?" is run (again) from its stored arguments."""

    def register(rerun: Rerun) -> Rerun:
        CHANGES[action] = rerun
        return rerun

    return register


async def run_change(interaction: discord.Interaction[HustingsBot], action: str, args: dict[str, Any]) -> None:
    """Run a change; when the service asks for confirmation, store it and show Confirm/Cancel buttons.

    The buttons carry only the stored change's id; Confirm runs `CHANGES[action]` again with the
    presser as actor, so the permission check and every rule run again at that moment.
    """
    service = admin_service(interaction)
    result = await CHANGES[action](service, actor_from(interaction), args, False)
    if isinstance(result, Outcome):
        await reply_outcome(interaction, result)
        return
    change = await service.pending.ask(actor_from(interaction), "change", {"action": action, "args": args})
    await render.send(interaction, result.question, view=confirm_view(change, result.confirm_label))


# How each confirmable change runs again from its stored arguments (the cogs call `run_change` by name).
confirmable("election.delete")(lambda s, a, x, ok: s.elections.delete_election(a, x["election"], confirmed=ok))
confirmable("candidate.remove")(
    lambda s, a, x, ok: s.elections.remove_candidate(a, x["candidate"], x["election"], confirmed=ok)
)
confirmable("branch.remove")(lambda s, a, x, ok: s.elections.remove_branch(a, x["branch"], confirmed=ok))
confirmable("nomination.add")(
    lambda s, a, x, ok: s.elections.add_nomination(
        a, x["branch"], x["candidate"], x["election"], x["date"], confirmed=ok
    )
)
confirmable("results.unpublish")(lambda s, a, x, ok: s.results.unpublish(a, x["election"], confirmed=ok))


@handles("change")
async def _confirmed_change(press: discord.Interaction[HustingsBot], change: PendingChange, value: str | None) -> Reply:
    outcome = await CHANGES[change.payload["action"]](
        admin_service(press), actor_from(press), change.payload["args"], True
    )
    assert isinstance(outcome, Outcome)
    if outcome.extra.get("awaiting"):
        return Reply(content=render.SECOND_MODERATOR_CHANGE)
    return Reply(embeds=outcome_embeds(outcome))


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
