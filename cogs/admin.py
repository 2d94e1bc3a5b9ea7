"""`/admin`: the moderator tools. The groups live in `cogs.admin_*`; this cog registers them (every audit
row is mirrored to the guild's alert channel by `bot.discord_adapters.audit_mirror`).

`default_member_permissions` (Manage Server) is only a hint to Discord's client: every command,
autocomplete, button and form checks the member's level inside the bot.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import HustingsBot
from cogs._confirm import PendingButton
from cogs.admin_data import DataGroup
from cogs.admin_entities import BranchGroup, CandidateGroup, ElectionGroup, NominationGroup, SlateGroup
from cogs.admin_results import ResultsGroup
from cogs.admin_settings import ConfigGroup, audit_command

log = logging.getLogger(__name__)


class AdminGroup(app_commands.Group):
    """The `/admin` command group with its subgroups."""

    def __init__(self) -> None:
        super().__init__(
            name="admin",
            description="Moderator tools",
            default_permissions=discord.Permissions(manage_guild=True),
            guild_only=True,
        )
        for group in (
            ElectionGroup,
            CandidateGroup,
            SlateGroup,
            BranchGroup,
            NominationGroup,
            ResultsGroup,
            DataGroup,
            ConfigGroup,
        ):
            group(parent=self)  # a subgroup built with a parent registers itself there
        self.add_command(audit_command)


class Admin(commands.Cog):
    """Registers `/admin` and its confirmation buttons."""

    def __init__(self, bot: HustingsBot) -> None:
        self.bot = bot
        self.group = AdminGroup()

    async def cog_load(self) -> None:
        """Add the command group."""
        self.bot.tree.add_command(self.group)
        self.bot.add_dynamic_items(PendingButton)  # confirmation buttons work after a restart

    async def cog_unload(self) -> None:
        """Remove the command group."""
        self.bot.tree.remove_command(self.group.name)


async def setup(bot: HustingsBot) -> None:
    """Load the cog."""
    await bot.add_cog(Admin(bot))
