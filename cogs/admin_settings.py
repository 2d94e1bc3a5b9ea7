"""`/admin config …` and `/admin audit`: thin adapters over `AdminService.config`."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.app import HustingsBot
from bot.render import admin as render
from cogs._access import actor_from
from cogs.admin_common import admin_service, kind_autocomplete, reply_outcome, zone_autocomplete

CLEAR = [app_commands.Choice(name=v, value=v) for v in ("announce", "alerts", "both")]


class ConfigGroup(app_commands.Group, name="config", description="Settings"):
    """This server's Hustings settings."""

    @app_commands.command(name="roles", description="Roles; publish rule")
    @app_commands.describe(
        moderator_role="May use /admin",
        organiser_role="May schedule posts",
        remove="Remove the roles given",
        two_person_publish="Publishing needs a 2nd moderator",
    )
    async def roles(
        self,
        interaction: discord.Interaction[HustingsBot],
        moderator_role: discord.Role | None = None,
        organiser_role: discord.Role | None = None,
        remove: bool = False,
        two_person_publish: bool | None = None,
    ) -> None:
        """Add or remove roles, or switch the publish rule."""
        outcome = await admin_service(interaction).config.set_roles(
            actor_from(interaction),
            moderator_role=moderator_role.id if moderator_role else None,
            organiser_role=organiser_role.id if organiser_role else None,
            remove=remove,
            two_person_publish=two_person_publish,
        )
        await reply_outcome(interaction, outcome)

    @app_commands.command(name="channels", description="Channels")
    @app_commands.describe(
        announce="Announcements",
        alerts="Audit mirror",
        clear="Unset",
    )
    @app_commands.choices(clear=CLEAR)
    async def channels(
        self,
        interaction: discord.Interaction[HustingsBot],
        announce: discord.TextChannel | None = None,
        alerts: discord.TextChannel | None = None,
        clear: str | None = None,
    ) -> None:
        """Set or clear the channels."""
        outcome = await admin_service(interaction).config.set_channels(
            actor_from(interaction),
            announce_channel=announce.id if announce else None,
            alert_channel=alerts.id if alerts else None,
            clear=clear,
        )
        await reply_outcome(interaction, outcome)

    @app_commands.command(name="timezone", description="Time zone")
    @app_commands.describe(zone="e.g. Europe/London")
    @app_commands.autocomplete(zone=zone_autocomplete)
    async def timezone(self, interaction: discord.Interaction[HustingsBot], zone: str) -> None:
        """Set the time zone."""
        outcome = await admin_service(interaction).config.set_timezone(actor_from(interaction), zone)
        await reply_outcome(interaction, outcome)

    @app_commands.command(name="show", description="Show settings")
    async def show(self, interaction: discord.Interaction[HustingsBot]) -> None:
        """Show the settings."""
        service = admin_service(interaction)
        settings = await service.config.show(actor_from(interaction))
        host = interaction.client.settings
        limits = (host.max_announcements, host.max_sources)
        await render.send(interaction, embed=render.settings_embed(settings, service.core.default_zone, limits))


@app_commands.command(name="audit", description="Recent changes")
@app_commands.describe(limit="1–50", member="By member", kind="Kind of change")
@app_commands.autocomplete(kind=kind_autocomplete)
async def audit_command(
    interaction: discord.Interaction[HustingsBot],
    limit: app_commands.Range[int, 1, 50] = 10,
    member: discord.User | None = None,
    kind: str | None = None,
) -> None:
    """Show the audit log."""
    entries = await admin_service(interaction).config.audit_log(
        actor_from(interaction), limit=limit, member_id=member.id if member else None, kind=kind
    )
    await render.send(interaction, embeds=render.audit_embeds(entries))
