"""`/nominations progress`, `/nominations branch` and `/nominations for` through the simulator."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

from PIL import Image

from bot.clock import ManualClock
from bot.domain.models import Body, Candidate, Election, Slate, Timeline, VotingSystem
from bot.sim import DiscordSimulator, SimGuild, SimMember
from bot.store.database import Database
from cogs._common import chart_cache
from tests.helpers import ask, choices, seed_election, seed_race


async def test_progress_with_bars_deadline_and_chart(sim: DiscordSimulator, member: SimMember, demo) -> None:
    handle = await sim.invoke(member, "/nominations progress", {})
    reply = await handle.response(timeout=10)
    assert handle.callback_type == 5  # deferred (thinking) before drawing the chart
    assert sim.violations == [] and reply.ephemeral and not reply.loading
    text = reply.embeds[0]["description"]
    assert "**Threshold:** 10% of 40 branches = 4 nominations" in text
    assert "**Reported:** 26 of 40 branches" in text
    assert re.search(r"\*\*Closes:\*\* <t:\d+:F> \(<t:\d+:R>\)\n", text) and "days left" not in text  # #18 item 13
    assert "**Qualified (6):** Aileen Marsh, Tomasz Wróbel, Gareth Pryce, Morag Lindsay, Priya Nandakumar, " in text
    assert "✅ **Aileen Marsh** · 🟥 BLA\n▰▰▰▰▰▰▰▰▰▰ 14/4" in text
    assert "▫️ **Samuel Okafor** · 🟦 MF\n▰▰▰▰▰▰▰▰▱▱ 3/4" in text
    # #17 part 5: the bar chart and, as the demo's nominations carry dates, the chart over time
    assert reply.filenames == ["nominations.png", "nominations-over-time.png"]
    for attachment in reply.attachments:
        assert Image.open(io.BytesIO(attachment.data)).format == "PNG"
    chart, over_time = reply.embeds[1], reply.embeds[2]
    assert chart["image"]["url"] == "attachment://nominations.png"
    assert "threshold of 4 is the dashed line" in chart["description"]
    assert "Aileen Marsh with 14" in chart["description"]
    assert "coloured by slate" in chart["description"]
    assert over_time["image"]["url"] == "attachment://nominations-over-time.png"
    assert "Line chart of nominations over time" in over_time["description"]
    assert "Reached the threshold: Aileen Marsh on" in over_time["description"]
    # Share posts both charts in the channel, with their text
    shared = await (await sim.click(member, reply, reply.button("Share")["custom_id"])).response()
    assert not shared.ephemeral and shared.filenames == ["nominations.png", "nominations-over-time.png"]
    assert [e["image"]["url"] for e in shared.embeds[1:]] == [
        "attachment://nominations.png",
        "attachment://nominations-over-time.png",
    ]


async def test_progress_chart_is_cached_per_data_version(
    sim: DiscordSimulator, member: SimMember, guild: SimGuild, db: Database, clock: ManualClock, demo
) -> None:
    await ask(sim, member, "/nominations progress")
    cache = chart_cache(demo)
    drawn = cache.renders
    await ask(sim, member, "/nominations progress")
    assert cache.renders == drawn
    await seed_election(  # any change bumps the version: the next chart is drawn afresh
        db, guild.id, clock, Election(guild_id=0, slug="other", name="Other", seats=1, voting_system=VotingSystem.FPTP)
    )
    await ask(sim, member, "/nominations progress", {"election": "ncwu-nec"})
    assert cache.renders == drawn + 2  # the bars and the chart over time


async def test_empty_elections(
    sim: DiscordSimulator, member: SimMember, guild: SimGuild, db: Database, clock: ManualClock, hustings
) -> None:
    timeline = Timeline(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 24, 18, tzinfo=UTC))
    await seed_race(
        db,
        guild.id,
        clock,
        "quiet",
        "Quiet race",
        threshold=3,
        timeline=timeline,
        candidates=[Candidate("Ann Able"), Candidate("Ben Baker")],
    )
    reply = await ask(sim, member, "/nominations progress")
    text = reply.embeds[0]["description"]
    assert "No nominations have been reported yet." in text and "**Closes:** <t:" in text
    assert "**Qualified (0):** nobody yet" in text and not reply.filenames
    none_yet = await ask(sim, member, "/nominations for", {"candidate": "Ann Able"})
    assert "Ann Able has no nominations yet." in none_yet.text
    await seed_election(
        db,
        guild.id,
        clock,
        Election(guild_id=0, slug="bare", name="Bare race", seats=1, voting_system=VotingSystem.FPTP),
    )
    bare = await ask(sim, member, "/nominations progress", {"election": "bare"})
    assert "No candidates are standing in Bare race yet." in bare.text
    no_bodies = await ask(sim, member, "/nominations branch", {"name": "Anywhere"})
    assert no_bodies.content == "No nominating bodies have been added in this server yet."


async def test_branch_nominations_and_next_meeting(sim: DiscordSimulator, member: SimMember, demo) -> None:
    reply = await ask(sim, member, "/nominations branch", {"name": "estuary refinery"})
    text = reply.embeds[0]["description"]
    assert reply.embeds[0]["title"] == "Estuary Refinery Branch — NCWU National Executive Council election"
    assert "branch · Estuary · 1,160 members" in text and "none scheduled" in text
    assert "Nominated 4 candidates:" in text
    assert "🟥 BLA **Aileen Marsh** — nominated 22 Nov 2026" in text
    quiet = await ask(sim, member, "/nominations branch", {"name": "Skelbeck Hospital Branch"})
    text = quiet.embeds[0]["description"]
    assert re.search(r"\*\*Next nomination meeting:\*\* <t:\d+:F> \(<t:\d+:R>\)", text)
    assert "Skelbeck Hospital Branch hasn't nominated anyone in NCWU National Executive Council election yet." in text
    assert (await choices(sim, member, "/nominations branch", "name", "skel")) == [
        "Skelbeck Hospital Branch — Northshire Dales"
    ]
    wrong = await ask(sim, member, "/nominations branch", {"name": "Estuary Refinary"})
    assert wrong.content.startswith("No branch or nominating body called “Estuary Refinary”")
    assert "**Estuary Refinery Branch**" in wrong.content


async def test_nominations_for_a_candidate_by_region(sim: DiscordSimulator, member: SimMember, demo) -> None:
    reply = await ask(sim, member, "/nominations for", {"candidate": "Tomasz Wróbel"})
    embed = reply.embeds[0]
    assert embed["title"] == "Nominations for Tomasz Wróbel"
    text = embed["description"]
    assert "🟥 Broad Left Alliance · ▰▰▰▰▰▰▰▰▰▰ 11/4 · ✅ reached the threshold" in text
    assert "**Coastal South** (2)\nGullpoint Buses Branch (18 Nov 2026), Merrowcombe Post & Parcels Branch" in text
    assert text.count("**") == 2 * 6 + 0  # six region headings, nothing else bold
    assert await choices(sim, member, "/nominations for", "candidate", "tom") == ["Tomasz Wróbel — BLA"]
    wrong = await ask(sim, member, "/nominations for", {"candidate": "Tomas Wrobell"})
    assert "did you mean **Tomasz Wróbel**?" in wrong.content


async def test_charts_draw_names_with_dollar_signs_as_written(
    sim: DiscordSimulator, member: SimMember, guild: SimGuild, db: Database, clock: ManualClock, hustings
) -> None:
    """#17 part 5: "$…$" in a name is text, not a formula — it once broke the chart and the whole reply."""
    await seed_race(
        db,
        guild.id,
        clock,
        "cash",
        "The $^$ fund",
        threshold=2,
        slates=[Slate("Save $\\x$", "S", "#C8102E")],
        candidates=[Candidate("Ann $^$ Able", slate="Save $\\x$"), Candidate("Ben Baker")],
        bodies=[Body("North $\\frac{a}{$", "branch"), Body("South", "branch")],
        nominations=[
            ("North $\\frac{a}{$", "Ann $^$ Able", date(2026, 11, 2)),
            ("South", "Ann $^$ Able", date(2026, 11, 5)),
        ],
    )
    reply = await ask(sim, member, "/nominations progress", {"election": "cash"})
    assert reply.filenames == ["nominations.png", "nominations-over-time.png"], reply.text
    assert "Ann $^$ Able with 2" in reply.embeds[1]["description"]
