"""Shared pieces of every rendered view: limits, footers, timestamps, colours, text fitting, paging."""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast, overload

import discord

from bot.domain.limits import AUTHOR_MAX as AUTHOR_MAX
from bot.domain.limits import CONTENT_MAX as CONTENT_MAX
from bot.domain.limits import DESCRIPTION_MAX as DESCRIPTION_MAX
from bot.domain.limits import EMBED_TOTAL_MAX as EMBED_TOTAL_MAX
from bot.domain.limits import EMBEDS_PER_MESSAGE as EMBEDS_PER_MESSAGE
from bot.domain.limits import FIELD_NAME_MAX as FIELD_NAME_MAX
from bot.domain.limits import FIELD_VALUE_MAX as FIELD_VALUE_MAX
from bot.domain.limits import FIELDS_MAX as FIELDS_MAX
from bot.domain.limits import FOOTER_MAX as FOOTER_MAX
from bot.domain.limits import TITLE_MAX as TITLE_MAX
from bot.domain.validation import escape_markdown
from bot.services.read.view_models import Provenance

#: What a page's main embed may use of its description, leaving room for the footer and a chart embed.
PAGE_DESCRIPTION_BUDGET = 3500

BRAND_COLOUR = discord.Colour(0x3B82C4)
NEUTRAL_COLOUR = discord.Colour(0x808890)


@dataclass(frozen=True, slots=True)
class ChartImage:
    """A rendered chart: PNG bytes, the attachment file name and a text description (alt text)."""

    filename: str
    data: bytes
    description: str

    def to_file(self) -> discord.File:
        """A fresh `discord.File` (files are single-use, so make one per send)."""
        import io

        return discord.File(io.BytesIO(self.data), filename=self.filename, description=self.description[:1024])


@dataclass(slots=True)
class Rendered:
    """A view ready to send: one or more pages (each a list of embeds) and an optional chart attachment."""

    pages: Sequence[list[discord.Embed]]
    chart: ChartImage | None = None
    share_title: str = ""  # a short name for the view (announcement logs, alt text of a shared post)
    more_charts: tuple[ChartImage, ...] = ()  # further attachments after `chart` (e.g. nominations over time)

    def files(self) -> list[discord.File]:
        """Fresh attachments for every chart (files are single-use: call once per send)."""
        return [c.to_file() for c in (self.chart, *self.more_charts) if c is not None]

    @property
    def page_count(self) -> int:
        """How many pages the view has."""
        return len(self.pages)


class _StoredPages(Sequence[list[discord.Embed]]):
    """Pages kept as embed dicts; a page's embeds are built only when that page is shown."""

    __slots__ = ("_pages",)

    def __init__(self, pages: tuple[tuple[dict[str, Any], ...], ...]) -> None:
        self._pages = pages

    def __len__(self) -> int:
        return len(self._pages)

    @overload
    def __getitem__(self, index: int) -> list[discord.Embed]: ...
    @overload
    def __getitem__(self, index: slice) -> list[list[discord.Embed]]: ...
    def __getitem__(self, index: int | slice) -> list[discord.Embed] | list[list[discord.Embed]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        # from_dict keeps the nested dicts it is given: a deep copy keeps the stored page untouched.
        return [discord.Embed.from_dict(copy.deepcopy(e)) for e in self._pages[index]]


@dataclass(frozen=True, slots=True)
class StoredRendering:
    """A rendered view kept as plain data (embed dicts), shared by every reply that shows it.

    `rendered()` hands each reply its own `Rendered` whose pages are built from the dicts one at
    a time, when shown: a 500-row list costs each member only the page they look at.
    """

    pages: tuple[tuple[dict[str, Any], ...], ...]
    chart: ChartImage | None = None
    share_title: str = ""
    more_charts: tuple[ChartImage, ...] = ()

    @classmethod
    def of(cls, rendered: Rendered) -> StoredRendering:
        """Keep `rendered` as data."""
        pages = tuple(tuple(cast(dict[str, Any], e.to_dict()) for e in page) for page in rendered.pages)
        return cls(pages, rendered.chart, rendered.share_title, rendered.more_charts)

    def rendered(self) -> Rendered:
        """A fresh `Rendered` for one reply (its embeds are its own to change)."""
        return Rendered(_StoredPages(self.pages), self.chart, self.share_title, self.more_charts)


# ---------------------------------------------------------------------------------------------- text


def md(text: str | None) -> str:
    """Escape stored or user text so it cannot break the layout (markdown, masked links, mentions)."""
    if text and len(text) <= 200:  # names and labels repeat on every view: escape each once
        return _md_short(text)
    return escape_markdown(text)


@functools.lru_cache(maxsize=8192)
def _md_short(text: str) -> str:
    return escape_markdown(text)


def clip(text: str, limit: int, ellipsis: str = "…") -> str:
    """Cut text to at most `limit` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(ellipsis))].rstrip() + ellipsis


def join_limited(items: Sequence[str], limit: int, sep: str = ", ", more: str = "and {n} more") -> str:
    """Join items, summarising the tail ("…, and 12 more") so the text stays within `limit` characters."""
    if not items:
        return ""
    full = sep.join(items)
    if len(full) <= limit:
        return full
    used = 0
    best = clip(more.format(n=len(items)), limit)
    for kept, item in enumerate(items, start=1):
        used += len(item) + (len(sep) if kept > 1 else 0)
        tail = sep + more.format(n=len(items) - kept)
        if used + len(tail) > limit:
            break
        best = sep.join(items[:kept]) + tail
    return best


def plural(n: int | float, word: str, plural_word: str | None = None) -> str:
    """`3 bodies`, `1 body`: a count with its noun."""
    shown = f"{n:,}" if isinstance(n, int) else f"{n:,.2f}".rstrip("0").rstrip(".")
    return f"{shown} {word if n == 1 else (plural_word or word + 's')}"


def fmt_votes(votes: float | None) -> str:
    """Votes with thousands separators; fractional STV transfers keep two decimals."""
    if votes is None:
        return "–"
    if float(votes).is_integer():
        return f"{int(votes):,}"
    return f"{votes:,.2f}"


def fmt_pct(share: float | None, digits: int = 1) -> str:
    """A share (0..1) as a percentage."""
    if share is None:
        return "–"
    return f"{share * 100:.{digits}f}%"


# ------------------------------------------------------------------------------------------ timestamps


def ts(moment: datetime | None, style: str = "F") -> str:
    """A Discord timestamp markup shown in each reader's local time (`F` full, `R` relative, `D` date)."""
    if moment is None:
        return "not set"
    return f"<t:{int(moment.timestamp())}:{style}>"


def ts_full(moment: datetime | None) -> str:
    """Full date and time followed by a countdown: `<t:…:F> (<t:…:R>)`."""
    if moment is None:
        return "not set"
    return f"{ts(moment, 'F')} ({ts(moment, 'R')})"


# -------------------------------------------------------------------------------------------- colours


def parse_colour(hex_colour: str | None, default: discord.Colour = BRAND_COLOUR) -> discord.Colour:
    """A slate's `#RRGGBB` as a discord colour (the default when missing or malformed)."""
    if not hex_colour:
        return default
    try:
        return discord.Colour.from_str(hex_colour if hex_colour.startswith("#") else f"#{hex_colour}")
    except ValueError:
        return default


_SQUARES: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("🟥", (221, 46, 68)),
    ("🟧", (244, 144, 12)),
    ("🟨", (253, 203, 88)),
    ("🟩", (120, 177, 89)),
    ("🟦", (85, 172, 238)),
    ("🟪", (170, 142, 214)),
    ("🟫", (193, 105, 79)),
    ("⬛", (49, 55, 61)),
    ("⬜", (230, 231, 232)),
)


@functools.lru_cache(maxsize=1024)
def colour_square(hex_colour: str | None) -> str:
    """The coloured-square emoji closest to a slate colour (a small swatch usable inside text)."""
    if not hex_colour:
        return "▫️"
    value = parse_colour(hex_colour, NEUTRAL_COLOUR).to_rgb()
    return min(_SQUARES, key=lambda item: sum((a - b) ** 2 for a, b in zip(item[1], value, strict=True)))[0]


# ---------------------------------------------------------------------------------------------- embeds


def footer(embed: discord.Embed, prov: Provenance | None, extra: str = "") -> discord.Embed:
    """Stamp a data view's footer: when its data last changed (the embed timestamp) and its source."""
    parts = [extra] if extra else []
    if prov is not None:
        if prov.changed_at is None:
            parts.append("No data entered yet")
        else:
            parts.append("Data last changed")
            embed.timestamp = prov.changed_at
        if prov.source:
            parts.append(f"Source: {prov.source}")
        if prov.note:
            parts.append(prov.note)
    embed.set_footer(text=clip(" · ".join(parts), FOOTER_MAX))
    return embed


def limit_problems(embeds: Sequence[discord.Embed], content: str | None = None) -> list[str]:
    """Every Discord limit a message of these embeds would break (empty when it is fine)."""
    problems: list[str] = []
    if len(embeds) > EMBEDS_PER_MESSAGE:
        problems.append(f"{len(embeds)} embeds > {EMBEDS_PER_MESSAGE}")
    if content and len(content) > CONTENT_MAX:
        problems.append(f"content {len(content)} > {CONTENT_MAX}")
    total = 0
    for e in embeds:
        total += len(e)
        if e.title and len(e.title) > TITLE_MAX:
            problems.append(f"title {len(e.title)} > {TITLE_MAX}")
        if e.description and len(e.description) > DESCRIPTION_MAX:
            problems.append(f"description {len(e.description)} > {DESCRIPTION_MAX}")
        if len(e.fields) > FIELDS_MAX:
            problems.append(f"{len(e.fields)} fields > {FIELDS_MAX}")
        for f in e.fields:
            if len(f.name or "") > FIELD_NAME_MAX or not f.name:
                problems.append(f"field name {len(f.name or '')} chars")
            if len(f.value or "") > FIELD_VALUE_MAX or not f.value:
                problems.append(f"field value {len(f.value or '')} chars")
        if e.footer.text and len(e.footer.text) > FOOTER_MAX:
            problems.append(f"footer {len(e.footer.text)} > {FOOTER_MAX}")
    if total > EMBED_TOTAL_MAX:
        problems.append(f"embeds total {total} > {EMBED_TOTAL_MAX}")
    return problems


def add_field(embed: discord.Embed, name: str, value: str, *, inline: bool = False) -> discord.Embed:
    """Add a field clipped to Discord's limits (an empty value shows as a dash)."""
    return embed.add_field(
        name=clip(name or "\u200b", FIELD_NAME_MAX), value=clip(value or "–", FIELD_VALUE_MAX), inline=inline
    )


def chunk_lines(lines: Iterable[str], *, max_lines: int, max_chars: int = PAGE_DESCRIPTION_BUDGET) -> list[list[str]]:
    """Group lines into pages of at most `max_lines` lines and `max_chars` characters (at least one page)."""
    pages: list[list[str]] = [[]]
    used = 0
    for line in lines:
        line = clip(line, max_chars)
        page = pages[-1]
        if page and (len(page) >= max_lines or used + len(line) + 1 > max_chars):
            pages.append([])
            page = pages[-1]
            used = 0
        page.append(line)
        used += len(line) + 1
    return pages


def stamp_pages(pages: list[list[discord.Embed]]) -> list[list[discord.Embed]]:
    """Number each page's first embed in its footer ("Page 2/5") when there is more than one page."""
    if len(pages) <= 1:
        return pages
    for number, page in enumerate(pages, start=1):
        first = page[0]
        text = first.footer.text or ""
        label = f"Page {number}/{len(pages)}"
        first.set_footer(text=clip(f"{label} · {text}" if text else label, FOOTER_MAX))
    return pages


def chart_embed(chart: ChartImage, colour: discord.Colour = NEUTRAL_COLOUR, limit: int = 1000) -> discord.Embed:
    """An embed showing a chart attachment with its text description underneath (alt text for everyone)."""
    embed = discord.Embed(colour=colour, description=clip(f"📊 {chart.description}", limit))
    embed.set_image(url=f"attachment://{chart.filename}")
    return embed


def with_chart(pages: list[list[discord.Embed]], *charts: ChartImage | None) -> list[list[discord.Embed]]:
    """Append the charts' embeds to every page so turning pages keeps the charts visible.

    Their text descriptions share 1000 characters, so a page stays within Discord's 6000 per message.
    """
    shown = [c for c in charts if c is not None]
    if not shown:
        return pages
    colour = pages[0][0].colour if pages and pages[0] and pages[0][0].colour else NEUTRAL_COLOUR
    budget = 1000 // len(shown)
    return [[*page, *(chart_embed(c, colour, budget) for c in shown)] for page in pages]


def notice(title: str, text: str, prov: Provenance | None = None, colour: discord.Colour = NEUTRAL_COLOUR) -> Rendered:
    """A one-embed view for empty states ("no candidates yet", "results not published")."""
    embed = discord.Embed(title=clip(title, TITLE_MAX), description=clip(text, DESCRIPTION_MAX), colour=colour)
    footer(embed, prov)
    return Rendered(pages=[[embed]], share_title=title)


# ------------------------------------------------------------------------------------------- wording

_PHASE_BADGES = {
    "upcoming": "🗓️ Upcoming",
    "nominations": "📝 Nominations open",
    "ballot": "🗳️ Ballot",
    "counting": "🧮 Counting",
    "results": "🏁 Results published",
}

_SYSTEMS = {
    "bloc": "Bloc vote (each member votes for up to {seats})",
    "fptp": "First past the post",
    "stv": "Single transferable vote",
}


def phase_badge(phase: str) -> str:
    """A phase with an icon, e.g. `🗳️ Ballot`."""
    return _PHASE_BADGES.get(str(phase), str(phase).capitalize())


def system_text(system: str, seats: int) -> str:
    """The voting system in words."""
    return _SYSTEMS.get(str(system), str(system)).format(seats=seats)


def kind_plural(kind: str, n: int = 2) -> str:
    """`CLP` → `CLPs`, `branch` → `branches`, `body` → `bodies` (singular when n == 1)."""
    kind = kind or "body"
    if n == 1:
        return kind
    if kind.isupper():
        return kind + "s"
    if kind.endswith(("s", "sh", "ch", "x", "z")):
        return kind + "es"
    if kind.endswith("y") and kind[-2:-1] not in "aeiou":
        return kind[:-1] + "ies"
    return kind + "s"


_FRACTIONS: tuple[tuple[float, str], ...] = (
    (1.0, "all"),
    (0.9, "nine in ten"),
    (0.8, "four-fifths"),
    (0.75, "three-quarters"),
    (2 / 3, "two-thirds"),
    (0.6, "three-fifths"),
    (0.5, "half"),
    (0.4, "two-fifths"),
    (1 / 3, "a third"),
    (0.25, "a quarter"),
    (0.2, "a fifth"),
    (0.1, "one in ten"),
    (0.0, "none"),
)


def share_words(share: float | None) -> str:
    """A share in the words reports use: `two-thirds`, `about half`, else a percentage."""
    if share is None:
        return "–"
    value, words = min(_FRACTIONS, key=lambda f: abs(f[0] - share))
    if abs(value - share) < 0.005:
        return words
    if abs(value - share) <= 0.02 and value not in (0.0, 1.0):
        return f"about {words}"
    if value == 1.0 and share > 0.97:
        return "almost all"
    return fmt_pct(share)


def share_phrase(share: float | None) -> str:
    """`about three-quarters (73.1%)`, or just `3.8%` when no simple fraction fits."""
    if share is None:
        return "–"
    words = share_words(share)
    pct = fmt_pct(share)
    return pct if words.endswith("%") else f"{words} ({pct})"


def threshold_text(threshold: object | None, required: int | None, eligible: int, kind: str) -> str:
    """`35 nominations` or `5% of 640 CLPs = 32 nominations`."""
    if threshold is None:
        return "No nomination threshold"
    if getattr(threshold, "percent", False):
        if required is None:
            return f"{threshold} of eligible {kind_plural(kind)}"
        return f"{threshold} of {eligible:,} {kind_plural(kind, eligible)} = {plural(required, 'nomination')}"
    return plural(required if required is not None else int(getattr(threshold, "value", 0)), "nomination")


def progress(count: int, required: int | None, width: int = 10) -> str:
    """A text bar with the figures: `▰▰▰▱▱▱▱▱▱▱ 12/35`."""
    from bot.domain.progress import progress_bar

    if required is None:
        return f"{count:,} nomination{'s' if count != 1 else ''}"
    return f"{progress_bar(count, required, width)} {count:,}/{required:,}"


def status_icon(status: str) -> str:
    """An icon for a candidate's (visible) status."""
    return {
        "elected": "✅",
        "not elected": "▫️",
        "tied for the last seat": "⚖️",
        "withdrawn": "🚫",
        "on ballot": "🗳️",
        "seeking nominations": "📝",
        "did not qualify": "❌",
        "not on the ballot": "➖",
    }.get(status, "•")


def paged_embeds(
    *,
    title: str,
    lines: Sequence[str],
    colour: discord.Colour,
    prov: Provenance | None,
    intro: str = "",
    fields: Sequence[tuple[str, str, bool]] = (),
    per_page: int = 20,
    empty: str = "Nothing to show.",
    url: str | None = None,
    thumbnail: str | None = None,
    stamp: bool = True,
) -> list[list[discord.Embed]]:
    """Pages of one embed each: the intro and fields on every page, list lines split across pages."""
    budget = PAGE_DESCRIPTION_BUDGET - len(intro) - sum(len(n) + len(v) for n, v, _ in fields)
    budget = max(800, min(budget, DESCRIPTION_MAX - len(intro) - 4))
    chunks = chunk_lines(lines, max_lines=per_page, max_chars=budget) if lines else [[]]
    pages: list[list[discord.Embed]] = []
    for chunk in chunks:
        body = "\n".join(chunk) if chunk else empty
        description = f"{intro}\n\n{body}" if intro else body
        embed = discord.Embed(
            title=clip(title, TITLE_MAX), description=clip(description, DESCRIPTION_MAX), colour=colour, url=url
        )
        for name, value, inline in fields[:FIELDS_MAX]:
            add_field(embed, name, value, inline=inline)
        if thumbnail:
            embed.set_thumbnail(url=thumbnail)
        footer(embed, prov)
        pages.append([embed])
    return stamp_pages(pages) if stamp else pages


# ------------------------------------------------------------------------------ replies after an ack


def fills_loading(interaction: discord.Interaction) -> bool:
    """Whether the interaction was deferred with a "thinking…" message that no reply has filled yet."""
    deferred = interaction.response.type is discord.InteractionResponseType.deferred_channel_message
    return deferred and not interaction.extras.get("filled")


def mark_filled(interaction: discord.Interaction) -> None:
    """Record that the deferred "thinking…" message now holds a reply (later replies follow up)."""
    interaction.extras["filled"] = True


async def follow_up(
    interaction: discord.Interaction,
    *,
    content: str | None = None,
    embeds: Sequence[discord.Embed] = (),
    view: discord.ui.View | None = None,
    files: Sequence[discord.File] = (),
    ephemeral: bool = True,
) -> None:
    """Answer an acknowledged interaction, never pinging anyone.

    The first answer after a deferral fills the "thinking…" message through Edit Original Interaction
    Response; letting a follow-up replace it is deprecated (discord-api-docs
    developers/interactions/receiving-and-responding.mdx, Create Followup Message). Later answers are
    follow-ups.
    """
    none = discord.AllowedMentions.none()
    if fills_loading(interaction):
        mark_filled(interaction)
        edit: dict[str, Any] = {"content": content, "embeds": list(embeds), "allowed_mentions": none}
        if view is not None:
            edit["view"] = view
        if files:
            edit["attachments"] = list(files)
        await interaction.edit_original_response(**edit)
        return
    send: dict[str, Any] = {"ephemeral": ephemeral, "allowed_mentions": none, "embeds": list(embeds)}
    if content:
        send["content"] = content
    if view is not None:
        send["view"] = view
    if files:
        send["files"] = list(files)
    await interaction.followup.send(**send)
