"""`/election list` and `/election info` views."""

from __future__ import annotations

import discord

from bot.render.common import (
    BRAND_COLOUR,
    Rendered,
    add_field,
    clip,
    colour_square,
    footer,
    join_limited,
    kind_plural,
    md,
    notice,
    paged_embeds,
    phase_badge,
    plural,
    system_text,
    threshold_text,
    ts,
    ts_full,
)
from bot.services.read.view_models import ElectionHeader, ElectionInfoView, ElectionListView


def _next_line(header: ElectionHeader) -> str:
    if header.next_milestone is not None:
        label, at = header.next_milestone
        return f"Next: {label} {ts(at, 'F')} ({ts(at, 'R')})"
    if header.milestones:
        label, at = header.milestones[-1]
        return f"{label}: {ts(at, 'D')}"
    return "No dates set yet"


def election_list(vm: ElectionListView) -> Rendered:
    """The guild's elections, newest first, each with its phase and next (or last) key date."""
    if not vm.elections:
        return notice("Elections", "There are no elections in this server yet.", vm.provenance)
    lines = []
    for h in vm.elections:
        star = " ⭐ *current*" if h.slug == vm.current_slug else ""
        committee = f" · {md(h.committee)}" if h.committee else ""
        lines.append(
            f"**{md(h.name)}** (`{h.slug}`){star}\n"
            f"{phase_badge(h.phase)} · {plural(h.seats, 'seat')}{committee}\n{_next_line(h)}\n"
        )
    pages = paged_embeds(
        title="Elections in this server",
        lines=lines,
        colour=BRAND_COLOUR,
        prov=vm.provenance,
        intro="Commands use the ⭐ current election unless you pick another with the `election` option.",
        per_page=8,
    )
    return Rendered(pages=pages, share_title="Elections")


def timeline_lines(header: ElectionHeader) -> list[str]:
    """Each known milestone as `Label: <t:F> (<t:R>)`, past ones struck through lightly with ✓."""
    out = []
    for label, at in header.milestones:
        done = "✓ " if at <= header.now else ""
        out.append(f"{done}**{label}:** {ts_full(at)}")
    return out or ["No dates set yet."]


def election_info(vm: ElectionInfoView) -> Rendered:
    """Committee, seats, voting system, threshold, phase, timeline with countdowns, candidate and slate counts."""
    h = vm.header
    embed = discord.Embed(
        title=clip(h.name, 256),
        description=md(h.committee) if h.committee else None,
        colour=BRAND_COLOUR,
    )
    add_field(embed, "Phase", phase_badge(h.phase), inline=True)
    add_field(embed, "Seats", f"{h.seats}", inline=True)
    add_field(embed, "Voting system", system_text(h.system, h.seats), inline=True)
    add_field(embed, "Nomination threshold", threshold_text(h.threshold, h.required, h.eligible_bodies, h.body_kind))
    add_field(embed, "Timeline", "\n".join(timeline_lines(h)))
    candidates = f"{plural(vm.standing, 'candidate')} standing"
    if vm.candidates != vm.standing:
        candidates += f" ({vm.candidates - vm.standing} withdrawn)"
    if vm.on_ballot:
        candidates += f"\n{vm.on_ballot} on the ballot"
    add_field(embed, "Candidates", candidates, inline=True)
    slates = plural(len(vm.slates), "slate")
    if vm.slates:
        slates += "\n" + join_limited([f"{colour_square(s.colour)} {md(s.name)}" for s in vm.slates], 900, sep="\n")
    add_field(embed, "Slates", slates, inline=True)
    kind = kind_plural(h.body_kind, h.eligible_bodies)
    reported = (
        f"{vm.bodies_reported:,} of {h.eligible_bodies:,} {kind} have nominated"
        if h.eligible_bodies
        else "No nominating bodies recorded"
    )
    if h.eligible_rule:
        reported += f"\nEligible: {md(h.eligible_rule)}"
    add_field(embed, "Nominations", reported, inline=True)
    if vm.electorate:
        add_field(embed, "Electorate", f"{vm.electorate:,} members", inline=True)
    if h.phase == "counting":
        add_field(embed, "Results", "Votes are being counted; results appear here once published.")
    footer(embed, vm.provenance)
    return Rendered(pages=[[embed]], share_title=h.name)
