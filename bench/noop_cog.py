"""Bench-only commands: the no-op baselines every benchmark figure is compared with.

Loaded into the real bot (after its own extensions, before the tree is synced) only by the
benchmarks and the reliability suite; never part of `bot.app.EXTENSIONS`.
"""

from __future__ import annotations

import io
import random

import discord
from discord import app_commands
from discord.ext import commands

#: The size of a typical chart reply's image (bytes of noise: the simulator stores, never decodes, it): a
#: 25-bar results chart is ~25 KB as a palette PNG (it was ~190 KB from matplotlib, 40 KB assumed here before).
IMAGE = random.Random(1).randbytes(25_000)


async def noop_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """The cheapest possible autocomplete: echo what was typed as the only choice."""
    text = (current or "x")[:100]
    return [app_commands.Choice(name=text, value=text)]


class BenchNoop(commands.Cog):
    """`/bench noop` and `/bench complete`: do nothing, as fast as discord.py allows."""

    bench = app_commands.Group(name="bench", description="Benchmark baselines (bench runs only)", guild_only=True)

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @bench.command(name="noop", description="Reply at once with a fixed ephemeral message")
    async def noop(self, interaction: discord.Interaction) -> None:
        """The baseline command: one ephemeral message, no database, no rendering."""
        await interaction.response.send_message("ok", ephemeral=True)

    @bench.command(name="deferred", description="Defer, then answer with an image (a chart reply's traffic)")
    async def deferred(self, interaction: discord.Interaction) -> None:
        """The baseline for commands that defer and attach a chart: the same two requests, no work."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.edit_original_response(
            content="ok", attachments=[discord.File(io.BytesIO(IMAGE), filename="chart.png")]
        )

    @bench.command(name="complete", description="A no-op autocomplete")
    @app_commands.describe(query="Anything")
    @app_commands.autocomplete(query=noop_autocomplete)
    async def complete(self, interaction: discord.Interaction, query: str) -> None:
        """Reply with what was chosen."""
        await interaction.response.send_message("ok", ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    """Load the cog."""
    await bot.add_cog(BenchNoop(bot))
