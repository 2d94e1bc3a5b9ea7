"""`/results` views (summary, rounds, slates) and the results chart. Nothing is shown until published."""

from __future__ import annotations

import discord

from bot.domain.models import VotingSystem
from bot.domain.results import Margin, RankedCandidate, ResultSummary, Winners
from bot.domain.stv import Stage
from bot.render.candidates import slate_label
from bot.render.charts import MAX_BARS, Bar, ChartSpec, slate_legend
from bot.render.common import (
    BRAND_COLOUR,
    ChartImage,
    Rendered,
    clip,
    colour_square,
    fmt_pct,
    fmt_votes,
    join_limited,
    md,
    notice,
    paged_embeds,
    plural,
    stamp_pages,
    system_text,
    ts_full,
    with_chart,
)
from bot.services.read.view_models import ResultsMode, ResultsView


def _surname(name: str) -> str:
    return name.rsplit(" ", 1)[-1]


def margin_text(margin: Margin) -> str:
    """`Rachel Garnham beat Eddie Izzard by 23,474 votes (37.3% of Garnham's vote)`.

    Never a negative figure: a declared winner with fewer votes is said plainly
    (`Cat Cole was declared elected with 100 fewer votes than Bob Brown`).
    """
    at = f" at stage {margin.stage}" if margin.stage is not None else ""
    if margin.declared_behind:
        return (
            f"**{md(margin.last_elected)}** was declared elected with **{fmt_votes(margin.votes)}** fewer votes "
            f"than **{md(margin.runner_up)}**{at}"
        )
    pct = (
        f" ({fmt_pct(margin.percent_of_last / 100)} of {md(_surname(margin.last_elected))}'s vote)"
        if (margin.percent_of_last is not None)
        else ""
    )
    return (
        f"**{md(margin.last_elected)}** beat **{md(margin.runner_up)}** by **{fmt_votes(margin.votes)}** votes{at}{pct}"
    )


def declared_text(summary: ResultSummary) -> str:
    """The sentence a declared result carries; empty for a computed one."""
    if summary.winners is not Winners.DECLARED:
        return ""
    if summary.declared_differs:
        return (
            "📜 **Declared result:** the elected candidates are as officially declared (for example under "
            "gender-balance or other quota rules), which differ from the order of votes."
        )
    return "📜 The elected candidates are as officially declared."


def stage_figure(r: RankedCandidate) -> str:
    """A line's votes, share and what happened, all from one stage: `elected at stage 3 with 340 votes (34.7%)`."""
    share = f" ({fmt_pct(r.share)} of stage {r.stage})" if r.share is not None and r.stage is not None else ""
    if r.stage is None:
        share = f" ({fmt_pct(r.share)})" if r.share is not None else ""
        return f"{fmt_votes(r.votes)}{share}"
    if r.elected:
        return f"elected at stage {r.stage} with {fmt_votes(r.votes)} votes{share}"
    if r.excluded:
        return f"excluded at stage {r.stage} with {fmt_votes(r.votes)} votes"
    share = f", {fmt_pct(r.share)}" if r.share is not None else ""
    return f"{fmt_votes(r.votes)} votes at the final stage (stage {r.stage}{share})"


def tie_text(summary: ResultSummary) -> str:
    """The unresolved tie at the last seat, reported and never broken."""
    tied = [r for r in summary.ranking if r.tied]
    bold = [f"**{md(r.name)}**" for r in tied]
    names = (", ".join(bold[:-1]) + " and " + bold[-1]) if 1 < len(bold) <= 6 else join_limited(bold, 600)
    votes = fmt_votes(tied[0].votes) if tied else "–"
    seats = "seat" if summary.seats_undecided == 1 else f"{summary.seats_undecided} seats"
    return (
        f"⚖️ **Tie for the last {seats}:** {names} are level on {votes} votes. "
        "The tie is settled under the election's rules (for example by lot), not by this bot."
    )


def turnout_text(summary: ResultSummary, electorate: int | None) -> str:
    """`Turnout 23.4% — 126,000 ballots of 540,000 members (250 spoilt)`; empty when nothing is known."""
    cast = summary.ballots_cast
    if cast is None:
        return ""
    spoilt = f" ({summary.invalid_ballots:,} spoilt)" if summary.invalid_ballots else ""
    if summary.turnout is not None and electorate:
        return f"**Turnout:** {fmt_pct(summary.turnout)} — {cast:,} ballots of {electorate:,} members{spoilt}"
    return f"**Ballots:** {cast:,}{spoilt}"


def ranking_line(r: RankedCandidate, vm: ResultsView) -> str:
    """`**2.** ✅ **Jon Lansman** · 🟥 Grassroots — 68,693 (21.1%) · 3,225 behind` (STV: one stage, named)."""
    mark = "⚖️" if r.tied else ("✅" if r.elected else ("❌" if r.excluded else "▫️"))
    behind = f" · {fmt_votes(r.behind_previous)} behind" if r.behind_previous else ""
    slate = slate_label(vm.slate_of(r.slate))
    ballots = ""
    valid = vm.summary.valid_ballots if vm.summary is not None else None
    if vm.header.system is VotingSystem.BLOC and valid and r.stage is None:
        # each member may vote for several: the share of ballots says how many backed this candidate
        ballots = f" · on {fmt_pct(r.votes / valid)} of {valid:,} ballots"
    return f"**{r.position}.** {mark} **{md(r.name)}** · {slate} — {stage_figure(r)}{ballots}{behind}"


def slate_total_lines(vm: ResultsView, *, with_candidates: bool) -> list[str]:
    """Each slate's votes, share and seats (independents last among equals)."""
    assert vm.summary is not None
    lines = []
    for t in vm.summary.slates:
        ref = vm.slate_of(t.slate)
        name = f"{colour_square(ref.colour)} **{md(ref.name)}**" if ref else "**Independents**"
        share = f" ({fmt_pct(t.share)})" if t.share is not None else ""
        line = f"{name} — {fmt_votes(t.votes)} votes{share} · {plural(t.seats, 'seat')}"
        if with_candidates:
            elected = {r.name for r in vm.summary.ranking if r.elected}
            line += "\n" + join_limited([f"✅ {md(c)}" if c in elected else md(c) for c in t.candidates], 600)
        lines.append(line)
    return lines


def _intro(vm: ResultsView) -> list[str]:
    h, s = vm.header, vm.summary
    assert s is not None
    lines = [f"{plural(h.seats, 'seat')} · {system_text(h.system, h.seats)}"]
    if turnout := turnout_text(s, vm.electorate):
        lines.append(turnout)
    if declared := declared_text(s):
        lines.append(declared)
    if s.tie_at_last_seat:
        lines.append(tie_text(s))
    elif s.margin is not None:
        lines.append(f"**Margin for the last seat:** {margin_text(s.margin)}")
    if s.elected:
        lines.append(f"**Elected:** {join_limited([md(n) for n in s.elected], 500)}")
    return lines


def _stage_note(r: RankedCandidate) -> str:
    if r.stage is None:
        return ""
    if r.elected:
        return f"elected at stage {r.stage}"
    if r.excluded:
        return f"excluded at stage {r.stage}"
    return f"final, stage {r.stage}"


def results_chart_spec(vm: ResultsView) -> ChartSpec | None:
    """Votes per candidate in slate colours (with a legend), the elected marked, ties hatched; None when unpublished.

    Bloc/FPTP chart the single round in ranking order. STV charts the figure each summary line
    shows — the votes at the stage the candidate was elected or excluded (else the final stage) —
    sorted by that stage and labelled with it, so the chart reads as the count went.
    """
    s = vm.summary
    if s is None or not s.ranking:
        return None
    stv = any(r.stage is not None for r in s.ranking)
    rows = list(s.ranking)
    if stv:
        rows.sort(key=lambda r: (r.stage or 0, not r.elected, r.excluded, -r.votes, r.position))
    shown = rows[:MAX_BARS]
    bars = tuple(
        Bar(r.name, r.votes, (ref.colour if (ref := vm.slate_of(r.slate)) else None), r.elected, r.tied, _stage_note(r))
        for r in shown
    )
    more = f" (top {len(shown)} of {len(s.ranking)})" if len(s.ranking) > len(shown) else ""
    if stv:
        what = "Bar chart of each candidate's votes at the stage they were elected or excluded (else the final stage)"
        figures = "; ".join(f"{r.name} {fmt_votes(r.votes)} ({_stage_note(r)})" for r in shown[:6])
    else:
        what = "Bar chart of votes per candidate"
        figures = "; ".join(
            f"{r.name} {fmt_votes(r.votes)}{' (elected)' if r.elected else ''}"
            for r in shown[: max(3, len(s.elected) + 1)]
        )
    legend = slate_legend(
        [((ref.name if (ref := vm.slate_of(r.slate)) else None), ref.colour if ref else None) for r in shown]
    )
    parts = [f"{what}{more}, in stage order" if stv else f"{what}{more}"]
    parts.append("coloured by slate (" + ", ".join(name for name, _ in legend) + ")" if legend else "")
    parts.append("elected candidates marked ✓")
    description = ", ".join(p for p in parts if p) + f". {figures}."
    if s.tie_at_last_seat:
        description += f" Tied for the last seat (hatched, marked tied): {', '.join(s.tie_at_last_seat)}."
    return ChartSpec(
        bars=bars,
        title=f"Results — {vm.header.name}",
        xlabel="Votes at the stage shown beside each bar" if stv else "Votes",
        filename="results.png",
        description=clip(description, 1000),
        mark_label="✓ elected" if not stv else "✓",
        legend=legend,
    )


def slates_chart_spec(vm: ResultsView) -> ChartSpec | None:
    """Each slate's total votes in its colour, with its share and seats beside the bar; None when unpublished."""
    s = vm.summary
    if s is None or not s.ranking or not s.slates:
        return None
    stv = vm.header.system is VotingSystem.STV
    bars = []
    for t in s.slates[:MAX_BARS]:
        ref = vm.slate_of(t.slate)
        share = f"{fmt_pct(t.share)} · " if t.share is not None else ""
        bars.append(
            Bar(
                ref.name if ref else "Independents",
                t.votes,
                ref.colour if ref else None,
                t.seats > 0,
                note=f"{share}{plural(t.seats, 'seat')}",
            )
        )
    figures = "; ".join(f"{b.label} {fmt_votes(b.value)} ({b.note})" for b in bars)
    basis = "first-preference votes" if stv else "votes"
    return ChartSpec(
        bars=tuple(bars),
        title=f"Results by slate — {vm.header.name}",
        xlabel="First-preference votes (stage 1)" if stv else "Votes",
        filename="slates.png",
        description=clip(
            f"Bar chart of {basis} per slate, each in its colour, with its share and seats: {figures}.", 1000
        ),
        mark_label="✓",
    )


def _not_published(vm: ResultsView) -> Rendered:
    h = vm.header
    title = f"Results — {h.name}"
    if h.results_published:
        return notice(title, "Results are published but no figures have been entered yet.", vm.provenance)
    lines = [f"Results for **{md(h.name)}** are not published yet."]
    if h.phase == "counting":
        lines.append("Voting has closed and the votes are being counted.")
    due = next((at for label, at in h.milestones if label == "Results"), None)
    if due is not None:
        lines.append(f"Results are expected {ts_full(due)}.")
    return notice(title, "\n".join(lines), vm.provenance)


def _summary(vm: ResultsView, chart: ChartImage | None) -> Rendered:
    s = vm.summary
    assert s is not None
    fields = []
    if any(t.slate for t in s.slates):
        label = "Slates (first preferences)" if vm.header.system is VotingSystem.STV else "Slates"
        fields.append((label, join_limited(slate_total_lines(vm, with_candidates=False), 1000, sep="\n"), False))
    pages = paged_embeds(
        title=f"Results — {vm.header.name}",
        lines=[ranking_line(r, vm) for r in s.ranking],
        colour=BRAND_COLOUR,
        prov=vm.provenance,
        intro="\n".join(_intro(vm)),
        fields=fields,
        per_page=20,
    )
    return Rendered(pages=with_chart(pages, chart), chart=chart, share_title=f"Results — {vm.header.name}")


def _stage_lines(stage: Stage, previous: Stage | None, quota: int | None, elected_before: set[str]) -> list[str]:
    """One line per candidate still holding (or just losing) votes: total, transfer, what happened."""
    lines = []
    gone = set()
    if previous is not None:
        gone = {n for n, v in previous.votes.items() if v == 0}
    for name, votes in sorted(stage.votes.items(), key=lambda kv: (-kv[1], kv[0])):
        if name in gone and votes == 0:
            continue
        transfer = stage.transfers.get(name) if stage.transfers else None
        delta = f" ({'+' if transfer > 0 else '−'}{fmt_votes(abs(transfer))})" if transfer else ""
        mark = " ✅ **elected**" if name in stage.elected else (" ❌ excluded" if name in stage.excluded else "")
        over = ""
        if quota is not None and votes >= quota and name not in stage.elected and name not in elected_before:
            over = " ≥ quota"
        lines.append(f"{md(name)} — {fmt_votes(votes)}{delta}{mark}{over}")
    nt = f"Non-transferable: {fmt_votes(stage.non_transferable)}"
    if stage.non_transferable_change:
        nt += f" (+{fmt_votes(stage.non_transferable_change)})"
    lines.append(f"*{nt}*")
    return lines


def _stv_rounds(vm: ResultsView) -> Rendered:
    h, s = vm.header, vm.summary
    assert s is not None
    head = [f"{plural(h.seats, 'seat')} · {system_text(h.system, h.seats)}"]
    if vm.quota is not None:
        base = s.valid_ballots if s.valid_ballots is not None else None
        how = f" = ⌊{base:,} ÷ {h.seats + 1}⌋ + 1" if base is not None else ""
        head.append(f"**Quota (Droop):** {vm.quota:,}{how}")
    pages: list[list[discord.Embed]] = []
    previous: Stage | None = None
    elected_before: set[str] = set()
    for stage in vm.stages:
        events = []
        if stage.elected:
            events.append("Elected: " + ", ".join(md(n) for n in stage.elected))
        if stage.excluded:
            events.append("Excluded: " + ", ".join(md(n) for n in stage.excluded))
        what = "First preferences" if stage.number == 1 else "Transfers shown in brackets"
        intro = "\n".join([*head, f"**Stage {stage.number} of {len(vm.stages)}** — {what}", *events])
        pages += paged_embeds(
            title=f"Count stages — {h.name}",
            lines=_stage_lines(stage, previous, vm.quota, elected_before),
            colour=BRAND_COLOUR,
            prov=vm.provenance,
            intro=intro[:1500],
            per_page=20,
            stamp=False,
        )
        previous = stage
        elected_before.update(stage.elected)
    if not pages:
        return notice(f"Count stages — {h.name}", "No count stages were entered.", vm.provenance)
    return Rendered(pages=stamp_pages(pages), share_title=f"Count stages — {h.name}")


def _single_round(vm: ResultsView) -> Rendered:
    h, s = vm.header, vm.summary
    assert s is not None
    intro = [
        f"{plural(h.seats, 'seat')} · {system_text(h.system, h.seats)} · a single round",
        f"Total votes cast for candidates: {fmt_votes(s.total_votes)}",
    ]
    if declared := declared_text(s):
        intro.append(declared)
    if s.tie_at_last_seat:
        intro.append(tie_text(s))
    pages = paged_embeds(
        title=f"Round — {h.name}",
        lines=[ranking_line(r, vm) for r in s.ranking],
        colour=BRAND_COLOUR,
        prov=vm.provenance,
        intro="\n".join(intro),
        per_page=20,
    )
    return Rendered(pages=pages, share_title=f"Round — {h.name}")


def _slates(vm: ResultsView, chart: ChartImage | None) -> Rendered:
    h = vm.header
    pages = paged_embeds(
        title=f"Results by slate — {h.name}",
        lines=slate_total_lines(vm, with_candidates=True),
        colour=BRAND_COLOUR,
        prov=vm.provenance,
        intro=f"{plural(h.seats, 'seat')} · shares are of all votes cast"
        + (" (first preferences)" if h.system is VotingSystem.STV else ""),
        per_page=8,
    )
    return Rendered(pages=with_chart(pages, chart), chart=chart, share_title=f"Results by slate — {h.name}")


def results(vm: ResultsView, chart: ChartImage | None = None) -> Rendered:
    """The `/results` view for its mode; a "not published yet" notice while results are unpublished."""
    if vm.summary is None or not vm.summary.ranking:
        return _not_published(vm)
    if vm.mode is ResultsMode.ROUNDS:
        return (
            _stv_rounds(vm)
            if vm.header.system is VotingSystem.STV and len(vm.stages) >= 1 and vm.quota
            else (_single_round(vm))
        )
    if vm.mode is ResultsMode.SLATES:
        return _slates(vm, chart)
    return _summary(vm, chart)
