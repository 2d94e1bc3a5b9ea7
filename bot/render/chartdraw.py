"""Charts drawn directly with Pillow: horizontal bars and step lines on the neutral card, as PNG bytes.

Imported lazily by `bot.render.charts.draw_chart` (never at start-up) and called from a worker thread.
These charts are simple (rectangles, axis-aligned lines, text), so drawing them directly costs a few
milliseconds of CPU where matplotlib spent ~150–250 ms on layout and text (see BENCHMARKS.md).

Text is DejaVu Sans, shipped in `bot/data/fonts` (Bitstream Vera licence; Latin, Greek, Cyrillic and
the ✓/⚖ marks). Chinese, Japanese and Korean characters are drawn with the first CJK font found on the
host (`HUSTINGS_CJK_FONT`, else `CJK_FONT_PATHS`, e.g. Debian's fonts-droid-fallback or fonts-noto-cjk);
with none, they show as boxes and one warning is logged — the alt text still names everyone.
"""

from __future__ import annotations

import functools
import io
import itertools
import logging
import math
import os
import re
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from importlib import resources

from PIL import Image, ImageDraw, ImageFont

from bot.render.charts import (
    ACCENT,
    BORDER,
    CARD,
    DEFAULT_BAR,
    GRID,
    MAX_BARS,
    MUTED,
    TEXT,
    Bar,
    Series,
    bar_text,
    contrast_ratio,
    fmt_number,
)

log = logging.getLogger(__name__)

WIDTH = 880  # pixels (the matplotlib charts were 8 in at 110 dpi)
PAD = 18
EDGE = 3  # the card's border
TITLE_SIZE = 20  # pixel sizes: 13, 10.5, 10 and 9 pt at 110 dpi
LABEL_SIZE = 16
VALUE_SIZE = 15
TICK_SIZE = 14
LABEL_MAX = 250  # a bar label wraps beyond this many pixels
LEGEND_COLUMNS = 3

#: Environment variable naming a CJK font file (TrueType/OpenType, .ttc allowed) to use first.
CJK_FONT_ENV = "HUSTINGS_CJK_FONT"
#: Where common systems keep a font covering Chinese, Japanese and Korean (first found wins).
CJK_FONT_PATHS: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch noto-fonts-cjk
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",  # Fedora
    "/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf",  # Debian fonts-droid-fallback (3.5 MB)
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian fonts-wqy-microhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/Hiragino Sans GB.ttc",  # macOS
    "C:/Windows/Fonts/msyh.ttc",  # Windows (Microsoft YaHei)
)
#: Code points drawn with the CJK font: Hangul Jamo, CJK radicals/symbols/kana/Bopomofo/enclosed, the
#: unified ideographs (with extension A and B onwards), Hangul syllables, compatibility ideographs and forms,
#: half- and full-width forms.
CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x1100, 0x11FF),
    (0x2E80, 0x33FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xA960, 0xA97F),
    (0xAC00, 0xD7FF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
    (0x20000, 0x3FFFF),
)

_CJK = re.compile("[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in CJK_RANGES) + "]")

Font = ImageFont.FreeTypeFont
Colour = tuple[int, int, int]


# ------------------------------------------------------------------------------------------ fonts


def is_cjk(char: str) -> bool:
    """Whether `char` is drawn with the CJK font."""
    code = ord(char)
    return code >= 0x1100 and any(low <= code <= high for low, high in CJK_RANGES)


@functools.cache
def cjk_font_path() -> str | None:
    """The CJK font file to use, or None (logged once) when the host has none."""
    chosen = os.environ.get(CJK_FONT_ENV)
    for path in ((chosen,) if chosen else ()) + CJK_FONT_PATHS:
        if os.path.isfile(path):
            return path
    log.warning(
        "No font for Chinese, Japanese or Korean text was found, so such names in charts show as boxes "
        "(the alt text still has them). Install fonts-noto-cjk or fonts-droid-fallback, or set %s to a font file.",
        CJK_FONT_ENV,
    )
    return None


@functools.cache
def font(size: int, bold: bool = False, cjk: bool = False) -> Font:
    """A font at `size` pixels, loaded once per process (DejaVu Sans, or the host's CJK font)."""
    if cjk and (path := cjk_font_path()) is not None:
        return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    with resources.as_file(resources.files("bot.data") / "fonts" / name) as file:
        return ImageFont.truetype(str(file), size, layout_engine=ImageFont.Layout.BASIC)


def _runs(text: str) -> Iterator[tuple[str, bool]]:
    """`text` cut into runs of CJK and other characters (each drawn with its own font)."""
    if not _CJK.search(text):  # the common case: one run
        yield text, False
        return
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or is_cjk(text[i]) != is_cjk(text[start]):
            yield text[start:i], is_cjk(text[start])
            start = i


@functools.lru_cache(maxsize=4096)
def text_width(text: str, size: int, bold: bool = False) -> float:
    """The advance width of one line of `text`, in pixels."""
    return sum(font(size, bold, cjk).getlength(run) for run, cjk in _runs(text))


def line_height(size: int) -> int:
    """Distance between the baselines of two lines of text at `size`."""
    return round(size * 1.22)


def draw_text(
    draw: ImageDraw.ImageDraw, x: float, baseline: float, text: str, size: int, fill: str, bold: bool = False
) -> float:
    """Draw one line at (x, baseline), switching fonts between runs; returns the x after it."""
    for run, cjk in _runs(text):
        f = font(size, bold, cjk)
        draw.text((x, baseline), run, font=f, fill=fill, anchor="ls")
        x += f.getlength(run)
    return x


def wrap_px(text: str, size: int, width: float, bold: bool = False) -> list[str]:
    """`text` over as many lines as it needs to fit `width` pixels; never cut (long words break anywhere)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if text_width(candidate, size, bold) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            for char in word:  # a word wider than the line (or CJK text with no spaces) breaks by character
                if current and text_width(current + char, size, bold) > width:
                    lines.append(current)
                    current = ""
                current += char
        lines.append(current)
    return lines


# ------------------------------------------------------------------------------------------ shapes


def _rgb(colour: str) -> Colour:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _dashed(
    draw: ImageDraw.ImageDraw,
    points: Sequence[tuple[float, float]],
    colour: str,
    width: int,
    pattern: Sequence[float] = (),
) -> None:
    """A polyline, solid or dashed by `pattern` (on, off, on, off… pixel lengths) continued across corners."""
    if not pattern:
        draw.line(list(points), fill=colour, width=width, joint="curve")
        return
    index, left, on = 0, pattern[0], True
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        length = math.hypot(x1 - x0, y1 - y0)
        done = 0.0
        while done < length:
            step = min(left, length - done)
            if on:
                t0, t1 = done / length, (done + step) / length
                draw.line(
                    [(x0 + (x1 - x0) * t0, y0 + (y1 - y0) * t0), (x0 + (x1 - x0) * t1, y0 + (y1 - y0) * t1)],
                    fill=colour,
                    width=width,
                )
            done += step
            left -= step
            if left <= 1e-9:
                index = (index + 1) % len(pattern)
                left, on = pattern[index], not on


def _hatch(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], colour: str, gap: int = 8) -> None:
    """Diagonal "///" lines inside `box` (a tie reads without colour)."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    k = -h
    while k < w:
        t0, t1 = max(0.0, -k), min(h, w - k)
        if t0 < t1:
            draw.line([(x0 + k + t0, y1 - t0), (x0 + k + t1, y1 - t1)], fill=colour, width=1)
        k += gap


MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
STYLES: tuple[tuple[float, ...], ...] = ((), (8, 4), (8, 3, 2, 3), (2, 3))  # solid, dashed, dash-dot, dotted


def _marker_shape(kind: str, r: float) -> list[tuple[float, float]] | None:
    """The outline of a marker around (0, 0) with radius `r` (None for a circle)."""
    if kind == "o":
        return None
    if kind == "s":
        s = r * 0.85
        return [(-s, -s), (s, -s), (s, s), (-s, s)]
    if kind == "^":
        return [(0, -r), (r, r * 0.75), (-r, r * 0.75)]
    if kind == "v":
        return [(0, r), (r, -r * 0.75), (-r, -r * 0.75)]
    if kind == "D":
        return [(0, -r), (r * 0.8, 0), (0, r), (-r * 0.8, 0)]
    if kind == "P":
        a, b = r * 0.35, r
        return [(-a, -b), (a, -b), (a, -a), (b, -a), (b, a), (a, a),
                (a, b), (-a, b), (-a, a), (-b, a), (-b, -a), (-a, -a)]  # fmt: skip
    if kind == "X":
        pts = []
        for angle in (45, 135, 225, 315):
            rad = math.radians(angle)
            for side in (-1, 1):
                sa = rad + side * math.radians(17)
                pts.append((math.cos(sa) * r, math.sin(sa) * r))
            mid = rad + math.radians(45)
            pts.append((math.cos(mid) * r * 0.35, math.sin(mid) * r * 0.35))
        return pts
    # a five-pointed star
    return [
        (math.cos(math.radians(-90 + 36 * i)) * (r if i % 2 == 0 else r * 0.45),
         math.sin(math.radians(-90 + 36 * i)) * (r if i % 2 == 0 else r * 0.45))
        for i in range(10)
    ]  # fmt: skip


@functools.cache
def _marker(kind: str, colour: str, size: int = 14) -> Image.Image:
    """An anti-aliased marker sprite (RGBA), drawn at 4× and reduced; one per (kind, colour) per process."""
    scale = 4
    big = Image.new("RGBA", (size * scale, size * scale), (0, 0, 0, 0))
    d = ImageDraw.Draw(big)
    c = size * scale / 2
    r = c - scale * 1.2
    shape = _marker_shape(kind, r)
    if shape is None:
        d.ellipse((c - r, c - r, c + r, c + r), fill=colour, outline=TEXT, width=scale)
    else:
        d.polygon([(c + x, c + y) for x, y in shape], fill=colour, outline=TEXT, width=scale)
    return big.resize((size, size), Image.Resampling.BOX)


def _blend(front: Colour, back: Colour, alpha: float) -> Colour:
    r, g, b = (round(f * alpha + k * (1 - alpha)) for f, k in zip(front, back, strict=True))
    return r, g, b


def _palette(colours: Sequence[str]) -> Image.Image:
    """A palette with every colour the chart draws and the anti-aliased edges between them (≤ 256 entries).

    Mapping to a known palette is several times cheaper than finding one (octree quantizing), and
    exact for the flat fills; edges land on the nearest blend.
    """
    card = _rgb(CARD)
    inks = [_rgb(c) for c in (TEXT, MUTED, ACCENT, GRID, BORDER)]
    fills = list(dict.fromkeys(_rgb(c) for c in colours))
    entries: list[Colour] = [card, *inks, *fills]
    levels = (0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875)
    entries += [_blend(ink, card, a) for ink in inks[:3] for a in levels]  # text on the card
    entries += [_blend(ink, card, a) for ink in inks[3:] + fills for a in levels[1::2]]  # lines, marker edges
    entries += [_blend(ink, fill, a) for ink in (inks[0], card) for fill in fills for a in levels[1::2]]  # hatches
    unique = list(dict.fromkeys(entries))[:256]
    flat = [channel for rgb in unique for channel in rgb]
    palette = Image.new("P", (1, 1))
    palette.putpalette(flat + flat[:3] * (256 - len(unique)))
    return palette


def _png(image: Image.Image, colours: Sequence[str]) -> bytes:
    """The image as a palette PNG (a fifth of the bytes of full colour; uploaded with every reply)."""
    out = io.BytesIO()
    image.quantize(palette=_palette(colours), dither=Image.Dither.NONE).save(out, format="PNG", compress_level=6)
    return out.getvalue()


def _card(image: Image.Image) -> None:
    ImageDraw.Draw(image).rectangle((0, 0, image.width - 1, image.height - 1), outline=BORDER, width=EDGE)


# ------------------------------------------------------------------------------------------ axes


def nice_ticks(top: float, *, integer: bool, most: int = 7) -> list[float]:
    """Tick values from 0 covering `top` at a round step (1, 2, 2.5 or 5 × 10ⁿ; whole numbers for counts)."""
    top = max(top, 1.0)
    raw = top / (most - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if integer:
        step = max(1.0, float(math.ceil(step)))
    count = int(top // step)
    return [i * step for i in range(count + 1)]


def _legend_height(entries: Sequence[str], columns: int, width: float) -> tuple[list[list[str]], int]:
    """Each legend name wrapped to its column, and the legend's height below its title."""
    col_w = width / columns - 34
    wrapped = [wrap_px(name, TICK_SIZE, col_w) for name in entries]
    rows = [wrapped[i : i + columns] for i in range(0, len(wrapped), columns)]
    height = sum(max(len(lines) for lines in row) * line_height(TICK_SIZE) + 6 for row in rows)
    return wrapped, height


def _title(draw: ImageDraw.ImageDraw, lines: Sequence[str]) -> int:
    """Draw the title's lines from the card's top left; returns the y below it."""
    y = PAD
    for line in lines:
        y += line_height(TITLE_SIZE)
        draw_text(draw, PAD, y - 4, line, TITLE_SIZE, TEXT, bold=True)
    return y + 8


# ------------------------------------------------------------------------------------------ bars


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    xlabel: str,
    line: float | None = None,
    line_label: str = "",
    mark_label: str = "✓",
    legend: Sequence[tuple[str, str]] = (),
) -> bytes:
    """A horizontal bar chart (in the order given, at most 25 bars) as PNG bytes.

    Long labels and titles wrap over several lines (never cut); `line` draws a dashed marker;
    `legend` lists (slate name, colour) pairs under the chart. Blocking: run it in a worker thread.
    """
    shown = list(bars)[:MAX_BARS]
    inner = WIDTH - 2 * PAD
    title_lines = wrap_px(title, TITLE_SIZE, inner, bold=True)
    labels = [wrap_px(b.label, LABEL_SIZE, LABEL_MAX) for b in shown]
    label_w = max([text_width(x, LABEL_SIZE) for lines in labels for x in lines] or [0])
    texts = [bar_text(b, mark_label) for b in shown]
    lines_per_bar = max([len(x) for x in labels] or [1])
    row_h = max(34, lines_per_bar * line_height(LABEL_SIZE) + 12)
    bar_h = max(14, min(44, round(row_h * 0.72)))
    line_row = line_height(VALUE_SIZE) + 6 if line is not None else 0
    names = [name for name, _ in legend]
    legend_lines, legend_h = _legend_height(names, LEGEND_COLUMNS, inner) if legend else ([], 0)

    top_y = PAD + len(title_lines) * line_height(TITLE_SIZE) + 8 + 6
    plot_top = top_y + line_row
    axis_y = plot_top + row_h * max(1, len(shown)) + 4
    height = axis_y + 8 + line_height(TICK_SIZE) + 6 + line_height(VALUE_SIZE) + PAD
    if legend:
        height += line_height(TICK_SIZE) + 6 + legend_h
    image = Image.new("RGB", (WIDTH, height), CARD)
    draw = ImageDraw.Draw(image)
    _title(draw, title_lines)

    x0 = PAD + label_w + 12
    x1 = WIDTH - PAD - 4
    plot_w = x1 - x0
    values = [b.value for b in shown]
    widths = [text_width(t, VALUE_SIZE, bold=b.marked or b.tied) for t, b in zip(texts, shown, strict=True)]
    top = max([*values, line or 0, 1])
    # The axis reaches far enough that every figure (and note) fits to the right of its bar.
    span = top * 1.05
    for v, w in zip(values, widths, strict=True):
        room = plot_w - 8 - w
        if v > 0 and room > 0:
            span = max(span, v * plot_w / room)
    integer = all(float(v).is_integer() for v in values)
    ticks = nice_ticks(span, integer=integer)

    def x_of(v: float) -> float:
        return x0 + v / span * plot_w

    for t in ticks:  # grid and tick labels
        x = round(x_of(t))
        draw.line((x, top_y, x, axis_y), fill=GRID, width=1)
        draw.line((x, axis_y, x, axis_y + 4), fill=MUTED, width=1)
        label = fmt_number(t)
        draw_text(draw, x - text_width(label, TICK_SIZE) / 2, axis_y + 6 + TICK_SIZE, label, TICK_SIZE, MUTED)
    draw.line((x0, axis_y, x1, axis_y), fill=MUTED, width=1)
    draw_text(
        draw,
        x0 + plot_w / 2 - text_width(xlabel, VALUE_SIZE) / 2,
        axis_y + 8 + line_height(TICK_SIZE) + 4 + VALUE_SIZE,
        xlabel,
        VALUE_SIZE,
        MUTED,
    )

    for i, (bar, lines) in enumerate(zip(shown, labels, strict=True)):
        centre = plot_top + row_h * i + row_h / 2
        first = centre - (len(lines) - 1) * line_height(LABEL_SIZE) / 2 + LABEL_SIZE * 0.36
        for k, label in enumerate(lines):  # right-aligned against the axis, like tick labels
            baseline = first + k * line_height(LABEL_SIZE)
            draw_text(draw, x0 - 8 - text_width(label, LABEL_SIZE), baseline, label, LABEL_SIZE, TEXT)
        end = max(x_of(bar.value), x0 + 2)  # a zero still shows as a sliver with its figure
        box = (x0, round(centre - bar_h / 2), round(end), round(centre + bar_h / 2))
        draw.rectangle(box, fill=bar.colour or DEFAULT_BAR, outline=TEXT, width=1)
        if bar.tied:  # white hatching, or the card's grey on a pale bar where white would not show
            fill = bar.colour or DEFAULT_BAR
            _hatch(draw, box, TEXT if contrast_ratio(TEXT, fill) >= 2.0 else CARD)
    if line is not None:  # over the bars, under their figures (a figure stays readable where the line crosses)
        x = round(x_of(line))
        _dashed(draw, [(x, top_y), (x, axis_y)], ACCENT, 2, (7, 4))
        label = f" {line_label}"
        w = text_width(label, VALUE_SIZE, bold=True)
        lx = x if x + w <= x1 else x - w - 4  # near the right edge, the label sits left of the line
        draw_text(draw, lx, top_y + VALUE_SIZE, label, VALUE_SIZE, ACCENT, bold=True)
    for i, (bar, text) in enumerate(zip(shown, texts, strict=True)):
        centre = plot_top + row_h * i + row_h / 2
        end = max(x_of(bar.value), x0 + 2)
        colour, bold = (ACCENT if bar.tied else TEXT), bar.marked or bar.tied
        box = (round(end + 3), round(centre - VALUE_SIZE * 0.7), round(end + 9 + text_width(text, VALUE_SIZE, bold)),
               round(centre + VALUE_SIZE * 0.6))  # fmt: skip
        if line is not None and box[0] <= x_of(line) <= box[2]:
            draw.rectangle(box, fill=CARD)  # the figure's own background where the threshold line crosses it
        draw_text(draw, end + 6, centre + VALUE_SIZE * 0.36, text, VALUE_SIZE, colour, bold)

    if legend:
        y = axis_y + 8 + line_height(TICK_SIZE) + 6 + line_height(VALUE_SIZE) + 8
        _legend(draw, y, "Slates", [colour for _, colour in legend], legend_lines, LEGEND_COLUMNS, inner)
    _card(image)
    return _png(image, [b.colour or DEFAULT_BAR for b in shown] + [colour for _, colour in legend])


def _legend(
    draw: ImageDraw.ImageDraw,
    y: float,
    heading: str,
    colours: Sequence[str],
    lines: Sequence[list[str]],
    columns: int,
    width: float,
    image: Image.Image | None = None,
    styles: Sequence[tuple[str, tuple[float, ...]]] = (),
) -> None:
    """Swatches (or line samples with markers) and wrapped names in `columns`, under a muted heading."""
    if heading:
        y += TICK_SIZE
        draw_text(draw, PAD, y, heading, TICK_SIZE, MUTED)
        y += 6
    col_w = width / columns
    for start in range(0, len(colours), columns):
        row = range(start, min(start + columns, len(colours)))
        for i in row:
            x = PAD + col_w * (i - start)
            mid = y + line_height(TICK_SIZE) / 2 + 2
            if styles and image is not None:
                kind, pattern = styles[i]
                _dashed(draw, [(x, mid), (x + 28, mid)], colours[i], 2, pattern)
                sprite = _marker(kind, colours[i])
                image.paste(sprite, (round(x + 14 - sprite.width / 2), round(mid - sprite.height / 2)), sprite)
            else:
                draw.rectangle((x, mid - 6, x + 22, mid + 6), fill=colours[i], outline=TEXT, width=1)
            for k, text in enumerate(lines[i]):
                draw_text(draw, x + 34, y + TICK_SIZE + 2 + k * line_height(TICK_SIZE), text, TICK_SIZE, TEXT)
        y += max(len(lines[i]) for i in row) * line_height(TICK_SIZE) + 6


# ------------------------------------------------------------------------------------------ lines


def _date_ticks(first: date, last: date, most: int = 7) -> list[date]:
    """Round dates across [first, last]: every 1, 2 or 3 days, then weekly (the 1st, 8th, 15th, 22nd), then monthly."""
    span = (last - first).days
    for step in (1, 2, 3):
        if span // step + 1 <= most:
            return [first + timedelta(days=i) for i in range(0, span + 1, step)]
    for days in ((1, 8, 15, 22), (1, 15), (1,)):
        ticks, d = [], first
        while d <= last:
            if d.day in days:
                ticks.append(d)
            d += timedelta(days=1)
        if len(ticks) <= most:
            return ticks
    ticks, d = [], first
    while d <= last:
        if d.day == 1 and (d.month - 1) % 3 == 0:
            ticks.append(d)
        d += timedelta(days=1)
    return ticks


def line_chart(
    days: Sequence[date],
    series: Sequence[Series],
    *,
    title: str,
    ylabel: str,
    line: float | None = None,
    line_label: str = "",
) -> bytes:
    """Running totals over time as step lines (told apart by marker and dash too), as PNG bytes."""
    inner = WIDTH - 2 * PAD
    title_lines = wrap_px(title, TITLE_SIZE, inner, bold=True)
    legend_lines, legend_h = _legend_height([s.label for s in series], 2, inner)
    plot_top = PAD + len(title_lines) * line_height(TITLE_SIZE) + 8 + 14
    plot_h = 300
    axis_y = plot_top + plot_h
    height = axis_y + 8 + line_height(TICK_SIZE) + 14 + legend_h + PAD
    image = Image.new("RGB", (WIDTH, height), CARD)
    draw = ImageDraw.Draw(image)
    _title(draw, title_lines)

    top = max([max(s.values) for s in series if s.values] + [line or 0, 1])
    span_y = top * 1.12
    ticks = nice_ticks(span_y, integer=True)
    tick_w = max(text_width(fmt_number(t), TICK_SIZE) for t in ticks)
    x0 = PAD + line_height(VALUE_SIZE) + 8 + tick_w + 8
    x1 = WIDTH - PAD - 8
    plot_w = x1 - x0

    def y_of(v: float) -> float:
        return axis_y - v / span_y * plot_h

    first, last = (days[0], days[-1]) if days else (date.today(), date.today())
    span_days = max(1, (last - first).days)
    margin = plot_w * 0.04  # a little room so the first and last markers are not on the axes

    def x_of(d: date) -> float:
        return x0 + margin + (d - first).days / span_days * (plot_w - 2 * margin)

    for t in ticks:
        y = round(y_of(t))
        draw.line((x0, y, x1, y), fill=GRID, width=1)
        label = fmt_number(t)
        draw_text(draw, x0 - 6 - text_width(label, TICK_SIZE), y + TICK_SIZE * 0.36, label, TICK_SIZE, MUTED)
    for d in _date_ticks(first, last):
        x = round(x_of(d))
        draw.line((x, axis_y, x, axis_y + 4), fill=MUTED, width=1)
        label = f"{d.day} {d:%b}"
        draw_text(draw, x - text_width(label, TICK_SIZE) / 2, axis_y + 6 + TICK_SIZE, label, TICK_SIZE, MUTED)
    draw.line((x0, axis_y, x1, axis_y), fill=MUTED, width=1)
    draw.line((x0, plot_top, x0, axis_y), fill=MUTED, width=1)
    # The y label, turned a quarter: drawn on its own strip, then rotated into place.
    label_w = math.ceil(text_width(ylabel, VALUE_SIZE)) + 4
    strip = Image.new("RGB", (label_w, line_height(VALUE_SIZE) + 2), CARD)
    draw_text(ImageDraw.Draw(strip), 2, VALUE_SIZE, ylabel, VALUE_SIZE, MUTED)
    turned = strip.rotate(90, expand=True)
    image.paste(turned, (PAD, round(plot_top + plot_h / 2 - turned.height / 2)))

    styles = [(MARKERS[i % len(MARKERS)], STYLES[(i // len(MARKERS)) % len(STYLES)]) for i in range(len(series))]
    xs = [x_of(d) for d in days]
    for s, (kind, pattern) in zip(series, styles, strict=True):
        colour = s.colour or DEFAULT_BAR
        points: list[tuple[float, float]] = []
        for i, v in enumerate(s.values):  # steps "post": the total holds until the next day's
            if i:
                points.append((xs[i], y_of(s.values[i - 1])))
            points.append((xs[i], y_of(v)))
        if len(points) > 1:
            _dashed(draw, points, colour, 2, pattern)
        sprite = _marker(kind, colour)
        for xv, v in zip(xs, s.values, strict=False):
            image.paste(sprite, (round(xv - sprite.width / 2), round(y_of(v) - sprite.height / 2)), sprite)
    if line is not None:
        y = round(y_of(line))
        _dashed(draw, [(x0, y), (x1, y)], ACCENT, 2, (7, 4))
        draw_text(draw, x0 + 8, y - 5, line_label, VALUE_SIZE, ACCENT, bold=True)

    _legend(
        draw,
        axis_y + 8 + line_height(TICK_SIZE) + 8,
        "",
        [s.colour or DEFAULT_BAR for s in series],
        legend_lines,
        2,
        inner,
        image=image,
        styles=styles,
    )
    _card(image)
    return _png(image, [s.colour or DEFAULT_BAR for s in series])
