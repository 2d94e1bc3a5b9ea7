"""Render Discord message payloads in a terminal: embeds as panels, buttons numbered, files saved."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

_MENTION = re.compile(r"<@[!&]?(\d+)>|<#(\d+)>")
_TIMESTAMP = re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")
_STYLES = {1: "bold blue", 2: "bold white", 3: "bold green", 4: "bold red", 5: "underline"}


@dataclass(slots=True)
class Display:
    """How the sandbox shows messages; the running sandbox holds one."""

    #: id → display name, so `<@id>` mentions read as names.
    names: dict[int, str] = field(default_factory=dict)
    #: The zone timestamps are shown in: the server's, as a member's Discord client in that zone would show them.
    zone: tzinfo = field(default_factory=lambda: ZoneInfo("Europe/London"))


def local_text(when: datetime, style: str | None = None, zone: tzinfo | None = None) -> str:
    """An instant as a member in the server's zone reads it, naming the zone ("Fri 04 Dec 2026 18:00 GMT")."""
    local = when.astimezone(zone or Display().zone)
    styles = {"t": "%H:%M %Z", "T": "%H:%M:%S %Z", "d": "%d/%m/%Y", "D": "%a %d %b %Y"}
    return local.strftime(styles.get(style or "", "%a %d %b %Y %H:%M %Z"))


def humanise_timestamps(text: str, now: datetime, display: Display | None = None) -> str:
    """Replace `<t:…>` markup with readable local text ('in 3 days' for relative) and mentions with names."""
    shown = display or Display()

    def repl(match: re.Match[str]) -> str:
        when = datetime.fromtimestamp(int(match.group(1)), UTC)
        if match.group(2) == "R":
            return _relative(when - now)
        return local_text(when, match.group(2), shown.zone)

    def mention(match: re.Match[str]) -> str:
        if match.group(2):
            return "#" + shown.names.get(int(match.group(2)), match.group(2))
        return "@" + shown.names.get(int(match.group(1)), match.group(1))

    text = _TIMESTAMP.sub(repl, text)
    return _MENTION.sub(mention, text)


def _relative(delta) -> str:
    seconds = int(delta.total_seconds())
    future = seconds >= 0
    seconds = abs(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            text = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {text}" if future else f"{text} ago"
    return "now"


_MARKDOWN = re.compile(
    r"\*\*(?P<bold>.+?)\*\*|__(?P<underline>.+?)__|~~(?P<strike>.+?)~~|`(?P<cyan>[^`]+)`"
    r"|\*(?P<italic>[^*\s](?:[^*]*?[^*\s])?)\*|\b_(?P<italic2>[^_\s](?:[^_]*?[^_\s])?)_\b"
    r"|\[(?P<link>[^\]]+)\]\((?P<url>[^)\s]+)\)|\\(?P<escaped>.)"
)
_LINE_STYLES = (("-# ", "dim"), ("### ", "bold"), ("## ", "bold"), ("# ", "bold underline"), ("> ", "italic"))
_SPAN_STYLES = {"italic2": "italic", "link": "underline blue", "escaped": ""}


def markdown_text(text: str, now: datetime, style: str = "", display: Display | None = None) -> Text:
    """Discord markdown (bold, italic, underline, strike, code, links, `-#` subtext, headings, quotes,
    escapes) and timestamps as styled terminal text."""
    plain = humanise_timestamps(text, now, display)
    result = Text(style=style)
    for number, line in enumerate(plain.split("\n")):
        if number:
            result.append("\n")
        line_style = ""
        for prefix, prefix_style in _LINE_STYLES:
            if line.startswith(prefix):
                line, line_style = line[len(prefix) :], prefix_style
                if prefix == "> ":
                    result.append("▎ ", style="dim")
                break
        last = 0
        for match in _MARKDOWN.finditer(line):
            result.append(line[last : match.start()], style=line_style)
            kind = match.lastgroup or ""
            if kind == "url":
                kind = "link"
            span = _SPAN_STYLES.get(kind, kind)
            result.append(match.group(kind), style=f"{line_style} {span}".strip())
            last = match.end()
        result.append(line[last:], style=line_style)
    return result


def _colour(value: int | None) -> str:
    return f"#{value:06x}" if value else "grey50"


def embed_panel(embed: dict[str, Any], now: datetime, display: Display | None = None) -> Panel:
    """One embed as a rich Panel: title, description, fields in a grid, footer, image note."""
    parts: list[RenderableType] = []
    if embed.get("author", {}).get("name"):
        parts.append(Text(embed["author"]["name"], style="dim"))
    if embed.get("description"):
        parts.append(markdown_text(embed["description"], now, display=display))
    fields = embed.get("fields") or []
    if fields:
        grid = Table.grid(padding=(0, 2), expand=True)
        row: list[RenderableType] = []
        for field in fields:
            cell = Group(
                markdown_text(field["name"], now, "bold", display), markdown_text(field["value"], now, display=display)
            )
            if not field.get("inline"):
                if row:
                    grid.add_row(*row)
                    row = []
                grid.add_row(cell)
                continue
            row.append(cell)
            if len(row) == 3:
                grid.add_row(*row)
                row = []
        if row:
            grid.add_row(*row)
        parts.append(grid)
    for key in ("image", "thumbnail"):
        url = (embed.get(key) or {}).get("url")
        if url:
            parts.append(Text(f"[{key}: {url}]", style="dim"))
    footer = (embed.get("footer") or {}).get("text") or ""
    if embed.get("timestamp"):
        stamp = local_text(datetime.fromisoformat(embed["timestamp"]), zone=display.zone if display else None)
        footer = f"{footer} · {stamp}" if footer else stamp
    if footer:
        parts.append(Text(footer, style="dim italic"))
    title = (
        markdown_text(embed["title"], now, display=display) if embed.get("title") else None
    )  # titles take markdown too
    return Panel(Group(*parts), title=title, title_align="left", border_style=_colour(embed.get("color")))


def buttons(components: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flatten action rows into the clickable components, in display order."""
    out: list[dict[str, Any]] = []
    for row in components or []:
        for comp in row.get("components", []):
            if comp.get("type") in (2, 3) and comp.get("custom_id"):
                out.append(comp)
    return out


def render_message(
    console: Console,
    message: dict[str, Any],
    *,
    now: datetime,
    heading: str,
    files: list[Path] | None = None,
    display: Display | None = None,
) -> list[dict[str, Any]]:
    """Print one message (content, embeds, files, numbered buttons) and return its clickable components."""
    flags = message.get("flags", 0) or 0
    tag = " (only you can see this)" if flags & 64 else ""
    console.print(Text(f"── {heading}{tag}", style="bold cyan"))
    if message.get("content"):
        console.print(markdown_text(message["content"], now, display=display))
    for embed in message.get("embeds") or []:
        console.print(embed_panel(embed, now, display))
    for path in files or []:
        console.print(Text(f"📎 saved {path}", style="magenta"))
    clickable = buttons(message.get("components") or [])
    for number, comp in enumerate(clickable, start=1):
        label = comp.get("label") or comp.get("placeholder") or comp.get("custom_id")
        state = " (disabled)" if comp.get("disabled") else ""
        console.print(Text(f"  [{number}] {label}{state}", style=_STYLES.get(comp.get("style", 2), "bold")))
    return clickable
