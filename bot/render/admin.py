"""Replies for the moderator tools: change summaries, timelines, settings, the audit log, confirmations.

Everything a moderator typed is shown escaped (no markdown tricks, no mentions) and every message is
sent with mentions disabled. Confirmation buttons are stateless (`cogs._confirm`): they carry a stored
pending change's id, work only for the right moderator, re-check permission on every press, and expire.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import discord

from bot.domain.admin_rules import TIMELINE_LABELS, audit_kind, diff
from bot.domain.audit import AuditEntry
from bot.domain.models import Election, Timeline
from bot.domain.settings import GuildSettings
from bot.errors import UserError
from bot.render.common import (
    BRAND_COLOUR,
    DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    NEUTRAL_COLOUR,
    add_field,
    chunk_lines,
    clip,
    follow_up,
    md,
    ts,
)

log = logging.getLogger(__name__)

#: Seconds a confirmation's buttons stay live (tests shorten it to see expiry).
CONFIRM_TIMEOUT: float = 300.0

NOT_YOURS = "Only the moderator who ran this command can press these buttons."
EXPIRED = "This confirmation expired; nothing was changed. Run the command again."
CANCELLED = "Cancelled; nothing was changed."

OK_COLOUR = discord.Colour(0x2E8B57)
WARN_COLOUR = discord.Colour(0xE0A800)
DANGER_COLOUR = discord.Colour(0xC0392B)

NO_MENTIONS = discord.AllowedMentions.none()

_VERBS = {
    "create": "Created", "add": "Added", "edit": "Updated", "timeline": "Timeline set for", "delete": "Deleted",
    "remove": "Removed", "status": "Status changed for", "set": "Votes entered for", "publish": "Published",
    "unpublish": "Unpublished", "roles": "Roles updated", "channels": "Channels updated",
    "timezone": "Time zone set", "import": "Imported",
}  # fmt: skip

_TIME_KEYS = set(Timeline.FIELDS) | {"meeting"}
_CHANNEL_KEYS = {"announce_channel_id", "alert_channel_id", "channel", "channel_id"}
_ROLE_KEYS = {"moderator_role_ids", "organiser_role_ids"}
#: Stored ids the row's subject already names: not shown to people.
_HIDDEN_KEYS = {
    "election_id", "guild_id", "body_id", "candidate_id", "slate_id", "id",
    "version", "fingerprint", "counts",  # bookkeeping: the data version, a results checksum, totals `changes` repeats
}  # fmt: skip
_ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)")
_KEY_WORDS = {
    **TIMELINE_LABELS,
    "announce_channel_id": "announcement channel",
    "alert_channel_id": "alert channel",
    "moderator_role_ids": "moderator roles",
    "organiser_role_ids": "organiser roles",
    "voting_system": "voting system",
    "photo_url": "photo",
    "two_person_publish": "two-person publish",
    "grace_minutes": "grace minutes",
}


def key_label(key: str) -> str:
    """A stored field name as words ("nominations_close" → "nominations close")."""
    return _KEY_WORDS.get(key, key.replace("_", " "))


# ---------------------------------------------------------------------------------------- values


def show_value(key: str, value: Any, limit: int = 200) -> str:
    """A stored value as the moderator should read it: times as Discord timestamps, ids as mentions."""
    if value is None or value == "" or value == [] or value == {}:
        return "–"
    if isinstance(value, str) and (key in _TIME_KEYS or _ISO_INSTANT.fullmatch(value.strip())):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                return ts(moment, "F")
        except ValueError:
            pass
    if key in _CHANNEL_KEYS and (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
        return f"<#{value}>"
    if key in _ROLE_KEYS and isinstance(value, list):
        return ", ".join(f"<@&{i}>" for i in value) or "–"
    if isinstance(value, bool):
        return "on" if value else "off"
    if key == "threshold" and isinstance(value, dict):
        shown = f"{value.get('value', 0):g}"
        return f"{shown}%" if value.get("percent") else shown
    if isinstance(value, dict):  # plain words, never a Python repr ("ballot closes: 1 day")
        return clip("; ".join(f"{key_label(k)}: {show_value(k, v, limit)}" for k, v in value.items()), limit)
    text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return md(clip(" ".join(text.split()), limit))


def change_lines(before: dict[str, Any] | None, after: dict[str, Any] | None, limit: int = 20) -> list[str]:
    """`field: before → after` for each changed field (just the values for an add or a removal)."""
    lines: list[str] = []
    if before is None and after is not None:
        lines = [f"**{key_label(k)}**: {show_value(k, v)}" for k, v in after.items() if _shown(k, v)]
    elif after is None and before is not None:
        lines = [f"**{key_label(k)}**: {show_value(k, v)}" for k, v in before.items() if _shown(k, v)]
    else:
        lines = [
            f"**{key_label(k)}**: {show_value(k, a, 120)} → {show_value(k, b, 120)}"
            for k, a, b in diff(before, after)
            if k not in _HIDDEN_KEYS
        ]
    if len(lines) > limit:
        lines = [*lines[:limit], f"… and {len(lines) - limit} more"]
    return lines


def _shown(key: str, value: Any) -> bool:
    return key not in _HIDDEN_KEYS and value not in (None, "", [], {})


def _headline(action: str, entity: str) -> str:
    verb = _VERBS.get(action.split(".", 1)[-1], action)
    kind = audit_kind(action)
    target = md(clip(entity, 150))
    if kind in ("config",):
        return verb
    return f"{verb} {kind} **{target}**" if target else f"{verb} {kind}"


# ------------------------------------------------------------------------------------------ replies


def outcome_embed(action: str, entity: str, before: dict | None, after: dict | None, note: str = "") -> discord.Embed:
    """The reply to a change: what changed, before → after."""
    colour = DANGER_COLOUR if action.endswith((".delete", ".remove", ".unpublish")) else OK_COLOUR
    lines = change_lines(before, after) or ["Nothing changed."]
    description = "\n".join(lines)
    if note:
        description = f"{description}\n\n{note}"
    embed = discord.Embed(title=clip(_headline(action, entity), 256), colour=colour)
    embed.description = clip(description, DESCRIPTION_MAX)
    return embed


def timeline_embed(election: Election, zone: str) -> discord.Embed:
    """The timeline as understood: each instant as a Discord timestamp (every reader's local time)."""
    embed = discord.Embed(title=clip(f"Timeline of {md(election.name)}", 256), colour=OK_COLOUR)
    lines = [f"**{TIMELINE_LABELS[name]}**: {ts(getattr(election.timeline, name), 'F')}" for name in Timeline.FIELDS]
    embed.description = "\n".join(lines) + f"\n\nTimes you type are read in **{md(zone)}**."
    return embed


def publish_pending_text(election: Election, requested_name: str) -> str:
    """The first moderator's reply when two-person publish is on."""
    return (
        f"Two-person publish is on: your request to publish the results of **{md(election.name)}** is recorded "
        f"(by {md(requested_name)}). A **different** moderator must now run `/admin results publish "
        f"election:{election.slug}` to publish them. Nothing is shown to members until then."
    )


TWO_PERSON_OFF_PENDING = (
    "Two-person publish is on, so switching it off needs a second moderator too. Your request is recorded: a "
    "**different** moderator must now run `/admin config roles two_person_publish:False` to switch it off. "
    "Until then the rule stays on."
)


SECOND_MODERATOR_VOTES = (
    "Two-person publish is on and these results are published, so this edit waits for a second moderator: "
    "members still see the published figures. A **different** moderator must enter the same votes with "
    "`/admin results set` to confirm it."
)


SECOND_MODERATOR_CHANGE = (
    "Two-person publish is on, so this change to what members see of results waits for a second moderator: "
    "nothing has changed yet. A **different** moderator must make the same change to confirm it."
)
SECOND_MODERATOR_IMPORT = (
    "Two-person publish is on and this file changes results members can see, so it waits for a second "
    "moderator: nothing was imported yet. A **different** moderator must import the same file to confirm it."
)


def settings_embed(settings: GuildSettings, default_zone: str, limits: tuple[int, int] | None = None) -> discord.Embed:
    """The guild's configuration; `limits` are the host's per-server caps (announcements, sources)."""
    embed = discord.Embed(title="Hustings settings", colour=BRAND_COLOUR)
    add_field(
        embed,
        "Moderator roles",
        show_value("moderator_role_ids", settings.moderator_role_ids) + "\n(and everyone with Manage Server)",
    )
    add_field(embed, "Organiser roles", show_value("organiser_role_ids", settings.organiser_role_ids))
    add_field(embed, "Announcements", show_value("announce_channel_id", settings.announce_channel_id), inline=True)
    add_field(embed, "Alerts (audit mirror)", show_value("alert_channel_id", settings.alert_channel_id), inline=True)
    add_field(embed, "Time zone", md(settings.timezone or f"{default_zone} (default)"), inline=True)
    add_field(embed, "Two-person publish", "on" if settings.two_person_publish else "off", inline=True)
    add_field(embed, "Audit log kept", f"{settings.audit_retention_days} days", inline=True)
    if limits is not None:
        add_field(
            embed,
            "Limits (set by the bot's host)",
            f"up to {limits[0]} scheduled announcements and {limits[1]} sources per server",
        )
    return embed


def audit_line(entry: AuditEntry) -> str:
    """One audit row as a line: when, who, what, before → after."""
    who = md(clip(entry.actor_name, 60))
    if entry.denied:
        tried = _audit_words(entry.action, clip(entry.entity or "", 80), _AUDIT_TRIES)
        times = (
            f" ({entry.repeats} times, last {ts(entry.last_at, 'R')})" if entry.repeats > 1 and entry.last_at else ""
        )
        return f"{ts(entry.at, 'f')} ⛔ **{who}** was refused (tried to {tried}){times}"
    what = _audit_words(entry.action, clip(entry.entity or "", 80))
    if isinstance(entry.after, dict) and entry.after.get("awaiting_second_moderator"):
        what = f"asked to publish the results of **{md(clip(entry.entity or '', 80))}** (a second moderator must agree)"
    changes = change_lines(entry.before, entry.after, limit=4)
    detail = ("\n  " + "\n  ".join(changes)) if changes else ""
    return f"{ts(entry.at, 'f')} **{who}** {what}{detail}"


#: Audit actions as what a person did ("election.timeline" → "set the timeline of election").
_AUDIT_VERBS = {
    "create": "created", "add": "added", "edit": "changed", "timeline": "set the timeline of", "delete": "deleted",
    "remove": "removed", "status": "changed the status of", "set": "entered votes for", "publish": "published",
    "unpublish": "unpublished", "roles": "changed the bot's roles", "channels": "changed the bot's channels",
    "timezone": "set the time zone", "import": "imported", "schedule": "scheduled", "cancel": "cancelled",
    "reminders": "changed automatic reminders for", "reject": "rejected a change from", "approve": "approved",
}  # fmt: skip
_AUDIT_TRIES = {
    "create": "create", "add": "add", "edit": "change", "timeline": "set the timeline of", "delete": "delete",
    "remove": "remove", "status": "change the status of", "set": "enter votes for", "publish": "publish",
    "unpublish": "unpublish", "roles": "change the bot's roles", "channels": "change the bot's channels",
    "timezone": "set the time zone", "import": "import", "schedule": "schedule", "cancel": "cancel",
    "reminders": "change automatic reminders for", "reject": "reject a change from", "approve": "approve",
    "show": "see the settings", "audit": "read the audit log",
}  # fmt: skip
_AUDIT_KINDS = {"announce": "announcement", "data": "file", "config": "", "source": "source", "body": "branch"}


def _audit_words(action: str, entity: str, verbs: dict[str, str] | None = None) -> str:
    """An audit action in words, naming its subject: "set the timeline of election **club-2027**"."""
    kind, _, verb_key = action.partition(".")
    verb = (verbs or _AUDIT_VERBS).get(verb_key, verb_key.replace("_", " ") or action)
    noun = _AUDIT_KINDS.get(kind, kind.replace("_", " "))
    target = f"**{md(entity)}**" if entity else ""
    if noun and entity.casefold().startswith(noun):
        noun = ""  # "announcement #3" names itself
    if verb_key in ("roles", "channels", "timezone", "show", "audit"):
        return f"{verb} ({target})" if target and verb_key == "timezone" else verb
    return " ".join(part for part in (verb, noun, target) if part)


def timezone_note(outcome: Any) -> str:
    """After a time zone change: the announcements still in another zone, and how to move them."""
    left = int(outcome.extra.get("other_zone", 0))
    zone = md(str((outcome.after or {}).get("timezone", "")))
    moved = int(outcome.extra.get("moved", 0))
    if moved:
        return f"{moved} scheduled announcement{'s' if moved != 1 else ''} moved to {zone}, at the same clock times."
    if not left:
        return ""
    them = "announcement still repeats" if left == 1 else "announcements still repeat"
    return (
        f"{left} scheduled {them} in the zone it was written in (see `/announce list`). To move them to {zone} "
        f"at the same clock times, run `/admin config timezone zone: {zone} move_announcements: True`."
    )


def audit_embeds(entries: Sequence[AuditEntry]) -> list[discord.Embed]:
    """Recent audit rows, newest first, over as many embeds as fit one message (6,000 characters)."""
    if not entries:
        return [discord.Embed(title="Audit log", description="No matching changes.", colour=NEUTRAL_COLOUR)]
    pages = chunk_lines((audit_line(e) for e in entries), max_lines=25, max_chars=2800)
    embeds: list[discord.Embed] = []
    used = 0
    for page in pages:
        text = "\n".join(page)
        if used + len(text) > EMBED_TOTAL_MAX - 200:
            break
        embeds.append(discord.Embed(description=text, colour=NEUTRAL_COLOUR))
        used += len(text)
    embeds[0].title = "Audit log"
    shown = sum(len(p) for p in pages[: len(embeds)])
    if shown < len(entries):
        embeds[-1].set_footer(text=f"Showing the latest {shown} of {len(entries)}; use a smaller limit or filters.")
    return embeds


def audit_mirror_text(entry: AuditEntry) -> str:
    """An audit row as posted to the alert channel (sent with mentions disabled)."""
    return clip(f"📝 {audit_line(entry)}", 2000)


def import_embed(
    summary_lines: Sequence[str],
    *,
    filename: str,
    dry_run: bool,
    problems: Sequence[str] = (),
    large_removal: str | None = None,
) -> discord.Embed:
    """The diff an import would make, with a note on what happens next."""
    title = f"Import preview: {md(clip(filename, 100))}"
    body = "\n".join(md(line) for line in summary_lines) or "No changes: the file matches what is stored."
    if problems:
        body += "\n\n**Problems**\n" + "\n".join(f"• {md(p)}" for p in problems)
    if large_removal:
        body += f"\n\n**Warning:** {md(large_removal[:1].upper() + large_removal[1:])}."
    if dry_run:
        body += "\n\nDry run: nothing was changed."
    elif large_removal:
        body += "\n\nPress **Apply** to review the removal (you will be asked once more), or **Cancel**."
    else:
        body += "\n\nPress **Apply** to make these changes in one go, or **Cancel**."
    return discord.Embed(title=clip(title, 256), description=clip(body, DESCRIPTION_MAX), colour=WARN_COLOUR)


def import_danger_embed(large_removal: str, filename: str) -> discord.Embed:
    """The second question before an import removes a large share of an election's rows."""
    body = (
        f"Importing **{md(clip(filename, 100))}** {md(large_removal.removeprefix('it '))}.\n"
        "If the file is this week's rows only, cancel and import it without `replace`, which only adds and "
        "updates.\n\nPress **Remove and import** only if these rows really should go."
    )
    return discord.Embed(title="Remove this many rows?", description=clip(body, DESCRIPTION_MAX), colour=DANGER_COLOUR)


# ----------------------------------------------------------------------------------------- views

Callback = Callable[[discord.Interaction], Awaitable[None]]


async def send(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    embeds: Sequence[discord.Embed] = (),
    view: discord.ui.View | None = None,
    file: discord.File | None = None,
) -> None:
    """Reply ephemerally (or follow up when already acknowledged), never pinging anyone."""
    kwargs: dict[str, Any] = {"content": content, "ephemeral": True, "allowed_mentions": NO_MENTIONS}
    all_embeds = [*([embed] if embed else []), *embeds]
    if all_embeds:
        kwargs["embeds"] = all_embeds
    if view is not None:
        kwargs["view"] = view
    if file is not None:
        kwargs["file"] = file
    if not interaction.response.is_done():
        await interaction.response.send_message(**kwargs)
    else:  # the first answer after a deferral fills the "thinking…" message
        await follow_up(
            interaction, content=content, embeds=all_embeds, view=view, files=[file] if file is not None else []
        )


def incomplete_embed(parts: Sequence[str]) -> discord.Embed:
    """What looks unfinished in a result, shown above its preview."""
    return discord.Embed(
        title="Check before publishing",
        description=clip("\n".join(f"• {md(p)}" for p in parts), 4000),
        colour=WARN_COLOUR,
    )


#: The longest text a form field holds (Discord's text input limit).
FORM_TEXT_MAX = 4000


class StatementModal(discord.ui.Modal):
    """Edit a candidate's statement and links in a form (long text does not fit a slash option).

    Uses the current modal layout (each text input inside a Label component) and pre-fills the stored
    text whole: a form that cut it would save the cut text back.
    """

    def __init__(self, *, candidate_name: str, bio: str, links: dict[str, str], on_submit: Callback) -> None:
        super().__init__(title=clip(f"Statement: {candidate_name}", 45), timeout=CONFIRM_TIMEOUT * 3)
        self._on_submit = on_submit
        links_text = "\n".join(f"{k} {v}" for k, v in links.items())
        if len(bio) > FORM_TEXT_MAX or len(links_text) > FORM_TEXT_MAX:
            raise UserError(
                "This statement or its links are longer than a form can hold, so editing them here would cut "
                "them: change them with `/admin data import` instead."
            )
        self.statement: discord.ui.TextInput = discord.ui.TextInput(
            custom_id="statement",
            style=discord.TextStyle.paragraph,
            default=bio or None,
            required=False,
            max_length=max(1500, len(bio)),
            placeholder="What the candidate stands for (up to 1,500 characters)",
        )
        self.links: discord.ui.TextInput = discord.ui.TextInput(
            custom_id="links",
            style=discord.TextStyle.paragraph,
            required=False,
            default=links_text or None,
            max_length=FORM_TEXT_MAX,
        )
        self.add_item(discord.ui.Label(text="Statement", component=self.statement))
        self.add_item(discord.ui.Label(text="Links", description="One per line: label https://…", component=self.links))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Acknowledge within Discord's 3 seconds, then hand the form to the cog's callback (which goes
        through the service and its checks and fills the loading reply)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._on_submit(interaction)

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any] | None = None, /
    ) -> None:
        """Show a fixable problem as its sentence; log anything else (`item` only matches View's signature)."""
        if isinstance(error, UserError):
            text = str(error)
        else:
            log.error("statement form failed", exc_info=error)
            text = "Sorry, that didn't work; nothing was changed."
        await send(interaction, text)


def preview_banner() -> discord.Embed:
    """Marks a results preview so nobody mistakes it for what members see now."""
    return discord.Embed(
        title="Preview — not yet published",
        description="This is what members will see after `/admin results publish`. Only you can see it.",
        colour=WARN_COLOUR,
    )


def import_done_embed(summary_lines: Sequence[str], filename: str) -> discord.Embed:
    """The reply once an import is applied."""
    body = "\n".join(md(line) for line in summary_lines)
    return discord.Embed(
        title=clip(f"Imported {md(clip(filename, 100))}", 256),
        description=clip(body, DESCRIPTION_MAX),
        colour=OK_COLOUR,
    )
