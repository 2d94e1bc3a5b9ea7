"""Announcements, automatic reminders, member DMs and organiser alerts as Discord messages.

`PostComposer` is what the delivery engine calls at send time: it turns a post spec from the
services into an `Outgoing` message. Live views reuse the members' renderers (and their charts).
Mentions: nothing pings unless the organiser chose a role (only that role may ping) or @everyone
(only when they hold Mention Everyone); placeholders and stored text are made inert either way.

Also here: the replies of `/announce` and `/remind` (schedules, lists, history).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import discord

from bot.domain.hustings import day_words, days_between
from bot.domain.phase import MILESTONE_LABELS
from bot.domain.schedule.ledger import (
    Announcement,
    Delivery,
    DeliveryStatus,
    ElectionReminders,
    LiveView,
    SubscriptionKind,
)
from bot.domain.schedule.reminders import Quiet, describe_offsets
from bot.domain.schedule.templates import COUNTED, PLACEHOLDERS, fill
from bot.domain.timeparse import format_duration
from bot.render import elections as election_render
from bot.render import hustings as hustings_render
from bot.render import nominations as nomination_render
from bot.render import results as result_render
from bot.render import slates as slate_render
from bot.render.charts import AnySpec, ChartCache
from bot.render.common import (
    BRAND_COLOUR,
    CONTENT_MAX,
    NEUTRAL_COLOUR,
    ChartImage,
    Rendered,
    clip,
    join_limited,
    md,
    plural,
    ts,
    ts_full,
)
from bot.services.announcements import MessagePost, PlaceholderValues, ViewPost
from bot.services.delivery.ports import AlertPost, Outgoing
from bot.services.hustings_posts import HustingsPost
from bot.services.hustings_reminders import HustingsReminderPost
from bot.services.reminders import (
    MemberReminderPost,
    MemberSubscription,
    MilestonePost,
    ReminderPost,
    ResultsPost,
)

_MASS_MENTION = re.compile(r"@(everyone|here)")
_ZWSP = "\u200b"


def inert_mass_mentions(text: str) -> str:
    """`@everyone` / `@here` typed in stored text can never ping, whatever the allowed mentions."""
    return _MASS_MENTION.sub(lambda m: "@" + _ZWSP + m[1], text)


def placeholder_text(values: PlaceholderValues) -> dict[str, str]:
    """Placeholder values as message text (Discord timestamps; names made inert)."""

    def number(n: int | None) -> str:
        return "?" if n is None else f"{n:,}"

    def days(moment: datetime | None) -> str:
        # Calendar days in the server's zone: "today" on closing day, "tomorrow", "in 4 days".
        if moment is None or values.now is None or values.zone is None:
            return "?"
        return day_words(values.now, moment, ZoneInfo(values.zone))

    def counted(moment: datetime | None, fallback: int | None) -> str:
        # The same count with its unit, for messages that type one: "16 days", "1 day", "less than a day".
        if moment is None or values.now is None or values.zone is None:
            return "?" if fallback is None else plural(fallback, "day")
        left = days_between(values.now, moment, ZoneInfo(values.zone))
        return plural(left, "day") if left > 0 else "less than a day" if moment > values.now else "no days"

    results = values.results_link or ("`/results`" if values.results_published else "(results not published yet)")
    return {
        "election": md(values.election) if values.election else "(no election)",
        "nominations_close": ts(values.nominations_close, "F"),
        "ballot_open": ts(values.ballot_open, "F"),
        "ballot_close": ts(values.ballot_close, "F"),
        "days_to_nominations_close": days(values.nominations_close),
        COUNTED.format("days_to_nominations_close"): counted(
            values.nominations_close, values.days_to_nominations_close
        ),
        "days_to_ballot_close": days(values.ballot_close),
        COUNTED.format("days_to_ballot_close"): counted(values.ballot_close, None),
        "qualified": number(values.qualified),
        "threshold": md(values.threshold) if values.threshold else "(no threshold set)",
        "on_ballot": number(values.on_ballot),
        "results_link": results,
    }


def allowed_mentions(ping_role_id: int | None, ping_everyone: bool) -> discord.AllowedMentions:
    """Only the organiser's chosen role (or @everyone) may ping; never users, never other roles."""
    return discord.AllowedMentions(
        everyone=ping_everyone,
        users=False,
        roles=[discord.Object(ping_role_id)] if ping_role_id else False,
        replied_user=False,
    )


def message_post(post: MessagePost) -> Outgoing:
    """An organiser's text with placeholders filled and, first, the chosen ping."""
    body = inert_mass_mentions(fill(post.text, placeholder_text(post.values)))
    ping = "@everyone " if post.ping_everyone else (f"<@&{post.ping_role_id}> " if post.ping_role_id else "")
    return Outgoing(
        content=clip(ping + body, CONTENT_MAX), allowed_mentions=allowed_mentions(post.ping_role_id, post.ping_everyone)
    )


def _outgoing(rendered: Rendered, content: str = "") -> Outgoing:
    """The first page of a member view as a channel post (the chart as an attachment)."""
    return Outgoing(
        content=clip(content, CONTENT_MAX),
        embeds=list(rendered.pages[0]) if rendered.pages else [],
        files=rendered.files if rendered.chart else None,
    )


def event_phrase(event: str, offset_seconds: float) -> str:
    """`Nominations close in 7 days` / `The ballot opens now`."""
    label = MILESTONE_LABELS.get(event, event.replace("_", " ").capitalize())
    if offset_seconds <= 0:
        return f"{label} now"
    return f"{label} in {format_duration(timedelta(seconds=offset_seconds), max_units=2)}"


def moment_post(spec: ReminderPost) -> str | None:
    """The words of the posts at the moments themselves (None for a reminder before one)."""
    if spec.offset.total_seconds() > 0:
        return None
    election = md(spec.election)
    if spec.event == "nominations_close":
        if not spec.on_ballot:
            return f"🗳️ **Nominations have closed** in {election}. No candidate has reached the ballot."
        names = join_limited([f"**{md(n)}**" for n in spec.on_ballot], 1500)
        count = len(spec.on_ballot)
        return (
            f"🗳️ **Nominations have closed** in {election}: "
            f"{'this candidate is' if count == 1 else f'these {count} candidates are'} on the ballot: {names}."
        )
    if spec.event == "ballot_open":
        text = f"🗳️ **The ballot is open** in {election}"
        text += "." if spec.how_to_vote == "" else f".\n**How to vote:** {inert_mass_mentions(spec.how_to_vote)}"
        if spec.slates:
            text += "\nSlates standing: " + ", ".join(md(s) for s in spec.slates) + " (`/slate compare`)."
        return text
    return None


def alert(text: str) -> Outgoing:
    """A note to organisers in the alert channel."""
    return Outgoing(content=clip(text, CONTENT_MAX))


def member_dm(post: MemberReminderPost, guild_name: str | None) -> Outgoing:
    """A member's reminder DM."""
    where = f" in **{md(guild_name)}**" if guild_name else ""
    if post.kind is SubscriptionKind.BRANCH:
        text = f"⏰ **{md(post.subject)}** holds its nomination meeting {ts_full(post.event_at)}{where}."
    else:
        label = MILESTONE_LABELS.get(post.event, post.event)
        text = f"⏰ **{md(post.subject)}**{where}: {label.lower()} {ts_full(post.event_at)}."
    text += "\n-# You asked for this reminder. `/remind list` shows your reminders; `/remind stop` stops them."
    return Outgoing(content=clip(text, CONTENT_MAX))


def schedule_reply(item: Announcement, upcoming: Sequence[datetime], election: str | None) -> discord.Embed:
    """`/announce schedule` and `/announce post`: what was stored and its next three posts."""
    embed = discord.Embed(title=f"Announcement #{item.id} scheduled", colour=BRAND_COLOUR)
    embed.add_field(name="Channel", value=f"<#{item.channel_id}>", inline=True)
    embed.add_field(name="Repeats", value=item.schedule.recurrence.describe(), inline=True)
    if item.schedule.until:
        embed.add_field(name="Until", value=ts(item.schedule.until, "F"), inline=True)
    embed.add_field(name="Next posts", value="\n".join(ts_full(at) for at in upcoming) or "none", inline=False)
    what = f"Live view: **{item.view.value}**" if item.view else clip(md(item.content), 1000)
    embed.add_field(name="Posts", value=what, inline=False)
    if election:
        embed.add_field(name="Election", value=md(election), inline=True)
    if item.ping_everyone:
        embed.add_field(name="Pings", value="@​everyone", inline=True)
    elif item.ping_role_id:
        embed.add_field(name="Pings", value=f"<@&{item.ping_role_id}>", inline=True)
    if not item.view:  # the command's option description has room for only a few of them
        listed = "\n".join(f"`{{{name}}}` {meaning}" for name, meaning in PLACEHOLDERS.items())
        embed.add_field(name="Placeholders you can use", value=listed, inline=False)
    embed.set_footer(text=f"Times in {item.schedule.zone}. /announce preview {item.id} · /announce cancel {item.id}")
    return embed


def announcement_line(item: Announcement, upcoming: Sequence[datetime]) -> str:
    """One line of `/announce list`."""
    what = f"live **{item.view.value}** view" if item.view else f"“{clip(md(item.content), 60)}”"
    nxt = ts_full(upcoming[0]) if upcoming else "no further posts"
    repeats = f"{item.schedule.recurrence.describe()} ({item.schedule.zone} time)"
    return f"**#{item.id}** → <#{item.channel_id}> · {repeats} · next {nxt}\n{what}"


def announcement_list(
    items: Sequence[tuple[Announcement, Sequence[datetime]]], reminders: Sequence[tuple[str, ElectionReminders]]
) -> discord.Embed:
    """`/announce list`."""
    embed = discord.Embed(title="Scheduled announcements", colour=BRAND_COLOUR)
    lines = [announcement_line(item, up) for item, up in items]
    embed.description = join_limited(lines, 3800, sep="\n\n", more="…and {n} more") or "Nothing scheduled."
    for name, r in reminders[:10]:
        state = "on" if r.enabled else "off"
        embed.add_field(
            name=f"Automatic reminders — {clip(md(name), 200)}: {state}",
            value=describe_offsets(r.offsets),
            inline=False,
        )
    return embed


_STATUS_WORDS = {
    DeliveryStatus.PENDING: "waiting",
    DeliveryStatus.SENDING: "sending",
    DeliveryStatus.SENT: "sent",
    DeliveryStatus.LATE: "sent late",
    DeliveryStatus.MISSED: "missed",
    DeliveryStatus.FAILED: "failed",
    DeliveryStatus.CANCELLED: "cancelled",
    DeliveryStatus.SKIPPED: "skipped",
}


def message_link(guild_id: int, channel_id: int | None, message_id: int | None) -> str | None:
    """A jump link to a posted message."""
    if not channel_id or not message_id:
        return None
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def history_line(row: Delivery) -> str:
    """Due, sent (with link), or why not."""
    what = {"announcement": f"#{row.source_id}", "election": "reminder", "alert": "alert"}.get(row.source.value, "")
    if row.source.value == "election" and row.detail.get("kind") in ("milestone", "results"):
        what = "milestone" if row.detail.get("kind") == "milestone" else "results"
    if what == "milestone" and row.detail.get("candidate"):
        what = f"milestone: {row.detail['candidate']} reached the threshold"  # which candidate the line is about
    line = f"`{clip(what, 120)}` due {ts(row.due_at, 'f')} — **{_STATUS_WORDS[row.status]}**"
    if row.sent_at and row.status in (DeliveryStatus.SENT, DeliveryStatus.LATE):
        link = message_link(row.guild_id, row.channel_id, row.message_id)
        line += f" {ts(row.sent_at, 'f')}" + (f" · [message]({link})" if link else "")
    elif row.reason:
        line += f": {clip(row.reason, 200)}"
    return line


def history(rows: Sequence[Delivery], title: str) -> discord.Embed:
    """`/announce history`."""
    embed = discord.Embed(title=title, colour=NEUTRAL_COLOUR)
    embed.description = join_limited([history_line(r) for r in rows], 3900, sep="\n") or "Nothing delivered yet."
    return embed


def reminders_reply(election: str, item: ElectionReminders, upcoming: Sequence[datetime]) -> str:
    """`/announce reminders`."""
    if not item.enabled:
        return f"Automatic reminders for **{md(election)}** are **off**."
    nxt = ", ".join(ts_full(at) for at in upcoming[:3]) or "none scheduled (check the election's dates)"
    return (
        f"Automatic reminders for **{md(election)}** are **on** ({describe_offsets(item.offsets)}), plus a post "
        "when a candidate reaches the threshold, when nominations close (who is on the ballot), when the ballot "
        f"opens (how to vote) and when results are published.\nNext: {nxt}"
    )


def hustings_post_reply(election: str, on: bool) -> str:
    """`/announce reminders hustings_post:`."""
    if on:
        return f"Each new hustings of **{md(election)}** is announced in the announcement channel."
    return f"New hustings of **{md(election)}** are not announced in the announcement channel."


def subscription_line(sub: MemberSubscription) -> str:
    """One line of `/remind list`."""
    s = sub.subscription
    kind = "branch meeting" if s.kind is SubscriptionKind.BRANCH else "deadlines"
    line = f"**{md(sub.subject)}** ({kind}, {format_duration(s.before)} before)"
    if s.status == "paused":
        return line + f" — ⏸️ paused: {s.paused_reason or 'stopped'}. Run the command again to resume."
    return line + (f" — next {ts_full(sub.next_at)}" if sub.next_at else f" — {quiet_text(sub, short=True)}")


def quiet_text(sub: MemberSubscription, *, short: bool = False) -> str:
    """Why a reminder has nothing coming, as it actually is (no date yet, all past, or too close to remind)."""
    s = sub.subscription
    lead = format_duration(s.before)
    branch = s.kind is SubscriptionKind.BRANCH
    what = "meeting" if branch else "deadline"
    reason, at = sub.quiet or (Quiet.NO_DATE, None)
    if reason is Quiet.PASSED and at is not None:
        text = f"the {what} was {ts_full(at)}" if branch else f"the last deadline was {ts_full(at)}"
        return text if short else f"{text[:1].upper()}{text[1:]}; I'll remind you if a new date is set."
    if reason is Quiet.TOO_SOON and at is not None:
        text = f"the next {what} is {ts_full(at)}, sooner than {lead}"
        return text if short else f"{text[:1].upper()}{text[1:]}, so there is no time left to remind you before it."
    text = "no meeting date is set yet" if branch else "no upcoming deadlines are set yet"
    return text if short else f"{text[:1].upper()}{text[1:]}; I'll remind you once there is one."


DM_HINT = "I'll DM you, so keep DMs from this server's members switched on (Privacy Settings)."


def subscribed_reply(sub: MemberSubscription) -> str:
    """`/remind branch` and `/remind deadlines`: what the member will get, and when first."""
    lead = format_duration(sub.subscription.before)
    subject = md(sub.subject)
    if sub.subscription.kind is SubscriptionKind.BRANCH:
        text = f"OK — I'll remind you {lead} before **{subject}**'s nomination meeting."
        text += f" Next: {ts_full(sub.next_at)}." if sub.next_at else f" {quiet_text(sub)}"
    else:
        text = f"OK — I'll remind you {lead} before each deadline of **{subject}**."
        text += f" First: {ts_full(sub.next_at)}." if sub.next_at else f" {quiet_text(sub)}"
    return f"{text}\n{DM_HINT}"


def stopped_reply(stopped: Sequence[MemberSubscription]) -> str:
    """`/remind stop`."""
    if not stopped:
        return "You had no reminders."
    names = ", ".join(f"**{md(s.subject)}**" for s in stopped)
    return clip(f"Stopped {len(stopped)} reminder{'s' if len(stopped) != 1 else ''}: {names}.", CONTENT_MAX)


def subscription_list(subs: Sequence[MemberSubscription]) -> str:
    """`/remind list`."""
    if not subs:
        return "You have no reminders. Try `/remind deadlines` or `/remind branch`."
    return clip("Your reminders:\n" + "\n".join(f"• {subscription_line(s)}" for s in subs), CONTENT_MAX)


#: The stateless buttons under a post about an election (its slug → a view of DynamicItems).
Buttons = Callable[[str], discord.ui.View]


def post_election(spec: object) -> str | None:
    """The slug of the election a channel post is about (its Remind me button's), or None (alerts, DMs)."""
    if isinstance(spec, MessagePost | ViewPost):
        return spec.slug
    if isinstance(spec, ReminderPost | MilestonePost | ResultsPost):
        return spec.slug or None
    return None


class PostComposer:
    """Turns the services' post specs into messages at send time (the delivery engine's composer).

    Posts about an election carry `buttons(slug)` (the cog's stateless Remind me button): a press works
    on any post, after a restart too, since the custom id carries the election.
    """

    def __init__(
        self,
        charts: ChartCache | None = None,
        guild_name: Callable[[int], str | None] | None = None,
        buttons: Buttons | None = None,
    ) -> None:
        self.charts = charts or ChartCache()
        self.guild_name = guild_name or (lambda _guild_id: None)
        self.buttons = buttons

    async def _chart(self, key: tuple, spec: AnySpec | None) -> ChartImage | None:
        return await self.charts.chart(key, spec)

    async def view(self, view: LiveView, model: Any) -> Rendered:
        """Render a live view exactly as the member command does."""
        if view is LiveView.NOMINATIONS:
            spec = nomination_render.progress_chart_spec(model)
            chart = await self._chart(("nominations", model.header.slug, model.provenance.version), spec)
            timed = nomination_render.over_time_chart_spec(model)
            over_time = await self._chart(("nominations-time", model.header.slug, model.provenance.version), timed)
            return nomination_render.nominations_progress(model, chart, over_time)
        if view is LiveView.RESULTS:
            chart = None
            if model.summary is not None:
                spec = result_render.results_chart_spec(model)
                version = model.provenance.version if model.provenance else 0
                chart = await self._chart(("results", model.header.slug, version), spec)
            return result_render.results(model, chart)
        if view is LiveView.TIMELINE:
            return election_render.election_info(model)
        return slate_render.slate_compare(model)

    async def __call__(self, spec: object) -> Outgoing:
        """The message for one post spec, with its buttons."""
        message = await self._compose(spec)
        slug = post_election(spec)
        if slug and self.buttons is not None:
            message.view = self.buttons(slug)
        return message

    async def _compose(self, spec: object) -> Outgoing:
        if isinstance(spec, AlertPost):
            return alert(spec.text)
        if isinstance(spec, MessagePost):
            return message_post(spec)
        if isinstance(spec, ViewPost):
            return _outgoing(await self.view(spec.view, spec.model), inert_mass_mentions(spec.intro))
        if isinstance(spec, ReminderPost):
            moment = moment_post(spec)
            if moment is not None:
                if spec.progress is not None:
                    return _outgoing(await self.view(LiveView.NOMINATIONS, spec.progress), moment)
                return Outgoing(content=clip(moment, CONTENT_MAX))
            text = f"⏰ **{event_phrase(spec.event, spec.offset.total_seconds())}** — {md(spec.election)}: "
            text += ts_full(spec.event_at)
            if spec.progress is not None:
                return _outgoing(await self.view(LiveView.NOMINATIONS, spec.progress), text)
            return Outgoing(content=clip(text, CONTENT_MAX))
        if isinstance(spec, MilestonePost):
            return Outgoing(
                content=clip(
                    f"🎉 **{md(spec.candidate)}** has reached the nomination threshold in {md(spec.election)}: "
                    f"{spec.nominations:,} nominations (needed {spec.required:,}). "
                    f"{spec.qualified_count:,} candidate{'s have' if spec.qualified_count != 1 else ' has'} "
                    "qualified so far.",
                    CONTENT_MAX,
                )
            )
        if isinstance(spec, ResultsPost):
            rendered = await self.view(LiveView.RESULTS, spec.results)
            return _outgoing(rendered, f"📣 The results of **{md(spec.election)}** are published.")
        if isinstance(spec, MemberReminderPost):
            return member_dm(spec, self.guild_name(spec.guild_id))
        if isinstance(spec, HustingsReminderPost):
            return hustings_render.hour_reminder_dm(spec, self.guild_name(spec.guild_id))
        if isinstance(spec, HustingsPost):
            return hustings_render.hustings_post(spec)  # with its own buttons
        raise TypeError(f"no renderer for {type(spec).__name__}")
