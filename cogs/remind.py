"""`/remind …`: members opt in to DM reminders before their branch's meeting and the election deadlines."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import HustingsBot
from bot.domain.matching import search_names
from bot.render import announcements as render
from bot.render.admin import send
from bot.services.reminders import ReminderService
from cogs._common import body_autocomplete, election_autocomplete, guild_id

log = logging.getLogger(__name__)


def _service(interaction: discord.Interaction[HustingsBot]) -> ReminderService:
    return interaction.client.services.reminders


async def mine_autocomplete(
    interaction: discord.Interaction[HustingsBot], current: str
) -> list[app_commands.Choice[str]]:
    """The member's own reminders."""
    if interaction.guild_id is None:
        return []
    try:
        subs = await _service(interaction).member_subscriptions(interaction.guild_id, interaction.user.id)
    except Exception:  # autocomplete must never raise at the member
        log.exception("reminder autocomplete failed")
        return []
    labels = {f"{s.subject} ({s.subscription.kind.value})": str(s.subscription.id) for s in subs}
    shown = search_names(current, labels) if current.strip() else list(labels)
    out = [app_commands.Choice(name=label[:100], value=labels[label]) for label in shown]
    if len(subs) > 1 and (not current.strip() or "all".startswith(current.strip().casefold())):
        out.append(app_commands.Choice(name="All my reminders", value="all"))
    return out[:25]


class Remind(commands.Cog):
    """Members' opt-in reminders."""

    remind = app_commands.Group(name="remind", description="DM reminders you opt into", guild_only=True)

    def __init__(self, bot: HustingsBot) -> None:
        self.bot = bot

    @remind.command(name="branch", description="A DM before your branch's nomination meeting")
    @app_commands.describe(name="Start typing your branch's name", before="How long before (default 24h), e.g. 2h, 1d")
    @app_commands.autocomplete(name=body_autocomplete)
    async def branch(self, interaction: discord.Interaction[HustingsBot], name: str, before: str | None = None) -> None:
        """Subscribe to a branch's meeting."""
        sub = await _service(interaction).subscribe_branch(guild_id(interaction), interaction.user.id, name, before)
        await send(interaction, render.subscribed_reply(sub))

    @remind.command(name="deadlines", description="DMs before nominations close, the ballot opens and closes")
    @app_commands.describe(election="Which election (default: current)")
    @app_commands.autocomplete(election=election_autocomplete)
    async def deadlines(self, interaction: discord.Interaction[HustingsBot], election: str | None = None) -> None:
        """Subscribe to an election's deadlines."""
        sub = await _service(interaction).subscribe_deadlines(guild_id(interaction), interaction.user.id, election)
        await send(interaction, render.subscribed_reply(sub))

    @remind.command(name="list", description="Your reminders (and why any are paused)")
    async def list_(self, interaction: discord.Interaction[HustingsBot]) -> None:
        """Show the member's reminders."""
        subs = await _service(interaction).member_subscriptions(guild_id(interaction), interaction.user.id)
        await send(interaction, render.subscription_list(subs))

    @remind.command(name="stop", description="Stop one reminder, or all of them")
    @app_commands.describe(which="Which reminder, or all (start typing its name)")
    @app_commands.autocomplete(which=mine_autocomplete)
    async def stop(self, interaction: discord.Interaction[HustingsBot], which: str | None = None) -> None:
        """Unsubscribe."""
        stopped = await _service(interaction).stop(guild_id(interaction), interaction.user.id, which)
        await send(interaction, render.stopped_reply(stopped))

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """A member who leaves the server is unsubscribed."""
        removed = await self.bot.services.reminders.member_left(payload.guild_id, payload.user.id)
        if removed:
            log.info("member %s left guild %s: %d reminder(s) removed", payload.user.id, payload.guild_id, removed)


async def setup(bot: HustingsBot) -> None:
    """Load the cog."""
    await bot.add_cog(Remind(bot))
