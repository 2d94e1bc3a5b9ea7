"""`/nominations progress`, `/nominations branch` and `/nominations for` views, and the progress chart."""

from __future__ import annotations

from datetime import date

from bot.render.candidates import qualified_text, slate_label
from bot.render.charts import MAX_BARS, Bar, ChartSpec, Series, TimeSpec, slate_legend
from bot.render.common import (
    BRAND_COLOUR,
    ChartImage,
    Rendered,
    clip,
    join_limited,
    kind_plural,
    md,
    notice,
    paged_embeds,
    parse_colour,
    plural,
    progress,
    threshold_text,
    ts,
    ts_full,
    with_chart,
)
from bot.services.read.view_models import BodyNominationsView, CandidateNominationsView, ProgressView


def fmt_date(day: date | None) -> str:
    """`12 Oct 2017` (a calendar date, so no time zone conversion)."""
    return day.strftime("%-d %b %Y") if day else "date not recorded"


def progress_chart_spec(vm: ProgressView) -> ChartSpec | None:
    """Every candidate's nominations as bars (slate colours, with a legend), zeros included, the threshold dashed.

    None when nobody has a nomination yet: a chart of empty bars says nothing the text doesn't.
    """
    if not any(r.nominations > 0 for r in vm.rows):
        return None
    rows = list(vm.rows)
    shown = rows[:MAX_BARS]
    h = vm.header
    bars = tuple(Bar(r.name, r.nominations, r.slate.colour if r.slate else None, bool(r.qualified)) for r in shown)
    more = f" (top {len(shown)} of {len(rows)} candidates)" if len(rows) > len(shown) else ""
    zeros = sum(1 for r in shown if r.nominations == 0)
    none_yet = f" {plural(zeros, 'candidate')} with no nominations yet shown at 0." if zeros else ""
    threshold = f"; the threshold of {h.required:,} is the dashed line" if h.required is not None else ""
    lead = shown[0]
    legend = slate_legend([(r.slate.name if r.slate else None, r.slate.colour if r.slate else None) for r in shown])
    key = f" Bars are coloured by slate: {', '.join(name for name, _ in legend)}." if legend else ""
    description = (
        f"Bar chart of nominations per candidate{more}{threshold}. Most nominated: {lead.name} with "
        f"{lead.nominations:,}. {len(vm.qualified)} of {len(vm.rows)} candidates have reached the threshold "
        f"(marked ✓).{none_yet}{key}"
        if h.required is not None
        else f"Bar chart of nominations per candidate{more}. Most nominated: {lead.name} with "
        f"{lead.nominations:,}.{none_yet}{key}"
    )
    return ChartSpec(
        bars=bars,
        title=f"Nominations — {h.name}",
        xlabel=f"Nominating {kind_plural(h.body_kind)}",
        filename="nominations.png",
        description=clip(description, 1000),
        line=float(h.required) if h.required is not None else None,
        line_label=f"threshold {h.required:,}" if h.required is not None else "",
        mark_label="✓",
        legend=legend,
    )


#: Lines on the over-time chart: more than this and they can't be told apart.
MAX_LINES = 6


def over_time_chart_spec(vm: ProgressView) -> TimeSpec | None:
    """The most-nominated candidates' running totals by nomination date; None unless dates span two days."""
    data = vm.over_time
    if data is None:
        return None
    h = vm.header
    rows = [r for r in vm.rows if data.totals.get(r.name) and data.totals[r.name][-1] > 0][:MAX_LINES]
    if not rows:
        return None
    series = tuple(Series(r.name, r.slate.colour if r.slate else None, data.totals[r.name]) for r in rows)
    first, last = fmt_date(data.days[0]), fmt_date(data.days[-1])
    reached: list[tuple[date, str]] = []
    if h.required is not None:
        for r in rows:
            day = next((d for d, n in zip(data.days, data.totals[r.name], strict=True) if n >= h.required), None)
            if day is not None:
                reached.append((day, r.name))
    reached.sort(key=lambda pair: pair[0])  # in the order they got there
    who = f"the {len(rows)} most nominated candidates" if len(rows) > 1 else rows[0].name
    description = f"Line chart of nominations over time for {who}, {first} to {last}"
    if h.required is not None:
        description += f"; the threshold of {h.required:,} is the dashed line"
    description += ". " + "; ".join(f"{r.name} {data.totals[r.name][-1]:,}" for r in rows) + "."
    if reached:
        description += " Reached the threshold: " + "; ".join(f"{n} on {fmt_date(d)}" for d, n in reached) + "."
    if data.undated:
        description += f" {plural(data.undated, 'nomination')} without a date are not shown."
    return TimeSpec(
        days=data.days,
        series=series,
        title=f"Nominations over time — {h.name}",
        ylabel=f"Nominating {kind_plural(h.body_kind)} (running total)",
        filename="nominations-over-time.png",
        description=clip(description, 1000),
        line=float(h.required) if h.required is not None else None,
        line_label=f"threshold {h.required:,}" if h.required is not None else "",
    )


def nominations_progress(
    vm: ProgressView, chart: ChartImage | None = None, over_time: ChartImage | None = None
) -> Rendered:
    """Every candidate against the threshold with bars, bodies reported, days left, who qualified; the chart."""
    h = vm.header
    if not vm.rows:
        return notice(f"Nominations — {h.name}", f"No candidates are standing in {md(h.name)} yet.", vm.provenance)
    kinds = kind_plural(h.body_kind, h.eligible_bodies)
    intro = [
        f"**Threshold:** {threshold_text(h.threshold, h.required, h.eligible_bodies, h.body_kind)}",
        f"**Reported:** {vm.bodies_reported:,} of {h.eligible_bodies:,} {kinds}",
    ]
    if h.nominations_close is not None:
        if vm.days_left is not None:  # the countdown says how long is left, once
            intro.append(f"**Closes:** {ts(h.nominations_close, 'F')} ({ts(h.nominations_close, 'R')})")
        else:
            intro.append(f"**Closed:** {ts(h.nominations_close, 'F')}")
    if h.required is not None:
        qualified = vm.qualified
        names = join_limited([md(n) for n in qualified], 400) if qualified else "nobody yet"
        intro.append(f"**Qualified ({len(qualified)}):** {names}")
    if vm.bodies_reported == 0:
        intro.append("No nominations have been reported yet.")
    lines = []
    for r in vm.rows:
        mark = "✅" if r.qualified else "▫️"
        bar = progress(r.nominations, h.required)
        if r.nominations_closed and r.qualified is False:  # past the close: the shortfall is final
            mark, bar = "❌", f"{bar} · {qualified_text(r, h.required)[2:]}"
        lines.append(f"{mark} **{md(r.name)}** · {slate_label(r.slate)}\n{bar}")
    pages = paged_embeds(
        title=f"Nominations — {h.name}",
        lines=lines,
        colour=BRAND_COLOUR,
        prov=vm.provenance,
        intro="\n".join(intro),
        per_page=15,
    )
    charts = tuple(c for c in (chart, over_time) if c is not None)
    return Rendered(
        pages=with_chart(pages, *charts),
        chart=charts[0] if charts else None,
        more_charts=charts[1:],
        share_title=f"Nominations — {h.name}",
    )


def body_nominations(vm: BodyNominationsView) -> Rendered:
    """Whom a body nominated in the election, when, and its next nomination meeting."""
    h, body = vm.header, vm.body
    about = [body.kind] + ([md(body.region)] if body.region else [])
    if body.members:
        about.append(f"{body.members:,} members")
    meeting = (
        f"**Next nomination meeting:** {ts_full(vm.next_meeting)}"
        if vm.next_meeting
        else "**Next nomination meeting:** none scheduled"
    )
    intro = " · ".join(about) + "\n" + meeting
    lines = [f"{slate_label(row.slate)} **{md(row.name)}** — nominated {fmt_date(on)}" for row, on in vm.nominated]
    pages = paged_embeds(
        title=f"{body.name} — {h.name}",
        lines=lines,
        colour=BRAND_COLOUR,
        prov=vm.provenance,
        intro=intro + (f"\n\nNominated {plural(len(lines), 'candidate')}:" if lines else ""),
        per_page=20,
        empty=f"{md(body.name)} hasn't nominated anyone in {md(h.name)} yet.",
    )
    return Rendered(pages=pages, share_title=body.name)


def candidate_nominations(vm: CandidateNominationsView) -> Rendered:
    """The bodies that nominated a candidate, grouped by region (largest region first)."""
    h, r = vm.header, vm.row
    intro = f"{slate_label(r.slate, short=False)} · {progress(r.nominations, h.required)}"
    if extra := qualified_text(r, h.required):
        intro += f" · {extra}"
    lines: list[str] = []
    for group in vm.regions:
        lines.append(f"**{md(group.region)}** ({len(group.bodies)})")
        entries = [f"{md(body)} ({fmt_date(on)})" if on else md(body) for body, on in group.bodies]
        # Long regions wrap over several lines so pages can break between them.
        current: list[str] = []
        for entry in entries:
            if current and len(", ".join([*current, entry])) > 900:
                lines.append(", ".join(current))
                current = []
            current.append(entry)
        if current:
            lines.append(", ".join(current))
    pages = paged_embeds(
        title=f"Nominations for {r.name}",
        lines=lines,
        colour=parse_colour(r.slate.colour if r.slate else None),
        prov=vm.provenance,
        intro=f"{md(h.name)}\n{intro}",
        per_page=30,
        empty=f"{md(r.name)} has no nominations yet.",
    )
    return Rendered(pages=pages, share_title=f"Nominations for {r.name}")
