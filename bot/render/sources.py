"""Replies and alerts for `/admin source`: the source list, a run's diff, failures, recoveries and holds.

URLs and error text are shown escaped inside code spans so nothing in them can ping or format; a
run's diff lines and reasons carry names from the sheet, so they are markdown-escaped (a sheet must
not put a working masked link or formatting in front of moderators).
Times use Discord timestamps so each moderator sees their own local time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from bot.domain.sources import Outcome, Source, display_url, humanize
from bot.render.common import (
    BRAND_COLOUR,
    DESCRIPTION_MAX,
    NEUTRAL_COLOUR,
    TITLE_MAX,
    chunk_lines,
    clip,
    md,
    stamp_pages,
    ts,
)
from bot.render.views import SentButtons
from bot.services.sources.pipeline import SourceAlert, SyncReport

OK_COLOUR = discord.Colour(0x2E8B57)
WARN_COLOUR = discord.Colour(0xE0A800)
DANGER_COLOUR = discord.Colour(0xC0392B)

NO_MENTIONS = discord.AllowedMentions.none()

#: Sources per page of `/admin source list`.
PER_PAGE = 6

_OUTCOME_TITLES = {
    Outcome.APPLIED: "Updated from the source",
    Outcome.UNCHANGED: "The source hasn't changed",
    Outcome.NO_CHANGES: "The source matches the data already here",
    Outcome.HELD: "Held for a moderator",
    Outcome.STILL_HELD: "Still held for a moderator",
    Outcome.FAILED: "The source couldn't be read",
    Outcome.SKIPPED: "Skipped",
}
_OUTCOME_COLOURS = {
    Outcome.APPLIED: OK_COLOUR,
    Outcome.UNCHANGED: NEUTRAL_COLOUR,
    Outcome.NO_CHANGES: NEUTRAL_COLOUR,
    Outcome.HELD: WARN_COLOUR,
    Outcome.STILL_HELD: WARN_COLOUR,
    Outcome.FAILED: DANGER_COLOUR,
    Outcome.SKIPPED: NEUTRAL_COLOUR,
}


def code(text: str, limit: int = 300) -> str:
    """Text inside a code span that nothing can break out of (backticks replaced)."""
    return f"`{clip(text, limit).replace('`', 'ʹ')}`" if text else "–"


def every_text(source: Source) -> str:
    """`every 15 min` / `every 2 h`."""
    return f"every {humanize(source.every)}"


def status_text(source: Source) -> str:
    """One word or phrase for the source's state."""
    if source.held:
        return "⏸️ held for a moderator"
    if source.paused:
        return "⏸️ paused"
    if source.failures:
        return f"⚠️ failing ({source.failures} in a row)"
    if source.last_success_at is None:
        return "🕓 not read yet"
    return "✅ ok"


def source_block(source: Source) -> str:
    """A few lines describing one source for the list."""
    scope = "decides the list" if source.authoritative else "adds and updates only"
    lines = [
        f"**#{source.id}** {source.kind.value} → `{source.election}` · {every_text(source)} · {scope}",
        f"{code(display_url(source.url))} · {status_text(source)}",
        f"Last success: {ts(source.last_success_at, 'R') if source.last_success_at else 'never'}"
        f" · Next run: {'paused' if source.paused else ts(source.next_run_at, 'R')}"
        f" · Rows: {source.rows:,} (applied {source.rows_applied:,} changes in all)",
    ]
    if source.last_error and source.last_error_at:
        label = "Error" if source.failures else "Last error"
        lines.append(f"{label} {ts(source.last_error_at, 'R')}: {code(source.last_error, 200)}")
    if source.held and source.held_at:
        lines.append(f"Held since {ts(source.held_at, 'R')}: run `/admin source sync {source.id}` to review it.")
    return "\n".join(lines)


def list_embeds(sources: Sequence[Source]) -> list[discord.Embed]:
    """`/admin source list`: every source of the guild, paged."""
    if not sources:
        return [
            discord.Embed(
                title="No sources yet",
                description=(
                    "Point the bot at a published sheet or feed and it keeps the data in step:\n"
                    "`/admin source add election: <slug> kind: candidates url: <published CSV link>`"
                ),
                colour=NEUTRAL_COLOUR,
            )
        ]
    blocks = [source_block(s) for s in sources]
    pages = chunk_lines(blocks, max_lines=PER_PAGE, max_chars=DESCRIPTION_MAX - 200)
    embeds = [
        discord.Embed(title=f"Sources ({len(sources)})", description="\n\n".join(page), colour=BRAND_COLOUR)
        for page in pages
    ]
    return [page[0] for page in stamp_pages([[e] for e in embeds])]


def added_embed(source: Source) -> discord.Embed:
    """The reply to `/admin source add`."""
    scope = (
        f"It decides which {source.kind.value} this election has: rows missing from it are removed "
        "(a sudden large drop is held for a moderator instead)."
        if source.authoritative
        else "It adds and updates rows but never removes any (another source decides the list)."
    )
    embed = discord.Embed(
        title=clip(f"Source #{source.id} added", TITLE_MAX),
        description=(
            f"{source.kind.value} for `{source.election}` from {code(display_url(source.url))}, "
            f"read {every_text(source)}.\n{scope}\nThe first read starts now; see `/admin source list`."
        ),
        colour=OK_COLOUR,
    )
    return embed


def _diff_line(line: str) -> str:
    """A diff line ("candidates: +3 ~1 -0 (added: A, B, C)") with the sheet's names escaped."""
    counts, bracket, names = clip(line, 400).partition(" (")
    return f"{counts}{bracket}{md(names)}"


def _diff_text(lines: Sequence[str]) -> str:
    body = "\n".join(f"• {_diff_line(line)}" for line in lines if line)
    return clip(body, 3000)


def report_embed(report: SyncReport) -> discord.Embed:
    """The reply to `/admin source sync`: what the run did and its diff."""
    source = report.source
    embed = discord.Embed(
        title=clip(
            f"#{source.id} {source.kind.value} → {source.election}: {_OUTCOME_TITLES[report.outcome]}", TITLE_MAX
        ),
        colour=_OUTCOME_COLOURS[report.outcome],
    )
    parts: list[str] = []
    if report.outcome is Outcome.FAILED:
        parts.append(f"Nothing was changed; the last good data stays. Reason: {code(report.error or '', 500)}")
        parts.append(f"Next try {ts(source.next_run_at, 'R')}.")
    elif report.outcome in (Outcome.HELD, Outcome.STILL_HELD):
        held = source.held_summary.split("\n", 1)[0] if source.held_summary else ""
        parts.append(md(clip(report.reason if report.outcome is Outcome.HELD else held, 800)) + ".")
        parts.append("Apply it only if the sheet really is meant to look like this.")
        lines = report.lines if report.outcome is Outcome.HELD else (source.held_summary or "").split("\n")[1:]
        if lines:
            parts.append(_diff_text(lines))
    elif report.outcome is Outcome.UNCHANGED:
        parts.append("Nothing to do: no data was written.")
    elif report.lines:
        parts.append(_diff_text(report.lines))
    embed.description = clip("\n".join(parts), DESCRIPTION_MAX)
    embed.set_footer(
        text=f"Took {report.elapsed * 1000:.0f} ms" + (f" · data version {report.version}" if report.version else "")
    )
    return embed


def alert_embed(alert: SourceAlert) -> discord.Embed:
    """A message for the alert channel: a source failing, recovered, or a run held for a moderator."""
    source = alert.source
    where = f"#{source.id} {source.kind.value} → {source.election}"
    if alert.kind == "failing":
        embed = discord.Embed(
            title=clip(f"⚠️ Source {where} is failing", TITLE_MAX),
            description=(
                f"I couldn't update from {code(display_url(source.url))}: {code(alert.reason, 500)}\n"
                "Members keep seeing the last good data. I'll keep retrying, waiting longer each time, "
                f"and say here when it works again. Next try {ts(source.next_run_at, 'R')}."
            ),
            colour=DANGER_COLOUR,
        )
    elif alert.kind == "recovered":
        text = f"Source {where} is working again ({md(alert.reason)})."
        if alert.lines:
            text += "\n" + _diff_text(alert.lines)
        embed = discord.Embed(
            title=clip(f"✅ Source {where} recovered", TITLE_MAX),
            description=clip(text, DESCRIPTION_MAX),
            colour=OK_COLOUR,
        )
    else:
        text = (
            f"{md(clip(alert.reason, 800))}.\nA moderator can apply this update or keep the current data. "
            "Check the sheet first: a broken sheet must not wipe the data."
        )
        if alert.lines:
            text += "\n" + _diff_text(alert.lines)
        embed = discord.Embed(
            title=clip(f"✋ Update from source {where} held", TITLE_MAX),
            description=clip(text, DESCRIPTION_MAX),
            colour=WARN_COLOUR,
        )
    return embed


def removed_text(source: Source) -> str:
    """The reply to `/admin source remove`."""
    return (
        f"Source #{source.id} ({source.kind.value} → `{source.election}`) removed. "
        "The data it brought in stays; edit it with the admin commands or another source."
    )


def paused_text(source: Source) -> str:
    """The reply to `/admin source pause|resume`."""
    if source.paused:
        return f"Source #{source.id} paused: it won't be read until you resume it (`/admin source resume`)."
    return f"Source #{source.id} resumed: it will be read now, then {every_text(source)}."


def resolved_text(by: str, applied: bool, when: datetime) -> str:
    """What replaces a held alert's buttons once a moderator decided."""
    verb = "applied" if applied else "declined (the current data was kept)"
    return f"{verb[0].upper()}{verb[1:]} by {md(by)} {ts(when, 'R')}."


def report_text(report: SyncReport) -> list[str]:
    """A run's report as plain lines, for the command line."""
    source = report.source
    head = f"source #{source.id} ({source.kind.value} → {source.election}): {report.outcome.value}"
    lines = [f"{head} in {report.elapsed * 1000:.0f} ms"]
    if report.outcome is Outcome.FAILED:
        lines.append(f"  error: {report.error} (the last good data stays)")
    elif report.outcome in (Outcome.HELD, Outcome.STILL_HELD):
        reason = report.reason if report.outcome is Outcome.HELD else (source.held_summary or "").split("\n", 1)[0]
        lines.append(f"  held: {reason}")
        lines.append(f"  a moderator can apply or keep it with the buttons of `/admin source sync {source.id}`")
    if report.outcome is not Outcome.STILL_HELD:
        lines.extend(f"  {line}" for line in report.lines if line)
    return lines


#: Matches the custom ids `hold_button` writes (`cogs.sources.HoldButton` handles the presses).
HOLD_TEMPLATE = r"hustings:src:(?P<act>apply|keep):(?P<id>\d+):(?P<h>[0-9a-f]{1,16})"


def hold_button(act: str, source_id: int, held_hash: str) -> discord.ui.Button:
    """Apply or keep-current for a held update; the custom id carries the source and the held content's hash."""
    apply = act == "apply"
    return discord.ui.Button(
        label="Apply this update" if apply else "Keep current data",
        style=discord.ButtonStyle.danger if apply else discord.ButtonStyle.secondary,
        custom_id=f"hustings:src:{act}:{source_id}:{held_hash[:16]}",
    )


def hold_view(source: Source) -> discord.ui.View | None:
    """Apply / Keep buttons for a source's held update (None when nothing is held)."""
    if not source.held_hash:
        return None
    view = SentButtons()  # only custom-id buttons: nothing is kept once sent
    view.add_item(hold_button("apply", source.id, source.held_hash))
    view.add_item(hold_button("keep", source.id, source.held_hash))
    return view
