"""`/candidate` (profile) and `/candidates` (list) views, and the candidate lines other views reuse."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.render.common import (
    FIELD_VALUE_MAX,
    Rendered,
    add_field,
    clip,
    colour_square,
    fmt_pct,
    fmt_votes,
    footer,
    join_limited,
    md,
    notice,
    paged_embeds,
    parse_colour,
    plural,
    progress,
    status_icon,
)
from bot.services.read.view_models import (
    CandidateListView,
    CandidateProfileView,
    CandidateRow,
    ElectionHeader,
    ListOrder,
    RegionGroup,
    SlateRef,
)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 22nd."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def slate_label(slate: SlateRef | None, *, short: bool = True) -> str:
    """`🟥 Grassroots` (coloured swatch and name), or `Independent`."""
    if slate is None:
        return "Independent"
    return f"{colour_square(slate.colour)} {md(slate.label if short else slate.name)}"


def qualified_text(row: CandidateRow, required: int | None) -> str:
    """`✅ reached the threshold`, `needs 12 more`, or once nominations close `❌ did not qualify (…short)`."""
    if required is None or row.qualified is None:
        return ""
    if row.qualified:
        return "✅ reached the threshold"
    if row.nominations_closed:  # nominations are over: there is nothing more to gather
        return f"❌ did not qualify ({plural(required - row.nominations, 'nomination')} short)"
    return f"needs {required - row.nominations:,} more"


def result_text(row: CandidateRow, header: ElectionHeader) -> str:
    """A published result for one candidate: place, votes, share and gap to the place above."""
    r = row.result
    if r is None:
        return ""
    if r.tied:
        head = "⚖️ **Tied for the last seat**"
    elif r.elected:
        head = "✅ **Elected**"
    else:
        head = "**Not elected**"
    if r.stage is not None:  # STV: every figure from the one stage it names
        what = "excluded" if r.excluded else ("elected" if r.elected else "votes")
        at = f"{what} at stage {r.stage}" if what != "votes" else f"at the final stage (stage {r.stage})"
        parts = [f"{head} — {ordinal(r.position)}", f"{fmt_votes(r.votes)} votes {at}"]
    else:
        parts = [f"{head} — {ordinal(r.position)}", f"{fmt_votes(r.votes)} votes"]
    if r.share is not None:
        parts.append(f"{fmt_pct(r.share)} of votes cast" + (f" at stage {r.stage}" if r.stage is not None else ""))
    if r.behind_previous:
        parts.append(f"{fmt_votes(r.behind_previous)} behind the candidate above")
    return " · ".join(parts)


def region_summary(regions: Sequence[RegionGroup], limit: int = FIELD_VALUE_MAX, per_region: int = 220) -> str:
    """Nominating bodies grouped by region, summarised to fit `limit` ("…and 9 more regions, 40 bodies")."""
    if not regions:
        return "None recorded."
    lines: list[str] = []
    used = 0
    for index, group in enumerate(regions):
        names = [md(body) for body, _ in group.bodies]
        line = f"**{md(group.region)}** ({len(names)}): " + join_limited(names, per_region)
        rest = regions[index + 1 :]
        tail_budget = 60 if rest else 0
        if used + len(line) + 1 + tail_budget > limit:
            rest = regions[index:]
            bodies = sum(len(g.bodies) for g in rest)
            lines.append(f"…and {plural(len(rest), 'more region')} ({plural(bodies, 'body', 'bodies')})")
            break
        lines.append(line)
        used += len(line) + 1
    return clip("\n".join(lines), limit)


def candidate_profile(vm: CandidateProfileView) -> Rendered:
    """Slate (in its colour), statement, photo, links, status, nominations with a bar, bodies by region, result."""
    h, r = vm.header, vm.row
    colour = parse_colour(r.slate.colour if r.slate else None)
    embed = discord.Embed(
        title=clip(r.name, 256),
        description=clip(md(vm.bio), 2000) if vm.bio else "*No statement yet.*",
        colour=colour,
    )
    embed.set_author(name=clip(h.name, 256))
    if vm.photo_url:
        embed.set_thumbnail(url=vm.photo_url)
    add_field(embed, "Slate", slate_label(r.slate, short=False), inline=True)
    add_field(embed, "Status", f"{status_icon(r.status)} {r.status}", inline=True)
    noms = progress(r.nominations, h.required)
    if extra := qualified_text(r, h.required):
        noms += f"\n{extra}"
    add_field(embed, "Nominations", noms, inline=True)
    if vm.links:
        links = [f"[{md(label)}]({url})" for label, url in vm.links]
        add_field(embed, "Links", join_limited(links, 1000, sep=" · "))
    add_field(embed, f"Nominated by ({r.nominations:,})", region_summary(vm.regions))
    if h.results_published and r.result is not None:
        add_field(embed, "Result", result_text(r, h))
    footer(embed, vm.provenance)
    return Rendered(pages=[[embed]], share_title=r.name)


def list_line(row: CandidateRow, order: ListOrder, required: int | None) -> str:
    """One candidate in a list: result figures once published, else status and nominations."""
    slate = slate_label(row.slate)
    if order is ListOrder.RESULT and row.result is not None:
        res = row.result
        mark = "⚖️" if res.tied else ("✅" if res.elected else "▫️")
        share = f" ({fmt_pct(res.share)})" if res.share is not None else ""
        at = f" at stage {res.stage}" if res.stage is not None else ""
        return f"**{res.position}.** {mark} **{md(row.name)}** · {slate} — {fmt_votes(res.votes)}{at}{share}"
    noms = f"{plural(row.nominations, 'nomination')}"
    if row.qualified:
        noms += " ✅"
    return f"{status_icon(row.status)} **{md(row.name)}** · {slate} · {row.status} · {noms}"


def candidate_list(vm: CandidateListView) -> Rendered:
    """Candidates, 20 a page: alphabetical by surname before results, by result after."""
    h = vm.header
    if vm.total_in_election == 0:
        return notice(f"Candidates — {h.name}", f"No candidates have been added to {md(h.name)} yet.", vm.provenance)
    if not vm.rows:
        what = ", ".join(vm.filters)
        return notice(f"Candidates — {h.name}", f"No candidates in {md(h.name)} match {md(what)}.", vm.provenance)
    order = "by result" if vm.order is ListOrder.RESULT else "alphabetical by surname"
    intro = f"{plural(len(vm.rows), 'candidate')} · {order}"
    if vm.filters:
        intro += " · " + md(", ".join(vm.filters))
    if h.required is not None and vm.order is ListOrder.SURNAME:
        intro += f" · ✅ = reached the threshold of {h.required:,}"
    pages = paged_embeds(
        title=f"Candidates — {h.name}",
        lines=[list_line(r, vm.order, h.required) for r in vm.rows],
        colour=parse_colour(None),
        prov=vm.provenance,
        intro=intro,
        per_page=20,
    )
    return Rendered(pages=pages, share_title=f"Candidates — {h.name}")
