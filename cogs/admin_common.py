"""Glue shared by the `/admin` command groups: the service handle, replies, confirmations, autocomplete.

Permission is checked inside the services (every use-case starts with an audited `require`), so a
refused command, button press or form submission raises `PermissionDenied`, which the one error path
shows as an ephemeral sentence. Autocomplete checks silently and returns nothing to non-moderators.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import discord
from discord import app_commands

from bot.app import HustingsBot
from bot.domain.access import Actor
from bot.domain.pending import PendingChange
from bot.render import admin as render
from bot.services.admin.lookup import AdminLookup
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


#: An admin autocomplete handler: what the moderator typed → up to 25 choices.
Autocomplete = Callable[[discord.Interaction[HustingsBot], str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]


def _autocomplete(
    search: Callable[..., Awaitable[list[tuple[str, str]]]], doc: str, *, in_election: bool = False
) -> Autocomplete:
    """An autocomplete handler answering with the `AdminLookup` method `search` (which answers non-moderators
    with nothing); `in_election`: narrowed to the election already chosen in the command, if any."""

    async def autocomplete(
        interaction: discord.Interaction[HustingsBot], current: str
    ) -> list[app_commands.Choice[str]]:
        lookup, actor = admin_service(interaction).lookup, actor_from(interaction)
        if in_election:
            return _choices(await search(lookup, actor, current, _namespace_election(interaction)))
        return _choices(await search(lookup, actor, current))

    autocomplete.__doc__ = doc
    return autocomplete


election_autocomplete = _autocomplete(AdminLookup.elections, "The guild's elections (moderators only).")
candidate_autocomplete = _autocomplete(
    AdminLookup.candidates,
    "Candidates of the chosen election, or of every election of the guild (moderators only).",
    in_election=True,
)
slate_autocomplete = _autocomplete(
    AdminLookup.slates,
    "Slates of the chosen election, or of every election of the guild (moderators only).",
    in_election=True,
)
branch_autocomplete = _autocomplete(AdminLookup.branches, "The guild's nominating bodies (moderators only).")
zone_autocomplete = _autocomplete(AdminLookup.zones, "IANA time zones (moderators only).")
status_autocomplete = _autocomplete(AdminLookup.statuses, "Candidate standings (moderators only).")
kind_autocomplete = _autocomplete(AdminLookup.audit_kinds, "Audit kinds (moderators only).")
