"""Replies for the moderator tools: change summaries, timelines, settings, the audit log, confirmations.

Everything a moderator typed is shown escaped (no markdown tricks, no mentions) and every message is
sent with mentions disabled. Confirmation views only work for the moderator who ran the command,
re-check permission on every press (the callback goes through the service), and expire.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import datetime
from typing import Any

import discord

from bot.domain.admin_rules import TIMELINE_LABELS, audit_kind, diff
from bot.domain.models import Election, Timeline
from bot.errors import UserError
from bot.render.common import (
    BRAND_COLOUR,
    DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    NEUTRAL_COLOUR,
    add_field,
    chunk_lines,
    clip,
    md,
    ts,
)
from bot.store.audit import AuditEntry
from bot.store.meta import GuildSettings

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
_CHANNEL_KEYS = {"announce_channel_id", "alert_channel_id"}
_ROLE_KEYS = {"moderator_role_ids", "organiser_role_ids"}


# ---------------------------------------------------------------------------------------- values


def show_value(key: str, value: Any, limit: int = 200) -> str:
    """A stored value as the moderator should read it: times as Discord timestamps, ids as mentions."""
    if value is None or value == "" or value == [] or value == {}:
        return "–"
    if key in _TIME_KEYS and isinstance(value, str):
        try:
            return ts(datetime.fromisoformat(value), "F")
        except ValueError:
            pass
    if key in _CHANNEL_KEYS and isinstance(value, int):
        return f"<#{value}>"
    if key in _ROLE_KEYS and isinstance(value, list):
        return ", ".join(f"<@&{i}>" for i in value) or "–"
    if isinstance(value, bool):
        return "on" if value else "off"
    if key == "threshold" and isinstance(value, dict):
        shown = f"{value.get('value', 0):g}"
        return f"{shown}%" if value.get("percent") else shown
    if isinstance(value, dict):
        text = ", ".join(f"{k}: {v}" for k, v in value.items())
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    return md(clip(" ".join(text.split()), limit))


def change_lines(before: dict[str, Any] | None, after: dict[str, Any] | None, limit: int = 20) -> list[str]:
    """`field: before → after` for each changed field (just the values for an add or a removal)."""
    lines: list[str] = []
    if before is None and after is not None:
        lines = [f"**{k}**: {show_value(k, v)}" for k, v in after.items() if v not in (None, "", [], {})]
    elif after is None and before is not None:
        lines = [f"**{k}**: {show_value(k, v)}" for k, v in before.items() if v not in (None, "", [], {})]
    else:
        lines = [f"**{k}**: {show_value(k, a, 120)} → {show_value(k, b, 120)}" for k, a, b in diff(before, after)]
    if len(lines) > limit:
        lines = [*lines[:limit], f"… and {len(lines) - limit} more"]
    return lines


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
    what = f"`{entry.action}`" + (f" {md(clip(entry.entity, 80))}" if entry.entity else "")
    if entry.denied:
        return f"{ts(entry.at, 'R')} ⛔ **{who}** was refused {what}"
    changes = change_lines(entry.before, entry.after, limit=4)
    detail = ("\n  " + "\n  ".join(changes)) if changes else ""
    return f"{ts(entry.at, 'R')} **{who}** {what}{detail}"


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
Denier = Callable[[discord.Interaction], Awaitable[None]]


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
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


class ConfirmView(discord.ui.View):
    """Confirm / Cancel for the moderator who ran the command; anyone else is refused (and audited)."""

    def __init__(
        self,
        *,
        owner_id: int,
        on_confirm: Callback,
        on_refused: Denier,
        confirm_label: str = "Confirm",
        danger: bool = True,
        timeout: float | None = None,
    ) -> None:
        super().__init__(timeout=timeout if timeout is not None else CONFIRM_TIMEOUT)
        self.owner_id = owner_id
        self._on_confirm = on_confirm
        self._on_refused = on_refused
        self.origin: discord.Interaction | None = None
        self.done = False
        self.confirm.label = clip(confirm_label, 80)
        self.confirm.style = discord.ButtonStyle.danger if danger else discord.ButtonStyle.success

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the invoking moderator may press; anyone else gets a sentence and a denied audit row."""
        if interaction.user.id == self.owner_id:
            return True
        await self._on_refused(interaction)
        await send(interaction, NOT_YOURS)
        return False

    def _disable(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True

    async def on_timeout(self) -> None:
        """Disable the buttons and say the confirmation expired."""
        if self.done:
            return
        self.done = True
        self._disable()
        if self.origin is not None:
            try:
                await self.origin.edit_original_response(content=EXPIRED, embeds=[], view=self)
            except discord.HTTPException:
                log.debug("could not mark an expired confirmation", exc_info=True)

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item) -> None:
        """A UserError (refused, not found, expired…) is shown as its sentence; anything else is logged."""
        if isinstance(error, UserError):
            text = str(error)
        else:
            log.error("admin button %r failed", getattr(item, "custom_id", item), exc_info=error)
            text = "Sorry, that didn't work; nothing was changed. Run the command again."
        try:
            await send(interaction, text)
        except discord.HTTPException:
            pass

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Run the confirmed action (the callback edits the message with the outcome)."""
        if self.done:
            await send(interaction, EXPIRED)
            return
        self.done = True  # a second press while this one runs is told it is over
        try:
            await self._on_confirm(interaction)
        except BaseException:
            self.done = False  # a refused or failed press leaves the question open (Cancel still works)
            raise
        self.stop()

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Drop the action."""
        self.done = True
        self.stop()
        await interaction.response.edit_message(content=CANCELLED, embeds=[], view=None)


Chooser = Callable[[discord.Interaction, str], Awaitable[None]]


class ChoiceView(ConfirmView):
    """Two or more ways forward plus Cancel, for the moderator who ran the command (same rules as Confirm).

    `choices` are (value, label) pairs; pressing one calls `on_choice(press, value)`.
    """

    def __init__(
        self,
        *,
        owner_id: int,
        choices: Sequence[tuple[str, str]],
        on_choice: Chooser,
        on_refused: Denier,
        timeout: float | None = None,
    ) -> None:
        super().__init__(owner_id=owner_id, on_confirm=self._unused, on_refused=on_refused, timeout=timeout)
        self.remove_item(self.confirm)
        self.remove_item(self.cancel)
        self._on_choice = on_choice
        for index, (value, label) in enumerate(choices):
            button: discord.ui.Button = discord.ui.Button(
                label=clip(label, 80),
                style=discord.ButtonStyle.primary if index == 0 else discord.ButtonStyle.secondary,
                custom_id=f"choice:{value}:{id(self)}"[:100],
            )
            button.callback = self._pressed(value)  # type: ignore[method-assign,assignment]
            self.add_item(button)
        self.add_item(self.cancel)

    @staticmethod
    async def _unused(interaction: discord.Interaction) -> None:  # the Confirm button is removed
        raise AssertionError("no Confirm button on a ChoiceView")

    def _pressed(self, value: str) -> Callable[[discord.Interaction], Coroutine[Any, Any, None]]:
        async def pressed(interaction: discord.Interaction) -> None:
            if self.done:
                await send(interaction, EXPIRED)
                return
            self.done = True
            try:
                await self._on_choice(interaction, value)
            except BaseException:
                self.done = False  # a refused or failed press leaves the question open
                raise
            self.stop()

        return pressed


def incomplete_embed(parts: Sequence[str]) -> discord.Embed:
    """What looks unfinished in a result, shown above its preview."""
    return discord.Embed(
        title="Check before publishing",
        description=clip("\n".join(f"• {md(p)}" for p in parts), 4000),
        colour=WARN_COLOUR,
    )


class StatementModal(discord.ui.Modal):
    """Edit a candidate's statement and links in a form (long text does not fit a slash option)."""

    def __init__(self, *, candidate_name: str, bio: str, links: dict[str, str], on_submit: Callback) -> None:
        super().__init__(title=clip(f"Statement: {candidate_name}", 45), timeout=CONFIRM_TIMEOUT * 3)
        self._on_submit = on_submit
        self.statement: discord.ui.TextInput = discord.ui.TextInput(
            label="Statement",
            custom_id="statement",
            style=discord.TextStyle.paragraph,
            default=bio[:1500] or None,
            required=False,
            max_length=1500,
            placeholder="What the candidate stands for (up to 1,500 characters)",
        )
        self.links: discord.ui.TextInput = discord.ui.TextInput(
            label="Links (one per line: label https://…)",
            custom_id="links",
            style=discord.TextStyle.paragraph,
            required=False,
            default="\n".join(f"{k} {v}" for k, v in links.items())[:1000] or None,
            max_length=1000,
        )
        self.add_item(self.statement)
        self.add_item(self.links)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Hand the form to the cog's callback (which goes through the service and its checks)."""
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
