"""`/hustings …`: organisers schedule hustings meetings; members see when, where and who takes part.

Each hustings and each election milestone is mirrored as a Discord scheduled event by the service.
"""

from __future__ import annotations

import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import HustingsBot
from bot.domain.access import Actor, Level
from bot.domain.cooldown import UseKind
from bot.domain.hustings import PlaceKind
from bot.errors import UserError
from bot.render import announcements as render_reminders
from bot.render import hustings as render
from bot.render import questions as render_questions
from bot.render.admin import NO_MENTIONS, send
from bot.render.common import follow_up
from bot.render.views import SentButtons
from bot.services.hustings import HustingsService
from cogs._access import require
from cogs._buttons import IdButton, StatelessButton
from cogs._common import election_autocomplete
from cogs._hustings_group import attach_to_hustings, detach_from_hustings

log = logging.getLogger(__name__)

STATES = [app_commands.Choice(name="on", value="on"), app_commands.Choice(name="off", value="off")]
MeetingChannel = discord.VoiceChannel | discord.StageChannel


def _service(interaction: discord.Interaction[HustingsBot]) -> HustingsService:
    return interaction.client.services.hustings


def _channel_args(channel: MeetingChannel | None) -> tuple[int | None, PlaceKind | None]:
    if channel is None:
        return None, None
    return channel.id, PlaceKind.STAGE if isinstance(channel, discord.StageChannel) else PlaceKind.VOICE


async def _organiser(interaction: discord.Interaction[HustingsBot], action: str) -> Actor:
    """The organiser doing `action` in a server (anyone else refused, and audited); the reply deferred."""
    _guild(interaction)
    actor = await require(interaction, Level.ORGANISER, action)
    await interaction.response.defer(ephemeral=True, thinking=True)
    return actor


def _guild(interaction: discord.Interaction[HustingsBot]) -> int:
    if interaction.guild_id is None:
        raise UserError("Hustings meetings belong to a server: use this command there.")
    return interaction.guild_id


def _hustings_id(text: str) -> int:
    value = text.strip().lstrip("#")
    if not value.isdigit():
        raise UserError("Pick a hustings from the list as you type (or give its number, e.g. 3).")
    return int(value)


async def hustings_autocomplete(
    interaction: discord.Interaction[HustingsBot], current: str
) -> list[app_commands.Choice[str]]:
    """Upcoming hustings of this server matching what was typed."""
    if interaction.guild_id is None:
        return []
    try:
        pairs = await _service(interaction).complete(interaction.guild_id, current)
    except Exception:  # autocomplete must never raise at the member
        log.exception("hustings autocomplete failed")
        return []
    return [app_commands.Choice(name=label[:100], value=value) for label, value in pairs[:25]]


# ------------------------------------------------------------------------------ stateless buttons


class RemindMeButton(StatelessButton, template=render.REMIND_ME_PREFIX + r"(?P<slug>[^:]{1,80})"):
    """One press subscribes the member to the election's deadline DMs; the custom id carries the election."""

    def __init__(self, slug: str) -> None:
        super().__init__(
            f"{render.REMIND_ME_PREFIX}{slug}", render.REMIND_ME_LABEL, emoji="⏰", style=discord.ButtonStyle.primary
        )
        self.slug = slug

    @classmethod
    def parse(cls, match: re.Match[str]) -> RemindMeButton:
        """The election's slug."""
        return cls(match["slug"])

    async def pressed(self, press: discord.Interaction[HustingsBot]) -> None:
        """Subscribe the presser; the ephemeral confirmation carries a Stop button."""
        sub = await press.client.services.reminders.subscribe_deadlines(_guild(press), press.user.id, self.slug)
        view = SentButtons()
        if sub.subscription.id is not None:
            view.add_item(StopReminderButton(sub.subscription.id))
        await follow_up(press, content=render_reminders.subscribed_reply(sub), view=view)


class StopReminderButton(IdButton, prefix="hustings:rmdstop:"):
    """Stop the reminder the member just started (only the member's own: another id finds nothing)."""

    def __init__(self, subscription_id: int) -> None:
        super().__init__(subscription_id, "Stop")
        self.subscription_id = subscription_id

    async def pressed(self, press: discord.Interaction[HustingsBot]) -> None:
        """Stop it and say so."""
        stopped = await press.client.services.reminders.stop(_guild(press), press.user.id, str(self.subscription_id))
        await follow_up(press, content=render_reminders.stopped_reply(stopped))


class InterestedButton(IdButton, prefix=render.INTERESTED_PREFIX):
    """Interested (counted): one press marks the member interested, a second takes it back."""

    acknowledge = "update"
    cooldown = UseKind.WRITE

    def __init__(self, hustings_id: int, count: int = 0) -> None:
        super().__init__(hustings_id, render_questions.interested_label(count), emoji="⭐")
        self.hustings_id = hustings_id

    async def pressed(self, press: discord.Interaction[HustingsBot]) -> None:
        """Toggle the mark, show the new count on the button, tell the member."""
        on, count = await press.client.services.questions.interested(_guild(press), press.user.id, self.hustings_id)
        view = await _service(press).info(_guild(press), self.hustings_id)
        await press.edit_original_response(view=remind_view(view.election_slug, self.hustings_id, count))
        await press.followup.send(
            render_questions.interested_reply(on, count), ephemeral=True, allowed_mentions=NO_MENTIONS
        )


class RemindHourButton(IdButton, prefix=render.REMIND_HOUR_PREFIX):
    """Remind me 1 h before: one DM an hour before this hustings (a second press takes it back)."""

    cooldown = UseKind.WRITE

    def __init__(self, hustings_id: int) -> None:
        super().__init__(hustings_id, render.REMIND_HOUR_LABEL, emoji="🔔")
        self.hustings_id = hustings_id

    async def pressed(self, press: discord.Interaction[HustingsBot]) -> None:
        """Set or take back the member's reminder and say when the DM comes."""
        done = await press.client.services.hustings_dms.toggle(_guild(press), press.user.id, self.hustings_id)
        await follow_up(press, content=render.hour_reminder_reply(done))


def remind_view(slug: str, hustings_id: int | None = None, interested: int = 0) -> discord.ui.View:
    """The Remind me button (and, under one hustings, Interested with its count and Remind me 1 h before): the
    same custom-id buttons the delivered posts carry (`bot.render.hustings`), handled by this cog's items."""
    if hustings_id is None:
        return render.post_buttons(slug)
    return render.hustings_post_buttons(slug, hustings_id, interested)


class HustingsCommands(app_commands.Group, name="hustings", description="Hustings meetings"):
    """The meeting subcommands; `HustingsCog` attaches them to the `/hustings` group of `cogs.meta`."""

    @app_commands.command(
        name="schedule", description="Plan a hustings; it joins the server's Events list (organisers)"
    )
    @app_commands.describe(
        title="What members see, e.g. 'NEC hustings: members' seats'",
        when="Start, in the server's time zone: 2026-12-01 18:00, tomorrow 19:00, in 3 days",
        minutes="How long it runs (default 60)",
        channel="A voice or stage channel of this server",
        location="Or a link or an address (up to 100 characters)",
        election="Which election (default: the current one)",
        candidates="Who takes part, comma-separated (default: all the candidates)",
        chair="Who chairs it",
    )
    @app_commands.autocomplete(election=election_autocomplete)
    async def schedule(
        self,
        interaction: discord.Interaction[HustingsBot],
        title: app_commands.Range[str, 1, 100],
        when: str,
        minutes: app_commands.Range[int, 15, 480] = 60,
        channel: MeetingChannel | None = None,
        location: app_commands.Range[str, 1, 100] | None = None,
        election: str | None = None,
        candidates: str | None = None,
        chair: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        """Store the hustings and mirror it as an event."""
        channel_id, kind = _channel_args(channel)
        actor = await _organiser(interaction, "hustings.schedule")
        view = await _service(interaction).schedule(
            actor,
            election=election,
            title=title,
            when=when,
            minutes=minutes,
            channel_id=channel_id,
            channel_kind=kind,
            location=location,
            candidates=candidates,
            chair=chair,
        )
        await send(interaction, view.post_note or None, embed=render.hustings_info(view, heading="Hustings scheduled"))

    @app_commands.command(name="edit", description="Change a hustings; its event follows (organisers)")
    @app_commands.describe(
        hustings="Which hustings",
        title="New title",
        when="New start (server's time zone)",
        minutes="New length",
        channel="Move it to this voice or stage channel",
        location="Or move it to this link or address",
        candidates="Who takes part, comma-separated ('all' for all the candidates)",
        chair="Who chairs it",
    )
    @app_commands.autocomplete(hustings=hustings_autocomplete)
    async def edit(
        self,
        interaction: discord.Interaction[HustingsBot],
        hustings: str,
        title: app_commands.Range[str, 1, 100] | None = None,
        when: str | None = None,
        minutes: app_commands.Range[int, 15, 480] | None = None,
        channel: MeetingChannel | None = None,
        location: app_commands.Range[str, 1, 100] | None = None,
        candidates: str | None = None,
        chair: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        """Apply the changes given."""
        channel_id, kind = _channel_args(channel)
        everyone = candidates is not None and candidates.strip().casefold() == "all"
        actor = await _organiser(interaction, "hustings.edit")
        view = await _service(interaction).edit(
            actor,
            _hustings_id(hustings),
            title=title,
            when=when,
            minutes=minutes,
            channel_id=channel_id,
            channel_kind=kind,
            location=location,
            candidates="" if everyone else candidates,
            chair=chair,
        )
        await send(interaction, embed=render.hustings_info(view, heading="Hustings updated"))

    @app_commands.command(name="cancel", description="Cancel a hustings; its event is cancelled too (organisers)")
    @app_commands.describe(hustings="Which hustings")
    @app_commands.autocomplete(hustings=hustings_autocomplete)
    async def cancel(self, interaction: discord.Interaction[HustingsBot], hustings: str) -> None:
        """Cancel it."""
        actor = await _organiser(interaction, "hustings.cancel")
        done = await _service(interaction).cancel(actor, _hustings_id(hustings))
        await send(interaction, render.cancelled(done))

    @app_commands.command(
        name="events", description="Keep an election's dates in the server's Events list (organisers)"
    )
    @app_commands.describe(state="on (the default) or off", election="Which election (default: the current one)")
    @app_commands.choices(state=STATES)
    @app_commands.autocomplete(election=election_autocomplete)
    async def events(
        self, interaction: discord.Interaction[HustingsBot], state: str, election: str | None = None
    ) -> None:
        """Switch the election's scheduled events on (permission checked) or off."""
        actor = await _organiser(interaction, "hustings.events")
        name, report = await _service(interaction).switch_events(actor, election, state == "on")
        await send(interaction, render.events_switched(name, state == "on", report))

    @app_commands.command(name="list", description="Upcoming hustings: when and where")
    @app_commands.describe(election="Only this election")
    @app_commands.autocomplete(election=election_autocomplete)
    async def list_(self, interaction: discord.Interaction[HustingsBot], election: str | None = None) -> None:
        """Upcoming hustings, soonest first."""
        views = await _service(interaction).upcoming(_guild(interaction), election)
        await send(interaction, embed=render.hustings_list(views))

    @app_commands.command(name="info", description="One hustings: countdown, who takes part, how to join")
    @app_commands.describe(hustings="Which hustings")
    @app_commands.autocomplete(hustings=hustings_autocomplete)
    async def info(self, interaction: discord.Interaction[HustingsBot], hustings: str) -> None:
        """One hustings in full."""
        view = await _service(interaction).info(_guild(interaction), _hustings_id(hustings))
        assert view.hustings.id is not None
        count = await interaction.client.services.questions.interest_count(view.hustings.id)
        buttons = remind_view(view.election_slug, view.hustings.id, count)
        await send(interaction, embed=render.hustings_info(view), view=buttons)


class HustingsCog(commands.Cog, name="Hustings"):
    """Hustings meetings: attaches its subcommands to `/hustings` and reconciles events at start."""

    def __init__(self, bot: HustingsBot) -> None:
        self.bot = bot
        self._attached: list[str] = []

    async def cog_load(self) -> None:
        """Add schedule, edit, cancel, events, list and info under `/hustings`; register the stateless buttons."""
        self.bot.add_dynamic_items(RemindMeButton, StopReminderButton, InterestedButton, RemindHourButton)
        attach_to_hustings(self.bot, "cogs.hustings", HustingsCommands(), self._attached)

    async def cog_unload(self) -> None:
        """Detach the subcommands."""
        self.bot.remove_dynamic_items(RemindMeButton, StopReminderButton, InterestedButton, RemindHourButton)
        detach_from_hustings(self.bot, self._attached)


async def setup(bot: HustingsBot) -> None:
    """Load the cog."""
    await bot.add_cog(HustingsCog(bot))
