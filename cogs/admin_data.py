"""`/admin data import|export`: thin adapters over `AdminService.data`."""

from __future__ import annotations

import dataclasses
import io

import discord
from discord import app_commands

from bot.app import HustingsBot
from bot.domain.pending import PendingChange
from bot.render import admin as render
from bot.services.admin.data import IMPORT_TTL, stored_import
from cogs._access import actor_from
from cogs._confirm import Reply, confirm_view, handles
from cogs.admin_common import admin_service, election_autocomplete


class DataGroup(app_commands.Group, name="data", description="Import and export files"):
    """Election data as files."""

    @app_commands.command(name="import", description="Import a pack (.json) or .csv")
    @app_commands.describe(
        file=".json pack or .csv, up to 5 MB",
        dry_run="Only show the changes",
        replace="Also remove rows the file leaves out, in the elections it names (default: add and update only)",
    )
    async def import_file(
        self,
        interaction: discord.Interaction[HustingsBot],
        file: discord.Attachment,
        dry_run: bool = False,
        replace: bool = False,
    ) -> None:
        """Preview the file's changes; Apply (invoker only, expiring) makes them in one transaction.

        A large removal asks once more, with a danger-styled button, before anything is written.
        """
        service = admin_service(interaction).data
        await interaction.response.defer(ephemeral=True, thinking=True)
        uploaded: list[bytes] = []

        async def read() -> bytes:
            uploaded.append(await file.read())
            return uploaded[-1]

        prepared = await service.prepare_import(
            actor_from(interaction),
            filename=file.filename,
            size=file.size,
            read=read,
            dry_run=dry_run,
            replace=replace,
        )
        embed = render.import_embed(
            prepared.summary_lines,
            filename=prepared.filename,
            dry_run=dry_run or prepared.plan.is_empty,
            large_removal=prepared.large_removal,
        )
        if dry_run or prepared.plan.is_empty:
            await render.send(interaction, embed=embed)
            return
        stored = stored_import(prepared, uploaded[-1], replace=replace)
        change = await admin_service(interaction).pending.ask(
            actor_from(interaction), "data.import", stored, ttl=IMPORT_TTL
        )
        await render.send(interaction, embed=embed, view=confirm_view(change, "Apply", danger=False))

    @app_commands.command(name="export", description="Download the data as a pack")
    @app_commands.describe(election="One election (default: all)")
    @app_commands.autocomplete(election=election_autocomplete)
    async def export(self, interaction: discord.Interaction[HustingsBot], election: str | None = None) -> None:
        """Attach the pack."""
        service = admin_service(interaction).data
        await interaction.response.defer(ephemeral=True, thinking=True)
        exported = await service.export(actor_from(interaction), election)
        await render.send(
            interaction,
            "Here is the data as an election pack.",
            file=discord.File(io.BytesIO(exported.data), filename=exported.filename),
        )


@handles("data.import")
async def _apply(press: discord.Interaction[HustingsBot], change: PendingChange, value: str | None) -> Reply:
    """Apply pressed: plan the stored file again, ask once more before a large removal, then import."""
    service = admin_service(press)
    actor = actor_from(press)
    prepared = await service.data.replan(actor, change.payload)
    if prepared.large_removal and not change.payload.get("removal_confirmed"):
        again = await service.pending.ask(
            actor, "data.import", {**change.payload, "removal_confirmed": True}, ttl=IMPORT_TTL
        )
        embed = render.import_danger_embed(prepared.large_removal, prepared.filename)
        return Reply(embeds=[embed], view=confirm_view(again, "Remove and import", danger=True))
    requested_by = await service.data.publish_gate(actor, prepared, change.payload)
    if requested_by is None:
        return Reply(content=render.SECOND_MODERATOR_IMPORT)
    if requested_by:  # the audit row names both moderators
        actor = dataclasses.replace(actor, name=f"{actor.name} (confirming {requested_by})")
    applied = await service.data.apply_import(actor, prepared, large_removal_confirmed=True)
    return Reply(embeds=[render.import_done_embed(applied.summary_lines(), prepared.filename)])
