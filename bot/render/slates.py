"""`/slate info` and `/slate compare` views."""

from __future__ import annotations

import discord

from bot.render.candidates import slate_label
from bot.render.common import (
    Rendered,
    add_field,
    clip,
    colour_square,
    fmt_pct,
    fmt_votes,
    footer,
    join_limited,
    kind_plural,
    md,
    paged_embeds,
    parse_colour,
    plural,
    share_phrase,
    share_words,
    stamp_pages,
)
from bot.services.read.view_models import CandidateRow, ElectionHeader, SlateCompareView, SlateInfoView, SlateSummary


def _coverage_lines(s: SlateSummary, header: ElectionHeader) -> list[str]:
    cov = s.coverage
    kinds = kind_plural(header.body_kind, cov.reported)
    if not cov.reported:
        return [f"No {kind_plural(header.body_kind)} have reported nominations yet."]
    any_words = share_words(cov.any_share)
    of = f"of {cov.reported:,} reporting {kinds}"
    lines = [
        f"At least one: **{cov.any_count:,}** — "
        + (f"{any_words} {of}" if any_words.endswith("%") else f"{any_words} {of} ({fmt_pct(cov.any_share)})"),
    ]
    if len(cov.candidates) > 1:
        lines.append(f"All {len(cov.candidates)}: **{cov.all_count:,}** — {share_phrase(cov.all_share)}")
    return lines


def _candidate_line(row: CandidateRow, header: ElectionHeader) -> str:
    if header.results_published and row.result is not None:
        res = row.result
        mark = "⚖️" if res.tied else ("✅" if res.elected else "▫️")
        at = f" at stage {res.stage}" if res.stage is not None else ""  # STV: the stage the figure is from
        return f"{mark} **{md(row.name)}** — {fmt_votes(res.votes)} votes{at} ({res.position})"
    ok = " ✅" if row.qualified else ""
    need = f"/{header.required:,}" if header.required is not None else ""
    return f"**{md(row.name)}** — {row.nominations:,}{need} nominations{ok} · {row.status}"


def _result_line(s: SlateSummary, header: ElectionHeader, total_votes: float | None = None) -> str:
    if not header.results_published or s.result is None:
        return ""
    share = s.result.share if s.result.share is not None else (s.result.votes / total_votes if total_votes else None)
    return f"**{s.result.seats} of {header.seats}** seats · {fmt_votes(s.result.votes)} votes" + (
        f" ({fmt_pct(share)})" if share is not None else ""
    )


def slate_info(vm: SlateInfoView) -> Rendered:
    """Backers, candidates with their nominations, coverage, and seats won once results are out."""
    h, s = vm.header, vm.summary
    slate = s.slate
    intro_parts = []
    if slate.description:
        intro_parts.append(clip(md(slate.description), 800))
    if slate.short and slate.short != slate.name:
        intro_parts.append(f"Also known as **{md(slate.short)}**")
    intro_parts.append(f"{plural(len(s.rows), 'candidate')} in {md(h.name)}")
    fields: list[tuple[str, str, bool]] = []
    if slate.backers:
        fields.append(("Backed by", join_limited([md(b) for b in slate.backers], 1000), False))
    fields.append(("Nominations from " + kind_plural(h.body_kind), "\n".join(_coverage_lines(s, h)), False))
    if h.required is not None and s.rows:
        fields.append(("Reached the threshold", f"{len(s.qualified)} of {len(s.rows)}", True))
    if res := _result_line(s, h):
        fields.append(("Result", res, True))
    pages = paged_embeds(
        title=f"{colour_square(slate.colour)} {slate.name}",
        lines=[_candidate_line(r, h) for r in s.rows],
        colour=parse_colour(slate.colour),
        prov=vm.provenance,
        intro="\n".join(intro_parts),
        fields=fields,
        per_page=15,
        empty="No candidates on this slate yet.",
        url=slate.url,
    )
    return Rendered(pages=pages, share_title=slate.name)


def slate_compare(vm: SlateCompareView) -> Rendered:
    """Slates side by side: candidates, coverage, who qualified and, once published, votes, share and seats."""
    h = vm.header
    kinds = kind_plural(h.body_kind, vm.bodies_reported)
    names = " vs ".join(s.ref.label for s in vm.slates)
    embed = discord.Embed(
        title=clip(f"{names} — {h.name}", 256),
        description=(
            (
                f"{vm.bodies_reported:,} of {h.eligible_bodies:,} {kinds} have reported nominations."
                if h.eligible_bodies
                else "No nominations were recorded for this election."
            )
            + (f" Threshold: {h.required:,}." if h.required is not None else "")
        ),
        colour=parse_colour(vm.slates[0].slate.colour),
    )
    for s in vm.slates:
        lines = [f"{plural(len(s.rows), 'candidate')}"]
        lines += _coverage_lines(s, h)
        if h.required is not None:
            lines.append(f"Reached threshold: **{len(s.qualified)} of {len(s.rows)}**")
        if res := _result_line(s, h, vm.total_votes):
            lines.append(res)
        add_field(embed, slate_label(s.ref, short=False), "\n".join(lines), inline=True)
    for s in vm.slates:
        people = [
            ("✅ " if (r.result.elected if (h.results_published and r.result) else r.qualified) else "") + md(r.name)
            for r in s.rows
        ]
        add_field(embed, f"{md(s.ref.label)} candidates", join_limited(people, 420, sep="\n") or "None", inline=True)
    if h.results_published:
        embed.add_field(name="\u200b", value="✅ = elected", inline=False)
    elif h.required is not None:
        embed.add_field(name="\u200b", value=f"✅ = reached the threshold of {h.required:,} nominations", inline=False)
    footer(embed, vm.provenance)
    return Rendered(pages=stamp_pages([[embed]]), share_title=names)
