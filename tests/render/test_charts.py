"""#17 part 5: charts readable in both Discord themes, nothing cut off, the PNGs decode."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from bot.render import charts
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
    from bot.services.read_views import CandidateRow, ProgressView, SlateRef
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
    from bot.services.read_views import ResultsMode, ResultsView
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


def test_small_counts_get_whole_number_ticks() -> None:
    """Three nominations once showed the axis as 0 0 1 1 2 2 3 (half steps printed as whole numbers)."""
    from matplotlib.figure import Figure

    seen: list[list[str]] = []
    original = Figure.savefig

    def spy(self, *args, **kwargs):  # the tick labels as drawn
        self.canvas.draw()
        seen.append([t.get_text() for t in self.axes[0].get_xticklabels() if t.get_text()])
        return original(self, *args, **kwargs)

    Figure.savefig = spy  # type: ignore[method-assign]
    try:
        bar_chart([Bar("Ann", 3), Bar("Ben", 2)], title="t", xlabel="x")
    finally:
        Figure.savefig = original  # type: ignore[method-assign]
    assert seen and len(seen[0]) == len(set(seen[0])), seen
