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
        prepared = await service.prepare_import(
            actor_from(interaction),
            filename=file.filename,
            size=file.size,
            read=file.read,
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

        async def refused(press: discord.Interaction) -> None:
            await admin_service(interaction).core.deny(actor_from(press), "data.import.confirm", prepared.filename)

        async def apply(press: discord.Interaction, confirmed: bool = False) -> None:
            applied = await service.apply_import(actor_from(press), prepared, large_removal_confirmed=confirmed)
            await press.response.edit_message(
                content=None, embeds=[render.import_done_embed(applied.summary_lines(), prepared.filename)], view=None
            )

        async def second_question(press: discord.Interaction) -> None:
            assert prepared.large_removal is not None
            danger = render.ConfirmView(
                owner_id=interaction.user.id,
                on_confirm=lambda again: apply(again, confirmed=True),
                on_refused=refused,
                confirm_label="Remove and import",
                danger=True,
            )
            await press.response.edit_message(
                embeds=[render.import_danger_embed(prepared.large_removal, prepared.filename)], view=danger
            )
            danger.origin = interaction

        view = render.ConfirmView(
            owner_id=interaction.user.id,
            on_confirm=second_question if prepared.large_removal else apply,
            on_refused=refused,
            confirm_label="Apply",
            danger=False,
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
