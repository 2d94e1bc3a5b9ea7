"""Hustings embeds and `.ics` calendar files (RFC 5545, written with the `icalendar` library)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import discord

from bot.domain.hustings import CalendarEntry, Hustings, Place, PlaceKind, meeting_calendar
from bot.domain.limits import FIELD_VALUE_MAX
from bot.domain.models import Body
from bot.render.common import CONTENT_MAX, ChartImage, Rendered, clip, md
from bot.render.questions import interested_label
from bot.render.views import SentButtons
from bot.services.delivery.ports import Outgoing
from bot.services.hustings import HustingsView, SyncReport
from bot.services.hustings_posts import HustingsPost
from bot.services.hustings_reminders import HourReminder, HustingsReminderPost

COLOUR = discord.Colour(0x5865F2)


def _when(h: Hustings) -> str:
    start = int(h.starts_at.timestamp())
    return f"<t:{start}:F> (<t:{start}:R>), {h.minutes} minutes"


def _place(h: Hustings) -> str:
    return _where(h.place)


def _where(place: Place) -> str:
    if place.kind is PlaceKind.EXTERNAL:
        return md(place.location)
    kind = "stage" if place.kind is PlaceKind.STAGE else "voice channel"
    return f"<#{place.channel_id}> ({kind})"


def _speakers(v: HustingsView) -> str:
    if not v.speakers:
        return "All the candidates (none is standing yet)."
    names = ", ".join(md(s) for s in v.speakers)
    text = names if v.hustings.candidates else f"All the candidates: {names}"
    return text if len(text) <= FIELD_VALUE_MAX else text[: FIELD_VALUE_MAX - 1] + "…"


def hustings_info(v: HustingsView, heading: str | None = None) -> discord.Embed:
    """One hustings: when (with a countdown), where and how to join, who takes part, the chair."""
    h = v.hustings
    embed = discord.Embed(
        title=heading or md(h.title), colour=COLOUR, description=f"Hustings for **{md(v.election_name)}**"
    )
    if heading:
        embed.add_field(name="Title", value=md(h.title), inline=False)
    embed.add_field(name="When", value=_when(h), inline=False)
    embed.add_field(name="Where", value=_place(h), inline=False)
    embed.add_field(name="Taking part", value=_speakers(v), inline=False)
    if h.chair:
        embed.add_field(name="Chair", value=md(h.chair), inline=True)
    if v.event_id is not None:
        embed.add_field(name="Event", value="In the server's Events list: press **Interested** there.", inline=True)
    embed.set_footer(text=f"Hustings #{h.id} · times show in your own time zone")
    return embed


def hustings_list(views: Sequence[HustingsView]) -> discord.Embed:
    """Upcoming hustings, soonest first (up to 25)."""
    embed = discord.Embed(title="Upcoming hustings", colour=COLOUR)
    if not views:
        embed.description = "No hustings are planned yet. Organisers add them with `/hustings schedule`."
        return embed
    for v in views[:25]:
        h = v.hustings
        embed.add_field(
            name=f"{h.title[:200]} — {v.election_name}"[:256],
            value=f"{_when(h)}\n{_place(h)}",
            inline=False,
        )
    if len(views) > 25:
        embed.set_footer(text=f"Showing 25 of {len(views)}; name an election to narrow the list.")
    else:
        embed.set_footer(text="Details: /hustings info")
    return embed


def cancelled(h: Hustings) -> str:
    """The organiser's confirmation of a cancellation."""
    return f"Cancelled **{md(h.title)}** (hustings #{h.id}); its event in the server's Events list is cancelled too."


def events_switched(election_name: str, on: bool, report: SyncReport) -> str:
    """The organiser's confirmation of `/hustings events`."""
    if not on:
        taken = (
            f" I cancelled its {report.cancelled} upcoming event{'s' if report.cancelled != 1 else ''} there."
            if report.cancelled
            else ""
        )
        return f"Events are off for **{md(election_name)}**: it has no events in the server's Events list.{taken}"
    made = f" I added {report.created} event{'s' if report.created != 1 else ''}." if report.created else ""
    failed = f" {report.failed} could not be added; I'll try again later." if report.failed else ""
    listed = "its milestones and hustings are in the server's Events list"
    return f"Events are on for **{md(election_name)}**: {listed}.{made}{failed}"


# ------------------------------------------------------------------------------ calendars


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "calendar"


def ics_bytes(entries: Sequence[CalendarEntry], calendar_name: str, now: datetime) -> bytes:
    """An RFC 5545 calendar: UTC times, one VEVENT per entry with its stable UID."""
    import icalendar  # ~60 ms of imports, paid by the first calendar asked for rather than at start-up

    cal = icalendar.Calendar()
    cal.add("prodid", "-//Hustings//Election calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", calendar_name)
    stamp = now.astimezone(UTC)
    for entry in entries:
        event = icalendar.Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", entry.start.astimezone(UTC))
        event.add("dtend", entry.end.astimezone(UTC))
        event.add("summary", entry.summary)
        if entry.description:
            event.add("description", entry.description)
        if entry.location:
            event.add("location", entry.location)
        cal.add_component(event)
    return cal.to_ical()


def ics_file(entries: Sequence[CalendarEntry], calendar_name: str, stem: str, now: datetime) -> discord.File:
    """The calendar as a Discord attachment named `<stem>.ics`."""
    data = ics_bytes(entries, calendar_name, now)
    return discord.File(
        io.BytesIO(data), filename=f"{_safe_name(stem)}.ics", description=f"Calendar: {calendar_name}"[:1024]
    )


def calendar_reply(name: str, count: int) -> str:
    """The words sent with a calendar file."""
    if count == 0:
        return f"**{md(name)}** has no dates set yet; here is an empty calendar to import later."
    return (
        f"{count} date{'s' if count != 1 else ''} for **{md(name)}**. Open the file to add them to your calendar; "
        "importing it again later updates them rather than adding copies."
    )


def with_meeting_calendar(
    rendered: Rendered, body: Body, meeting: datetime | None, guild_id: int, now: datetime
) -> Rendered:
    """`/nominations branch` with the branch's next nomination meeting attached as an `.ics` file."""
    if meeting is None or rendered.chart is not None:
        return rendered
    entries = meeting_calendar(replace(body, meeting=meeting), guild_id)
    data = ics_bytes(entries, f"{body.name}: nomination meeting", now)
    stem = _safe_name(f"{body.name}-meeting")
    return replace(rendered, chart=ChartImage(f"{stem}.ics", data, f"Calendar: {body.name}'s nomination meeting"))


def hour_reminder_reply(r: HourReminder) -> str:
    """The member's confirmation of a Remind me 1 h before press."""
    if not r.on:
        return f"OK — no reminder before **{md(r.title)}** then. Press the button again to set it back."
    return (
        f"OK — I'll DM you <t:{int(r.dm_at.timestamp())}:R>, an hour before **{md(r.title)}** starts "
        f"(<t:{int(r.starts_at.timestamp())}:F>). Press the button again to take it back.\n"
        "I'll DM you, so keep DMs from this server's members switched on (Privacy Settings)."
    )


def hour_reminder_dm(post: HustingsReminderPost, guild_name: str | None) -> Outgoing:
    """The DM an hour before a hustings: what, when, and where to join."""
    where = f" in **{md(guild_name)}**" if guild_name else ""
    start = int(post.starts_at.timestamp())
    text = (
        f"⏰ **{md(post.title)}** ({md(post.election)}){where} starts <t:{start}:R>, at <t:{start}:t> "
        f"({post.minutes} minutes). Join: {_where(post.place)}.\n"
        "-# You asked for this with the hustings' **Remind me 1 h before** button."
    )
    return Outgoing(content=clip(text, CONTENT_MAX))


#: The custom id prefix of the Remind me button (the cog's `RemindMeButton` handles presses, after a restart too).
REMIND_ME_PREFIX = "hustings:rmd:"
REMIND_ME_LABEL = "Remind me of the deadlines"


#: The custom id prefixes of a hustings' own buttons (the cog's `InterestedButton` and `RemindHourButton`).
INTERESTED_PREFIX = "hustings:int:"
REMIND_HOUR_PREFIX = "hustings:rmh:"
REMIND_HOUR_LABEL = "Remind me 1 h before"


def post_buttons(slug: str) -> discord.ui.View:
    """The Remind me button delivered posts about an election carry: a plain custom-id button, nothing kept."""
    view = SentButtons()
    view.add_item(
        discord.ui.Button(
            custom_id=f"{REMIND_ME_PREFIX}{slug}", label=REMIND_ME_LABEL, emoji="⏰", style=discord.ButtonStyle.primary
        )
    )
    return view


def hustings_post_buttons(slug: str, hustings_id: int, interested: int) -> discord.ui.View:
    """The public hustings post's buttons: Remind me, Interested with its count, Remind me 1 h before (as the
    `/hustings info` reply's, so a press that redraws them keeps the same three)."""
    view = post_buttons(slug)
    view.add_item(
        discord.ui.Button(custom_id=f"{INTERESTED_PREFIX}{hustings_id}", label=interested_label(interested), emoji="⭐")
    )
    view.add_item(
        discord.ui.Button(custom_id=f"{REMIND_HOUR_PREFIX}{hustings_id}", label=REMIND_HOUR_LABEL, emoji="🔔")
    )
    return view


def hustings_post(post: HustingsPost) -> Outgoing:
    """The announcement-channel post about a hustings: what `/hustings info` shows, with its buttons; once
    cancelled, marked so and without buttons."""
    h = post.view.hustings
    assert h.id is not None
    embed = hustings_info(post.view)
    for index, shown in enumerate(embed.fields):
        if shown.name == "Event":  # the post has its own Interested button: say only where else it is
            embed.set_field_at(index, name="Event", value="Also in the server's Events list.", inline=True)
    if post.cancelled:
        embed.title = f"Cancelled: {md(h.title)}"[:256]
        embed.colour = discord.Colour.light_grey()
        embed.description = f"This hustings for **{md(post.view.election_name)}** is cancelled."
        return Outgoing(embeds=[embed])
    return Outgoing(embeds=[embed], view=hustings_post_buttons(post.view.election_slug, h.id, post.interested))
