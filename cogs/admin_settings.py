"""`/admin config …` and `/admin audit`: thin adapters over `AdminService.config`."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.app import HustingsBot
from bot.domain.access import admin_visibility_note
from bot.render import admin as render
from cogs._access import actor_from, bot_rights
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
        if outcome.extra.get("awaiting"):
            await render.send(interaction, render.TWO_PERSON_OFF_PENDING)
            return
        note = ""
        if moderator_role is not None and not remove and not interaction.response.is_done():
            # reading the command's permission overrides takes two requests: acknowledge within 3 s first
            await interaction.response.defer(ephemeral=True, thinking=True)
        if moderator_role is not None and not remove and not await admin_visible_to(interaction, moderator_role):
            note = admin_visibility_note(moderator_role.mention, moderator_role.name)
        await reply_outcome(interaction, outcome, note)

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
            announce_rights=bot_rights(announce) if announce else None,
            alert_rights=bot_rights(alerts) if alerts else None,
        )
        await reply_outcome(interaction, outcome)

    @app_commands.command(name="timezone", description="Time zone")
    @app_commands.describe(zone="e.g. Europe/London", move_announcements="Also move scheduled announcements")
    @app_commands.autocomplete(zone=zone_autocomplete)
    async def timezone(
        self, interaction: discord.Interaction[HustingsBot], zone: str, move_announcements: bool = False
    ) -> None:
        """Set the time zone (and, if asked, move the scheduled announcements to it)."""
        outcome = await admin_service(interaction).config.set_timezone(
            actor_from(interaction), zone, move_announcements=move_announcements
        )
        interaction.client.services.delivery.kick()  # moved announcements may now be due sooner
        await reply_outcome(interaction, outcome, render.timezone_note(outcome))

    @app_commands.command(name="audit", description="How long to keep the audit log")
    @app_commands.describe(days="7–3650; older rows are deleted")
    async def audit_retention(
        self, interaction: discord.Interaction[HustingsBot], days: app_commands.Range[int, 7, 3650]
    ) -> None:
        """Set the audit log's retention period."""
        outcome = await admin_service(interaction).config.set_audit_retention(actor_from(interaction), days)
        await reply_outcome(interaction, outcome)

    @app_commands.command(name="show", description="Show settings")
    async def show(self, interaction: discord.Interaction[HustingsBot]) -> None:
        """Show the settings."""
        service = admin_service(interaction)
        settings = await service.config.show(actor_from(interaction))
        host = interaction.client.settings
        limits = (host.max_announcements, host.max_sources)
        await render.send(interaction, embed=render.settings_embed(settings, service.core.default_zone, limits))


async def admin_visible_to(interaction: discord.Interaction[HustingsBot], role: discord.Role) -> bool:
    """Whether Discord lets members of `role` see `/admin`: its default (Manage Server) or an override.

    The overrides set under Server Settings → Integrations are readable with the bot token (Get Guild
    Application Command Permissions); an entry for the command wins over the app-wide one. When they
    can't be read, answer False so the moderator still gets the instruction.
    """
    if role.permissions.manage_guild or role.permissions.administrator:
        return True
    bot = interaction.client
    app_id, guild_id = bot.application_id, interaction.guild_id
    if app_id is None or guild_id is None:
        return False
    scope = discord.Object(bot.settings.dev_guild) if bot.settings.dev_guild else None
    try:
        commands = await bot.tree.fetch_commands(guild=scope)
        rows = await bot.http.get_guild_application_command_permissions(app_id, guild_id)
    except discord.HTTPException:
        return False
    admin = next((c.id for c in commands if c.name == "admin"), None)
    by_command = {int(row["id"]): row["permissions"] for row in rows}
    entries = by_command.get(admin or 0, by_command.get(app_id, []))
    for entry in entries:
        if int(entry["id"]) in (role.id, guild_id) and entry["type"] == 1 and entry["permission"]:
            return True
    return False


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
