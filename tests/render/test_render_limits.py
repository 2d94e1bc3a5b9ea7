"""Renderers are pure and stay inside Discord's limits even with worst-case names and sizes."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import discord
import pytest

from bot.domain.coverage import slate_coverage
from bot.domain.models import Body, ElectionResult, Phase, ResultRound, Slate, Threshold, VotingSystem
from bot.domain.phase import Milestone
from bot.domain.results import summarise_result
from bot.domain.stv import stage_table
from bot.render import candidates, elections, nominations, results, slates
from bot.render.charts import Bar, ChartCache, ChartSpec, bar_chart
from bot.render.common import (
    ChartImage,
    chunk_lines,
    colour_square,
    join_limited,
    kind_plural,
    limit_problems,
    md,
    share_phrase,
    share_words,
)
from bot.services.read.view_models import (
    BodyNominationsView,
    CandidateListView,
    CandidateNominationsView,
    CandidateProfileView,
    CandidateRow,
    ElectionHeader,
    ElectionInfoView,
    ElectionListView,
    ListOrder,
    ProgressView,
    Provenance,
    RegionGroup,
    ResultsMode,
    ResultsView,
    SlateCompareView,
    SlateInfoView,
    SlateRef,
    SlateSummary,
)

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
PROV = Provenance(7, NOW, "https://example.org/" + "s" * 300)
N = 500


def _name(i: int) -> str:
    return (f"Candidate_{i:03d} *Star* " + "Longsurname" * 10)[:100]


def _header(**kw) -> ElectionHeader:
    base = dict(
        slug="big",
        name="E" * 100,
        committee="C" * 100,
        seats=10,
        system=VotingSystem.BLOC,
        phase=Phase.RESULTS,
        threshold=Threshold(5, percent=True),
        required=35,
        eligible_bodies=700,
        body_kind="CLP",
        milestones=tuple(
            Milestone(label, NOW - timedelta(days=i))
            for i, label in enumerate(
                ["Nominations open", "Nominations close", "Ballot opens", "Ballot closes", "Results"]
            )
        ),
        next_milestone=None,
        nominations_close=NOW + timedelta(days=3),
        results_published=True,
        now=NOW,
    )
    base.update(kw)
    return ElectionHeader(**base)


SLATES = [
    Slate(
        (f"Slate {i:02d} " + "x" * 100)[:100],
        f"S{i}",
        f"#{i * 123457 % 0xFFFFFF:06X}",
        backers=["B" * 100] * 20,
        description="D" * 1500,
        url="https://example.org/slate",
    )
    for i in range(30)
]
RESULT = ElectionResult(
    [ResultRound({_name(i): 100_000 - i * 7 for i in range(N)})],
    published=True,
    valid_ballots=300_000,
    invalid_ballots=1_000,
)
SLATE_OF = {_name(i): SLATES[i % 30].name for i in range(N)}
SUMMARY = summarise_result(RESULT, 10, SLATE_OF, 600_000, VotingSystem.BLOC)


def _row(i: int, published: bool = True) -> CandidateRow:
    slate = SLATES[i % 30]
    return CandidateRow(
        _name(i),
        SlateRef(slate.name, slate.short, slate.colour),
        "seeking nominations",
        700 - i,
        700 - i >= 35,
        SUMMARY.ranking[i] if published else None,
    )


ROWS = tuple(_row(i) for i in range(N))
REGIONS = tuple(
    RegionGroup(
        (f"Region {r} " + "r" * 100)[:100],
        tuple(((f"Body {b:03d} " + "b" * 100)[:100], date(2026, 11, 1)) for b in range(64)),
    )
    for r in range(11)
)
CHART = ChartImage("chart.png", b"\x89PNG", "A" * 2000)


def _check(rendered) -> None:
    assert rendered.pages
    for page in rendered.pages:
        assert limit_problems(page) == [], limit_problems(page)


def test_every_renderer_fits_discord_limits() -> None:
    header = _header()
    coverage = slate_coverage({s.name: [] for s in SLATES[:3]}, [])
    summaries = tuple(
        SlateSummary(s, ROWS[:170], c, SUMMARY.slates[0]) for s, c in zip(SLATES[:3], coverage, strict=True)
    )
    stages = tuple(
        stage_table([ResultRound({_name(i): 1000.5 - i for i in range(N)}, excluded=[_name(N - 1)])] * 3, 300_000)
    )
    views = [
        elections.election_list(ElectionListView(tuple(_header(slug=f"e{i}") for i in range(40)), "e1", PROV)),
        elections.election_info(
            ElectionInfoView(
                header, N, N, N, tuple(SlateRef(s.name, s.short, s.colour) for s in SLATES), 700, 600_000, PROV
            )
        ),
        candidates.candidate_profile(
            CandidateProfileView(
                header,
                ROWS[0],
                "S" * 1500,
                "https://example.org/p.png",
                tuple((f"Link {i} " + "l" * 80, "https://example.org/" + "u" * 400) for i in range(10)),
                REGIONS,
                PROV,
            )
        ),
        candidates.candidate_list(CandidateListView(header, ROWS, ListOrder.RESULT, ("slate " + "x" * 100,), N, PROV)),
        candidates.candidate_list(
            CandidateListView(
                _header(results_published=False),
                tuple(_row(i, False) for i in range(N)),
                ListOrder.SURNAME,
                (),
                N,
                PROV,
            )
        ),
        slates.slate_info(SlateInfoView(header, summaries[0], PROV)),
        slates.slate_compare(SlateCompareView(header, summaries, 700, SUMMARY.total_votes, PROV)),
        nominations.nominations_progress(ProgressView(header, ROWS, 700, 3, PROV), CHART),
        nominations.nominations_progress(ProgressView(header, ROWS, 700, 3, PROV), CHART, CHART),  # two charts
        nominations.body_nominations(
            BodyNominationsView(
                header,
                Body("B" * 100, "CLP", "R" * 100, 1000, NOW),
                tuple((r, date(2026, 11, 1)) for r in ROWS),
                NOW + timedelta(days=1),
                PROV,
            )
        ),
        nominations.candidate_nominations(CandidateNominationsView(header, ROWS[0], REGIONS, PROV)),
        results.results(
            ResultsView(
                header,
                ResultsMode.SUMMARY,
                SUMMARY,
                electorate=600_000,
                slates={s.name: SlateRef(s.name, s.short, s.colour) for s in SLATES},
                provenance=PROV,
            ),
            CHART,
        ),
        results.results(
            ResultsView(
                _header(system=VotingSystem.STV), ResultsMode.ROUNDS, SUMMARY, stages, 27_273, 600_000, {}, PROV
            )
        ),
        results.results(
            ResultsView(
                header,
                ResultsMode.SLATES,
                SUMMARY,
                slates={s.name: SlateRef(s.name, s.short, s.colour) for s in SLATES},
                provenance=PROV,
            )
        ),
    ]
    for rendered in views:
        _check(rendered)
    assert views[3].page_count == 25


def test_unpublished_results_render_as_a_notice() -> None:
    header = _header(results_published=False, phase=Phase.COUNTING)
    rendered = results.results(ResultsView(header, ResultsMode.SUMMARY, None, provenance=PROV))
    text = rendered.pages[0][0].description or ""
    assert "not published yet" in text and "being counted" in text and rendered.chart is None
    assert results.results_chart_spec(ResultsView(header, ResultsMode.SUMMARY, None)) is None


def test_footer_carries_when_and_source() -> None:
    rendered = elections.election_list(ElectionListView((_header(),), "big", Provenance(3, NOW, "import:pack.json")))
    embed = rendered.pages[0][0]
    assert embed.timestamp == NOW and embed.footer.text == "Data last changed · Source: import:pack.json"


def test_wording_helpers() -> None:
    assert share_words(2 / 3) == "two-thirds" and share_words(0.655) == "about two-thirds"
    assert share_words(0.5) == "half" and share_words(0.43) == "43.0%"  # one percentage format throughout
    assert share_phrase(0.731) == "about three-quarters (73.1%)" and share_phrase(0.038) == "3.8%"
    assert kind_plural("CLP") == "CLPs" and kind_plural("branch") == "branches" and kind_plural("body") == "bodies"
    assert kind_plural("branch", 1) == "branch"
    assert join_limited(["a", "b", "c"], 100) == "a, b, c"
    assert join_limited([f"item{i}" for i in range(100)], 40) == "item0, item1, item2, item3, and 96 more"
    assert chunk_lines(["x" * 10] * 5, max_lines=2) == [["x" * 10] * 2, ["x" * 10] * 2, ["x" * 10]]
    assert colour_square("#C8102E") == "🟥" and colour_square("#1F5FAD") == "🟦" and colour_square(None) == "▫️"
    assert md("*bold* @everyone") == "\\*bold\\* @\u200beveryone"


def test_bar_chart_is_a_png_on_a_neutral_card() -> None:
    png = bar_chart(
        [Bar("Yasmine Dar", 68388, "#C8102E", True), Bar("Eddie Izzard", 39508, None)],
        title="Results",
        xlabel="Votes",
        line=40000,
        line_label="threshold",
    )
    assert png.startswith(b"\x89PNG")


async def test_chart_cache_draws_once_per_key() -> None:
    cache = ChartCache()
    spec = ChartSpec((Bar("A", 3), Bar("B", 2)), "t", "x", "c.png", "two bars")
    first, second = await asyncio.gather(cache.chart(("g", "e", 1, "k"), spec), cache.chart(("g", "e", 1, "k"), spec))
    assert first is second and cache.renders == 1 and first is not None and first.description == "two bars"
    await cache.chart(("g", "e", 2, "k"), spec)
    assert cache.renders == 2
    assert await cache.chart(("g", "e", 3, "k"), None) is None


def test_chart_file_is_fresh_each_time() -> None:
    chart = ChartImage("c.png", b"\x89PNG", "desc")
    a, b = chart.to_file(), chart.to_file()
    assert isinstance(a, discord.File) and a is not b and a.filename == "c.png"


@pytest.mark.parametrize("mode", list(ResultsMode))
def test_results_modes_render(mode: ResultsMode) -> None:
    small = ElectionResult([ResultRound({"A B": 3, "C D": 2})], published=True)
    summary = summarise_result(small, 1)
    _check(results.results(ResultsView(_header(seats=1), mode, summary, provenance=PROV)))


def test_limit_checker_catches_overflows() -> None:
    big = discord.Embed(description="x" * 4097)
    assert limit_problems([big]) == ["description 4097 > 4096"]
    many = [discord.Embed(description="y" * 4000) for _ in range(2)]
    assert limit_problems(many) == ["embeds total 8000 > 6000"]
