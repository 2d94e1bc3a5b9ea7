"""`/hustings about`: what the bot is and where its data comes from."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.app import HustingsBot


class Meta(commands.Cog):
    """Small commands about the bot itself."""

    def __init__(self, bot: HustingsBot) -> None:
        self.bot = bot

    hustings = app_commands.Group(name="hustings", description="Hustings meetings, and about this bot")

    @hustings.command(name="about", description="What Hustings is and how to use it")
    async def about(self, interaction: discord.Interaction[HustingsBot]) -> None:
        """Reply with a short description and the main commands."""
        text = (
            f"**Hustings {__version__}** keeps you up to date on committee elections in this server.\n"
            "Try `/election info`, `/candidates`, `/nominations progress` and `/results`; "
            "`/remind deadlines` sends you a DM before each deadline."
        )
        await interaction.response.send_message(text, ephemeral=True)


async def setup(bot: HustingsBot) -> None:
    """Load the cog."""
    await bot.add_cog(Meta(bot))
