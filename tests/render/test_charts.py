"""#17 part 5: charts readable in both Discord themes, nothing cut off, the PNGs decode."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from bot.render import chartdraw, charts
from bot.render.charts import Bar, Series, bar_chart, contrast_ratio, line_chart, slate_legend, wrap


@pytest.mark.parametrize("colour", [charts.TEXT, charts.MUTED, charts.ACCENT])
def test_text_colours_reach_wcag_aa_on_the_card(colour: str) -> None:
    assert contrast_ratio(colour, charts.CARD) >= 4.5


@pytest.mark.parametrize("background", [charts.DISCORD_DARK, charts.DISCORD_LIGHT])
def test_the_card_edge_shows_on_both_discord_themes(background: str) -> None:
    assert contrast_ratio(charts.BORDER, background) >= 3.0
    # bars without a slate colour stand out from the card as well (WCAG non-text contrast)
    assert contrast_ratio(charts.DEFAULT_BAR, charts.CARD) >= 3.0


def test_contrast_ratio_matches_wcag_reference_values() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def _png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.convert("RGB")


def test_bar_chart_decodes_with_the_card_and_its_border() -> None:
    image = _png(
        bar_chart(
            [Bar("Yasmine Dar", 68388, "#C8102E", True), Bar("Ann Zero", 0), Bar("Cat Cole", 5, tied=True)],
            title="Results",
            xlabel="Votes",
            legend=slate_legend([("CLGA", "#C8102E"), (None, None)]),
        )
    )
    border = "#{:02x}{:02x}{:02x}".format(*image.getpixel((0, 0)))
    inside = "#{:02x}{:02x}{:02x}".format(*image.getpixel((10, 10)))
    assert border == charts.BORDER and inside == charts.CARD


def test_long_labels_wrap_and_the_chart_grows_instead_of_cutting() -> None:
    name = "Tomasz Wróbel-Kowalczykiewicz of the Very Long Branch Name"
    assert wrap(name, 24).replace("\n", " ").replace("- ", "-") == name  # every character kept
    short = _png(bar_chart([Bar("Ann", 3)], title="t", xlabel="x"))
    long = _png(bar_chart([Bar(name, 3)], title="t " * 60, xlabel="x"))
    assert long.height > short.height


def test_slate_legend_lists_each_slate_once_then_no_slate() -> None:
    pairs = [("A", "#ff0000"), (None, None), ("A", "#ff0000"), ("B", None)]
    assert slate_legend(pairs) == (("A", "#ff0000"), ("B", charts.DEFAULT_BAR), ("Independent", charts.DEFAULT_BAR))
    assert slate_legend([(None, None)]) == ()


def test_line_chart_decodes() -> None:
    days = [date(2026, 10, 1), date(2026, 10, 9)]
    image = _png(line_chart(days, [Series("Ann", "#C8102E", (1, 4))], title="t", ylabel="y", line=4, line_label="4"))
    assert image.width > 400


def test_progress_chart_shows_candidates_with_no_nominations_and_a_slate_legend() -> None:
    from bot.render.nominations import progress_chart_spec
    from bot.services.read.view_models import CandidateRow, ProgressView, SlateRef
    from tests.render.test_render_limits import PROV, _header

    red = SlateRef("Broad Left", "BL", "#C8102E")
    rows = (
        CandidateRow("Ann Able", red, "", 5, True),
        CandidateRow("Ben Baker", None, "", 0, False),
    )
    spec = progress_chart_spec(ProgressView(_header(required=4), rows, 5, 3, PROV))
    assert spec is not None
    assert [(b.label, b.value) for b in spec.bars] == [("Ann Able", 5), ("Ben Baker", 0)]
    assert spec.legend == (("Broad Left", "#C8102E"), ("Independent", charts.DEFAULT_BAR))
    assert "1 candidate with no nominations yet shown at 0" in spec.description
    assert "1 of 2 candidates have reached the threshold" in spec.description


def test_results_chart_marks_a_tie_for_the_last_seat() -> None:
    from bot.domain.models import ElectionResult, ResultRound, VotingSystem
    from bot.domain.results import summarise_result
    from bot.render.results import results_chart_spec
    from bot.services.read.view_models import ResultsMode, ResultsView
    from tests.render.test_render_limits import _header

    result = ElectionResult([ResultRound({"Ann Able": 10, "Ben Baker": 7, "Cy Clark": 7})], published=True)
    summary = summarise_result(result, 2, system=VotingSystem.BLOC)
    spec = results_chart_spec(ResultsView(_header(seats=2), ResultsMode.SUMMARY, summary))
    assert spec is not None
    assert [(b.label, b.marked, b.tied) for b in spec.bars] == [
        ("Ann Able", True, False),
        ("Ben Baker", False, True),
        ("Cy Clark", False, True),
    ]
    assert "Tied for the last seat (hatched, marked tied): Ben Baker, Cy Clark." in spec.description


@pytest.mark.parametrize("top", [1, 2, 3, 5, 7, 12, 35, 68_388, 1_000_001])
def test_counts_get_whole_number_ticks(top: int) -> None:
    """Three nominations once showed the axis as 0 0 1 1 2 2 3 (half steps printed as whole numbers)."""
    ticks = chartdraw.nice_ticks(top * 1.05, integer=True)
    labels = [charts.fmt_number(t) for t in ticks]
    assert len(labels) == len(set(labels)) and all(float(t).is_integer() for t in ticks)
    assert ticks[0] == 0 and ticks[-1] >= top * 0.8 and 2 <= len(ticks) <= 8


def test_a_long_title_wraps_to_the_card_and_keeps_every_character() -> None:
    title = "Results — " + "Very long national executive committee election name " * 5 + "王小明東京"
    lines = chartdraw.wrap_px(title, chartdraw.TITLE_SIZE, 500, bold=True)
    assert len(lines) > 3 and all(chartdraw.text_width(x, chartdraw.TITLE_SIZE, True) <= 500 for x in lines)
    assert "".join(lines).replace(" ", "") == title.replace(" ", "")


# ------------------------------------------------------------------------------ CJK names (#17)

CJK = "王小明東京한국"
SUBSET = Path(__file__).parent / "fonts" / "droid-cjk-subset.ttf"


@pytest.fixture
def cjk_font(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The shipped test subset of Droid Sans Fallback as the host's CJK font (fresh font caches around it)."""
    monkeypatch.setenv(chartdraw.CJK_FONT_ENV, str(SUBSET))
    _forget_fonts()
    yield str(SUBSET)
    _forget_fonts()


def _forget_fonts() -> None:
    chartdraw.cjk_font_path.cache_clear()
    chartdraw.font.cache_clear()
    chartdraw.text_width.cache_clear()


def _mask(f: object, text: str) -> bytes:
    return bytes(f.getmask(text))  # type: ignore[attr-defined]


def test_cjk_characters_draw_as_glyphs_not_the_fonts_notdef_box(cjk_font: str) -> None:
    font = chartdraw.font(16, cjk=True)
    notdef = _mask(font, "\U0010fffd")  # a code point no font has: its .notdef glyph (the "tofu" box)
    for char in CJK:
        assert chartdraw.is_cjk(char)
        drawn = _mask(font, char)
        assert drawn != notdef and any(drawn), char
    assert not any(chartdraw.is_cjk(c) for c in "Zoë Ångström-Ó'Brien ✓ ⚖ Љ α")


def test_a_cjk_name_in_a_chart_differs_from_the_same_name_drawn_as_boxes(
    cjk_font: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def chart() -> Image.Image:
        return _png(bar_chart([Bar(CJK, 3, "#C8102E")], title=f"Results — {CJK}", xlabel="x"))

    with_font = chart()
    monkeypatch.setattr(chartdraw, "CJK_FONT_PATHS", ())
    monkeypatch.delenv(chartdraw.CJK_FONT_ENV)
    _forget_fonts()
    boxes = chart()
    assert with_font.size == boxes.size and with_font.tobytes() != boxes.tobytes()


def test_without_a_cjk_font_charts_still_draw_and_say_so_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(chartdraw, "CJK_FONT_PATHS", ())
    monkeypatch.delenv(chartdraw.CJK_FONT_ENV, raising=False)
    _forget_fonts()
    try:
        with caplog.at_level(logging.WARNING, logger="bot.render.chartdraw"):
            for _ in range(2):
                assert _png(bar_chart([Bar(CJK, 3)], title=CJK, xlabel="x")).width > 400
        warnings = [r for r in caplog.records if "Chinese, Japanese or Korean" in r.getMessage()]
        assert len(warnings) == 1 and "fonts-noto-cjk" in warnings[0].getMessage()
    finally:
        _forget_fonts()


def test_the_hosts_cjk_font_if_any_has_real_glyphs() -> None:
    """On a host with a CJK font installed (fonts-noto-cjk, fonts-droid-fallback…), names draw as glyphs."""
    _forget_fonts()
    if chartdraw.cjk_font_path() is None:
        pytest.skip("no CJK font on this host")
    font = chartdraw.font(16, cjk=True)
    notdef = _mask(font, "\U0010fffd")
    assert all(_mask(font, c) != notdef for c in CJK)


async def test_the_chart_cache_draws_off_the_event_loops_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    seen: list[int] = []
    real = chartdraw.bar_chart

    def spy(*args, **kwargs):
        seen.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(chartdraw, "bar_chart", spy)
    spec = charts.ChartSpec((Bar("Ann", 3),), "t", "x", "c.png", "alt")
    image = await charts.ChartCache().chart(("g", "e", 1, "k"), spec)
    assert image is not None and image.data.startswith(b"\x89PNG")
    assert seen and seen[0] != threading.get_ident()


@pytest.mark.parametrize(
    "bars, line",
    [
        ([Bar("", 0)], None),
        ([Bar("Ann", 0), Bar("Ben", 0)], 3.0),  # all zero, the threshold beyond every bar
        ([Bar("W" * 300, 2.5, note="stage 3")], 1e9),  # one unbreakable name; a huge line
        ([Bar("Émile 🗳️ Zoë\nLine two", 1_000_000, "#000000", True, True, "stage 12")], None),
        ([Bar(f"Candidate {i}", i) for i in range(40)], 20.0),  # more than MAX_BARS
    ],
    ids=["empty-label", "all-zero", "unbreakable", "emoji-newline-black", "over-max"],
)
def test_awkward_bars_still_draw(bars: list[Bar], line: float | None) -> None:
    image = _png(bar_chart(bars, title="$x$ " * 40, xlabel="", line=line, line_label="threshold", legend=()))
    assert image.width == chartdraw.WIDTH and image.height > 100


def test_awkward_lines_still_draw() -> None:
    one_day = [date(2026, 10, 1)]
    assert _png(line_chart(one_day, [Series("Ann", None, (0,))], title="t", ylabel="y")).width > 400
    days = [date(2025, 1, 1), date(2026, 6, 30)]
    many = [Series(f"S{i}", None, (i, i * 2)) for i in range(20)]  # markers and dashes cycle
    assert _png(line_chart(days, many, title="t", ylabel="y", line=5, line_label="5")).height > 300
