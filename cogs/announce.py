"""`/announce …`: organisers schedule posts, live views and automatic election reminders."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import HustingsBot
from bot.domain.access import Level
from bot.domain.schedule.ledger import LiveView
from bot.domain.schedule.recurrence import parse_repeat
from bot.render import announcements as render
from bot.render.admin import send
from bot.render.common import follow_up
from bot.services.announcements import AnnouncementService
from bot.services.reminders import ReminderService
from cogs._access import bot_rights, invoker_rights, require
from cogs._common import election_autocomplete

log = logging.getLogger(__name__)

VIEWS = [app_commands.Choice(name=v.value, value=v.value) for v in LiveView]
STATES = [app_commands.Choice(name="on", value="on"), app_commands.Choice(name="off", value="off")]
REPEATS = ["none", "daily", "weekly", "weekdays", "0 18 * * mon-fri"]


def _announcements(interaction: discord.Interaction[HustingsBot]) -> AnnouncementService:
    return interaction.client.services.announcements


def _reminders(interaction: discord.Interaction[HustingsBot]) -> ReminderService:
    return interaction.client.services.reminders


async def repeat_autocomplete(
    interaction: discord.Interaction[HustingsBot], current: str
) -> list[app_commands.Choice[str]]:
    """The named repeats, plus what was typed when it is a valid cron expression."""
    options = [r for r in REPEATS if current.lower() in r]
    if current and current not in options:
        try:
            parse_repeat(current)
            options.insert(0, current)
        except ValueError:
            pass
    return [app_commands.Choice(name=o[:100], value=o[:100]) for o in options[:25]]


async def announcement_autocomplete(
    interaction: discord.Interaction[HustingsBot], current: str
) -> list[app_commands.Choice[int]]:
    """This server's announcements (organisers only)."""
    if interaction.guild_id is None:
        return []
    try:
        items = await _announcements(interaction).list_active(interaction.guild_id)
    except Exception:  # autocomplete must never raise at the member
        log.exception("announcement autocomplete failed")
        return []
    out = []
    for item in items:
        label = f"#{item.id} {item.view.value + ' view' if item.view else item.content}"
        if current.lower() in label.lower():
            out.append(app_commands.Choice(name=label[:100], value=item.id or 0))
    return out[:25]


class Announce(commands.Cog):
    """Organisers' announcements."""

    announce = app_commands.Group(
        name="announce",
        description="Schedule posts, live views and automatic reminders (organisers)",
        guild_only=True,
    )

    def __init__(self, bot: HustingsBot) -> None:
        self.bot = bot

    @announce.command(name="schedule", description="Schedule a message, once or repeating")
    @app_commands.describe(
        channel="Where to post",
        when="In the server's time zone: 2026-12-01 18:00, tomorrow 18:00, in 2h",
        message="Text with placeholders, e.g. {election} {days_to_nominations_close} {qualified} (all in the reply)",
        repeat="none, daily, weekly, weekdays, or a cron expression",
        until="Last possible post (same formats)",
        ping_role="A role to ping with each post (@everyone needs Mention Everyone)",
    )
    @app_commands.autocomplete(repeat=repeat_autocomplete)
    async def schedule(
        self,
        interaction: discord.Interaction[HustingsBot],
        channel: discord.TextChannel,
        when: str,
        message: app_commands.Range[str, 1, 1800],
        repeat: str | None = None,
        until: str | None = None,
        ping_role: discord.Role | None = None,
    ) -> None:
        """Store the announcement and echo its next three posts."""
        actor = await require(interaction, Level.ORGANISER, "announce.schedule")
        everyone = ping_role is not None and ping_role.is_default()
        done = await _announcements(interaction).schedule(
            actor,
            channel_id=channel.id,
            when=when,
            message=message,
            repeat=repeat,
            until=until,
            ping_role_id=ping_role.id if ping_role and not everyone else None,
            ping_everyone=everyone,
            organiser=invoker_rights(interaction, "channel", channel),
            bot=bot_rights(channel),
            ping_role_mentionable=ping_role is not None and ping_role.mentionable,
        )
        await send(
            interaction,
            done.warning,
            embed=render.schedule_reply(done.announcement, done.upcoming, done.election_name),
        )

    @announce.command(name="post", description="Post a live view (rendered fresh at each post)")
    @app_commands.describe(
        channel="Where to post",
        view="Which view",
        election="Which election (default: current)",
        when="When to post (default: now)",
        repeat="none, daily, weekly, weekdays, or a cron expression",
    )
    @app_commands.choices(view=VIEWS)
    @app_commands.autocomplete(election=election_autocomplete, repeat=repeat_autocomplete)
    async def post(
        self,
        interaction: discord.Interaction[HustingsBot],
        channel: discord.TextChannel,
        view: str,
        election: str | None = None,
        when: str | None = None,
        repeat: str | None = None,
    ) -> None:
        """Schedule a live view."""
        actor = await require(interaction, Level.ORGANISER, "announce.post")
        done = await _announcements(interaction).schedule(
            actor,
            channel_id=channel.id,
            when=when,
            view=view,
            election=election,
            repeat=repeat,
            organiser=invoker_rights(interaction, "channel", channel),
            bot=bot_rights(channel),
        )
        await send(interaction, embed=render.schedule_reply(done.announcement, done.upcoming, done.election_name))

    @announce.command(name="list", description="Scheduled announcements and automatic reminders")
    async def list_(self, interaction: discord.Interaction[HustingsBot]) -> None:
        """List what is scheduled."""
        actor = await require(interaction, Level.ORGANISER, "announce.list")
        service = _announcements(interaction)
        items = [(item, service.upcoming(item)) for item in await service.list_active(actor.guild_id)]
        reminders = await _reminders(interaction).reminder_settings(actor.guild_id)
        await send(interaction, embed=render.announcement_list(items, reminders))

    @announce.command(name="preview", description="See an announcement as it would post now (no pings)")
    @app_commands.describe(id="The announcement's number")
    @app_commands.autocomplete(id=announcement_autocomplete)
    async def preview(self, interaction: discord.Interaction[HustingsBot], id: int) -> None:
        """Render the announcement now, only for the organiser."""
        actor = await require(interaction, Level.ORGANISER, "announce.preview", f"#{id}")
        await interaction.response.defer(ephemeral=True, thinking=True)
        spec = await _announcements(interaction).preview(actor.guild_id, id)
        composer = self.bot.services.delivery.composer
        assert composer is not None, "the composition root gives the engine its composer"
        message = await composer(spec)
        files = message.files() if message.files else []
        await follow_up(
            interaction, content=message.content or None, embeds=message.embeds, view=message.view, files=files
        )

    @announce.command(name="cancel", description="Stop an announcement")
    @app_commands.describe(id="The announcement's number")
    @app_commands.autocomplete(id=announcement_autocomplete)
    async def cancel(self, interaction: discord.Interaction[HustingsBot], id: int) -> None:
        """Cancel it and anything queued for it."""
        actor = await require(interaction, Level.ORGANISER, "announce.cancel", f"#{id}")
        item = await _announcements(interaction).cancel(actor, id)
        await send(interaction, f"Announcement #{item.id} is cancelled; nothing more will be posted for it.")

    @announce.command(name="history", description="What was posted, when, and what wasn't (and why)")
    @app_commands.describe(id="One announcement's number (default: every post and alert)")
    @app_commands.autocomplete(id=announcement_autocomplete)
    async def history(self, interaction: discord.Interaction[HustingsBot], id: int | None = None) -> None:
        """Each delivery: when due, when sent with a link, or why not."""
        actor = await require(interaction, Level.ORGANISER, "announce.history")
        rows = await _announcements(interaction).history(actor.guild_id, id)
        title = f"History of announcement #{id}" if id is not None else "Recent posts and alerts"
        await send(interaction, embed=render.history(rows, title))

    @announce.command(name="reminders", description="Automatic election reminders in the announcement channel")
    @app_commands.describe(
        election="Which election",
        state="Switch them on or off (default: on)",
        offsets="Before nominations close, e.g. `7d 1d 1h`; or `close=7d,1d open=0 ballot_close=24h`",
        how_to_vote="Said when the ballot opens: how members vote (`clear` removes it)",
        hustings_post="Announce each new hustings in the announcement channel (default: on)",
    )
    @app_commands.choices(state=STATES, hustings_post=STATES)
    @app_commands.autocomplete(election=election_autocomplete)
    async def reminders(
        self,
        interaction: discord.Interaction[HustingsBot],
        election: str,
        state: str | None = None,
        offsets: str | None = None,
        how_to_vote: app_commands.Range[str, 1, 1000] | None = None,
        hustings_post: str | None = None,
    ) -> None:
        """Switch automatic reminders and milestone posts on or off, or change their offsets; switch the
        hustings post (on its own, when nothing else is given)."""
        actor = await require(interaction, Level.ORGANISER, "announce.reminders", election)
        service = _reminders(interaction)
        said = ""
        if hustings_post is not None:
            name = await service.switch_hustings_post(actor, election, hustings_post == "on")
            said = render.hustings_post_reply(name, hustings_post == "on")
            if state is None and offsets is None and how_to_vote is None:
                await send(interaction, said)
                return
        if how_to_vote is not None:
            await service.set_how_to_vote(actor, election, how_to_vote)
        item, name = await service.configure(actor, election, None if state is None else state == "on", offsets)
        upcoming = [p.at for p in await service.upcoming_points(actor.guild_id, item.election_id)]
        await send(interaction, "\n".join(filter(None, [render.reminders_reply(name, item, upcoming), said])))


async def setup(bot: HustingsBot) -> None:
    """Load the cog."""
    await bot.add_cog(Announce(bot))
