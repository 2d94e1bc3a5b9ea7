"""`/admin data import|export`: thin adapters over `AdminService.data`."""

from __future__ import annotations

import io

import discord
from discord import app_commands

from bot.app import HustingsBot
from bot.render import admin as render
from cogs._access import actor_from
from cogs.admin_common import admin_service, election_autocomplete


class DataGroup(app_commands.Group, name="data", description="Import and export files"):
    """Election data as files."""

    @app_commands.command(name="import", description="Import a pack (.json) or .csv")
    @app_commands.describe(file=".json pack or .csv, up to 5 MB", dry_run="Only show the changes")
    async def import_file(
        self, interaction: discord.Interaction[HustingsBot], file: discord.Attachment, dry_run: bool = False
    ) -> None:
        """Preview the file's changes; Apply (invoker only, expiring) makes them in one transaction."""
        service = admin_service(interaction).data
        await interaction.response.defer(ephemeral=True, thinking=True)
        prepared = await service.prepare_import(
            actor_from(interaction), filename=file.filename, size=file.size, read=file.read, dry_run=dry_run
        )
        embed = render.import_embed(
            prepared.summary_lines, filename=prepared.filename, dry_run=dry_run or prepared.plan.is_empty
        )
        if dry_run or prepared.plan.is_empty:
            await render.send(interaction, embed=embed)
            return

        async def apply(press: discord.Interaction) -> None:
            applied = await service.apply_import(actor_from(press), prepared)
            await press.response.edit_message(
                content=None, embeds=[render.import_done_embed(applied.summary_lines(), prepared.filename)], view=None
            )

        async def refused(press: discord.Interaction) -> None:
            await admin_service(interaction).core.deny(actor_from(press), "data.import.confirm", prepared.filename)

        view = render.ConfirmView(
            owner_id=interaction.user.id, on_confirm=apply, on_refused=refused, confirm_label="Apply", danger=False
        )
        await render.send(interaction, embed=embed, view=view)
        view.origin = interaction

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
