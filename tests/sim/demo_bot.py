"""A throwaway discord.py bot exercising every interaction shape the simulator supports."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

CANDIDATES = ["Josh Matthews", "Joseph Okafor", "Yasmine Dar", "Jo Stevens", "Priya Shah"]


class VoteView(discord.ui.View):
    """Two buttons and a select."""

    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Yes", custom_id="vote:yes", style=discord.ButtonStyle.success)
    async def yes(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(content=f"{interaction.user.name} voted yes", view=None)

    @discord.ui.button(label="No", custom_id="vote:no", style=discord.ButtonStyle.danger)
    async def no(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.send_message("Sorry to hear that", ephemeral=True)

    @discord.ui.select(
        custom_id="vote:pick",
        options=[discord.SelectOption(label=c, value=c.split()[0].lower()) for c in CANDIDATES[:3]],
        max_values=2,
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[Any]) -> None:
        await interaction.response.send_message(f"picked {','.join(select.values)}", ephemeral=True)

    @discord.ui.select(cls=discord.ui.UserSelect, custom_id="vote:who", row=2)
    async def who(self, interaction: discord.Interaction, select: discord.ui.UserSelect[Any]) -> None:
        await interaction.response.send_message(f"nominated {select.values[0].display_name}", ephemeral=True)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    """A modal with two text inputs."""

    subject: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Subject", custom_id="subject", max_length=50)
    body: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Details", custom_id="body", style=discord.TextStyle.paragraph, required=False
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"Thanks! {self.subject.value} / {self.body.value or '-'}")


class DemoBot(commands.Bot):
    """Keeps the last interaction so tests can act with it after the fact."""

    def __init__(self, *, members_intent: bool = False) -> None:
        intents = discord.Intents.default()
        intents.members = members_intent
        super().__init__(command_prefix="!", intents=intents, help_command=None)
        self.last_interaction: discord.Interaction | None = None
        self.seen_messages: list[discord.Message] = []
        _add_commands(self)

    async def on_message(self, message: discord.Message) -> None:
        self.seen_messages.append(message)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py waits 5 s before re-identifying (Discord's identify limit); the sim has none.
        return None


def _add_commands(bot: DemoBot) -> None:
    tree = bot.tree

    candidate = app_commands.Group(name="candidate", description="Candidates")

    async def candidate_names(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if current == "many":
            return [app_commands.Choice(name=f"c{i}", value=f"c{i}") for i in range(30)]
        hits = [c for c in CANDIDATES if c.lower().startswith(current.lower())]
        return [app_commands.Choice(name=c, value=c) for c in hits]

    @candidate.command(name="name", description="Show a candidate")
    @app_commands.autocomplete(name=candidate_names)
    async def candidate_name(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(f"Candidate: {name}")

    tree.add_command(candidate)

    slate = app_commands.Group(name="slate", description="Slates")
    admin = app_commands.Group(name="admin", description="Slate admin", parent=slate)

    @slate.command(name="compare", description="Compare two slates")
    async def slate_compare(interaction: discord.Interaction, first: str, second: str) -> None:
        await interaction.response.send_message(f"{first} vs {second}")

    @admin.command(name="reset", description="Reset a slate")
    async def slate_reset(interaction: discord.Interaction, confirm: bool) -> None:
        await interaction.response.send_message(f"reset confirmed={confirm}", ephemeral=True)

    tree.add_command(slate)

    @tree.command(name="types", description="Echo typed options")
    async def types(
        interaction: discord.Interaction,
        n: int,
        flag: bool,
        ratio: float,
        role: discord.Role,
        who: discord.Member,
        where: discord.TextChannel,
    ) -> None:
        await interaction.response.send_message(
            f"n={n + 1} flag={flag} ratio={ratio * 2} role={role.name} who={who.name} where={where.name}"
        )

    @tree.command(name="upload", description="Read an attachment")
    async def upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
        data = await file.read()
        await interaction.response.send_message(f"{file.filename}: {data.decode()}")

    @tree.command(name="vote", description="Buttons and a select")
    async def vote(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Vote now", view=VoteView())

    @tree.command(name="feedback", description="Open a modal")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal())

    @tree.command(name="report", description="Deferred, then edited with an embed and a file")
    async def report(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        embed = discord.Embed(title="Report", description="All good").add_field(name="Turnout", value="42%")
        await interaction.edit_original_response(
            content="Here it is", embed=embed, attachments=[discord.File(io.BytesIO(b"a,b\n1,2\n"), "report.csv")]
        )

    @tree.command(name="slow", description="Ephemeral defer then follow-ups")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send("first")
        await interaction.followup.send("second", file=discord.File(io.BytesIO(b"xyz"), "x.txt"))

    @tree.command(name="bigembed", description="Sends an embed over Discord's limits")
    async def bigembed(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(embed=discord.Embed(description="x" * 5000))

    @tree.command(name="late", description="Answers after 3.5 s")
    async def late(interaction: discord.Interaction) -> None:
        await asyncio.sleep(3.5)
        await interaction.response.send_message("too late")

    @tree.command(name="double", description="Acknowledges twice")
    async def double(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("once")
        # A second, independent response object: what two handlers racing on one interaction do.
        await discord.InteractionResponse(interaction).send_message("twice")

    @tree.command(name="remember", description="Keeps the interaction for later")
    async def remember(interaction: discord.Interaction) -> None:
        bot.last_interaction = interaction
        await interaction.response.send_message("remembered")

    @tree.command(name="announce", description="Post in a channel")
    async def announce(interaction: discord.Interaction, channel: discord.TextChannel, text: str) -> None:
        resolved = bot.get_channel(channel.id)
        assert isinstance(resolved, discord.TextChannel)
        await resolved.send(text)
        await interaction.response.send_message("posted", ephemeral=True)

    @tree.command(name="dm", description="DM someone")
    async def dm(interaction: discord.Interaction, who: discord.User, text: str) -> None:
        try:
            await who.send(text)
        except discord.Forbidden as exc:
            await interaction.response.send_message(f"could not DM ({exc.code})", ephemeral=True)
            return
        await interaction.response.send_message("sent", ephemeral=True)

    @tree.command(name="purge", description="Moderators only")
    @app_commands.default_permissions(manage_messages=True)
    async def purge(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("purged", ephemeral=True)

    @tree.command(name="lifecycle", description="Edit, follow up, edit the follow-up, delete the original")
    async def lifecycle(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("v1")
        await interaction.edit_original_response(content="v2")
        followup = await interaction.followup.send("f1", wait=True)
        await followup.edit(content="f2")
        fetched = await interaction.original_response()
        assert fetched.content == "v2"
        await interaction.delete_original_response()

    @tree.command(name="burst", description="Answers with its number")
    async def burst(interaction: discord.Interaction, i: int) -> None:
        await interaction.response.send_message(f"ok {i}")
