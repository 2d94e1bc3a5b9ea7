"""`/results`: the January 2018 NEC result, unpublished results hidden, STV stages, ties, slate totals."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from PIL import Image

from bot.clock import ManualClock
from bot.domain.models import Candidate, Election, ResultRound, Slate, Threshold, Timeline, VotingSystem
from bot.sim import DiscordSimulator, SimGuild, SimMember
from bot.store.database import Database
from tests.helpers import ask, seed_election, set_published


def _lines(message) -> list[str]:
    return message.embeds[0]["description"].splitlines()


async def test_january_2018_summary(sim: DiscordSimulator, member: SimMember, demo) -> None:
    reply = await ask(sim, member, "/results", {"election": "nec-2018"})
    assert reply.ephemeral
    main = reply.embeds[0]
    ranking = [line for line in _lines(reply) if line.startswith("**")]
    names = [line.split("**")[3] for line in ranking if line.split("**")[1].rstrip(".").isdigit()]
    assert names[:6] == [
        "Yasmine Dar",
        "Jon Lansman",
        "Rachel Garnham",
        "Eddie Izzard",
        "Johanna Baxter",
        "Gurinder Singh Josan",
    ]
    lansman = next(line for line in ranking if "**Jon Lansman**" in line)
    assert "65,163" in lansman and "3,225 behind" in lansman  # Dar–Lansman
    assert "✅" in lansman and "✅" not in next(line for line in ranking if "Eddie Izzard" in line)
    assert (
        "**Rachel Garnham** beat **Eddie Izzard** by **23,474** votes (37.3% of Garnham's vote)"
        in (main["description"])
    )
    slates = next(f for f in main["fields"] if f["name"] == "Slates")["value"]
    assert "Centre Left Grassroots Alliance** — 196,533 votes (62.4%) · 3 seats" in slates
    assert "Progress / Labour First backed** — 91,966 votes (29.2%) · 0 seats" in slates
    assert "Source: import:demo-pack.json" in main["footer"]["text"] and main.get("timestamp")
    # The chart: an attached PNG in the second embed, with a text description for everyone.
    assert reply.filenames == ["results.png"] and reply.attachments[0].data.startswith(b"\x89PNG")
    chart = reply.embeds[1]
    assert chart["image"]["url"].endswith("results.png")
    assert "Yasmine Dar 68,388 (elected)" in chart["description"]
    assert [b["label"] for b in reply.buttons] == ["Share"]


async def test_results_other_views(sim: DiscordSimulator, member: SimMember, demo) -> None:
    slates = await ask(sim, member, "/results", {"election": "nec-2018", "view": "slates"})
    text = slates.text
    assert "Results by slate" in text and "Independents** — 26,506 votes (8.4%) · 0 seats" in text
    assert "Nick Donovan" in text
    # #17 part 5: a slate-totals chart, each slate in its colour with its share and seats
    assert slates.filenames == ["slates.png"] and Image.open(io.BytesIO(slates.attachments[0].data)).format == "PNG"
    alt = slates.embeds[-1]["description"]
    assert slates.embeds[-1]["image"]["url"] == "attachment://slates.png"
    assert "Centre Left Grassroots Alliance 196,533 (62.4% · 3 seats)" in alt and "Independents 26,506" in alt
    # #18 item 13: the slates view marks who was elected
    assert "✅ Yasmine Dar" in text and "✅ Nick Donovan" not in text
    rounds = await ask(sim, member, "/results", {"election": "nec-2018", "view": "rounds"})
    assert "a single round" in rounds.text and "**1.** ✅ **Yasmine Dar**" in rounds.text


async def test_current_election_results_not_published(sim: DiscordSimulator, member: SimMember, demo) -> None:
    reply = await ask(sim, member, "/results")
    assert "NCWU National Executive Council election" in reply.embeds[0]["title"]
    assert "are not published yet" in reply.text and "Results are expected <t:" in reply.text
    assert not reply.filenames


async def test_unpublished_results_are_never_shown(
    sim: DiscordSimulator, member: SimMember, guild: SimGuild, db: Database, clock: ManualClock, demo
) -> None:
    await set_published(db, guild.id, "nec-2018", clock, False)
    results = await ask(sim, member, "/results", {"election": "nec-2018"})
    assert "not published yet" in results.text and "68,388" not in results.text and not results.filenames
    profile = await ask(sim, member, "/candidate", {"name": "Yasmine Dar", "election": "nec-2018"})
    assert "68,388" not in profile.text and "Result" not in [f["name"] for f in profile.embeds[0]["fields"]]
    assert "elected" not in next(f for f in profile.embeds[0]["fields"] if f["name"] == "Status")["value"]
    listing = await ask(sim, member, "/candidates", {"election": "nec-2018"})
    assert "alphabetical by surname" in listing.text and "68,388" not in listing.text
    slate = await ask(sim, member, "/slate info", {"name": "CLGA", "election": "nec-2018"})
    assert "Result" not in [f["name"] for f in slate.embeds[0]["fields"]] and "68,388" not in slate.text
    options = {"first": "CLGA", "second": "Progress/LF", "election": "nec-2018"}
    compare = await ask(sim, member, "/slate compare", options)
    assert "votes" not in compare.text
    # Publishing bumps the data version: the very next command shows the result.
    await set_published(db, guild.id, "nec-2018", clock, True)
    results = await ask(sim, member, "/results", {"election": "nec-2018"})
    assert "68,388" in results.text


def _stv_election() -> tuple[Election, list[Candidate], list[ResultRound]]:
    start = datetime(2026, 10, 1, 9, tzinfo=UTC)
    election = Election(
        guild_id=0,
        slug="exec-stv",
        name="Executive (STV)",
        seats=2,
        voting_system=VotingSystem.STV,
        threshold=Threshold(2),
        electorate=2000,
        timeline=Timeline(start, start + timedelta(days=7), start + timedelta(days=10), start + timedelta(days=20)),
    )
    cands = [
        Candidate(n, slate="Left" if n in ("Ana Lima", "Bo Chen") else None)
        for n in ("Ana Lima", "Bo Chen", "Cai Ruiz", "Dev Patel")
    ]
    rounds = [
        ResultRound({"Ana Lima": 400, "Bo Chen": 250, "Cai Ruiz": 200, "Dev Patel": 150}, elected=["Ana Lima"]),
        ResultRound({"Ana Lima": 334, "Bo Chen": 290, "Cai Ruiz": 220, "Dev Patel": 156}, excluded=["Dev Patel"]),
        ResultRound({"Ana Lima": 334, "Bo Chen": 380, "Cai Ruiz": 270, "Dev Patel": 0}, elected=["Bo Chen"]),
    ]
    return election, cands, rounds


async def test_stv_stage_table(
    sim: DiscordSimulator, member: SimMember, guild: SimGuild, db: Database, clock: ManualClock, hustings
) -> None:
    election, cands, rounds = _stv_election()
    await seed_election(
        db,
        guild.id,
        clock,
        election,
        slates=[Slate("Left", colour="#C8102E")],
        candidates=cands,
        rounds=rounds,
        published=True,
        valid=1000,
        invalid=12,
    )
    reply = await ask(sim, member, "/results", {"view": "rounds"})
    first = reply.embeds[0]
    assert "**Quota (Droop):** 334 = ⌊1,000 ÷ 3⌋ + 1" in first["description"]
    assert "**Stage 1 of 3** — First preferences" in first["description"]
    assert "Elected: Ana Lima" in first["description"]
    assert "Page 1/3" in first["footer"]["text"]
    nxt = reply.button("Next ▶")["custom_id"]
    page2 = await (await sim.click(member, reply, nxt)).response()
    text = page2.embeds[0]["description"]
    assert "**Stage 2 of 3**" in text and "Excluded: Dev Patel" in text
    assert "Ana Lima — 334 (−66)" in text and "Bo Chen — 290 (+40)" in text
    nxt = page2.button("Next ▶")["custom_id"]  # each button names the page it turns from
    page3 = await (await sim.click(member, reply, nxt)).response()
    text = page3.embeds[0]["description"]
    assert "Bo Chen — 380 (+90) ✅ **elected**" in text and "Dev Patel — 0 (−156)" in text
    assert "Ana Lima — 334\n" in text  # elected at stage 1: no second mark
    summary = await ask(sim, member, "/results")
    assert "**Elected:** Ana Lima, Bo Chen" in summary.text
    assert "**Turnout:** 50.6% — 1,012 ballots of 2,000 members (12 spoilt)" in summary.text
    assert sim.violations == []


async def test_tie_for_the_last_seat_is_reported_not_broken(
    sim: DiscordSimulator, member: SimMember, guild: SimGuild, db: Database, clock: ManualClock, hustings
) -> None:
    election = Election(guild_id=0, slug="tied", name="Tied committee", seats=2, voting_system=VotingSystem.BLOC)
    cands = [Candidate(n) for n in ("Ann Able", "Ben Baker", "Cat Cole", "Dan Dunn")]
    rounds = [ResultRound({"Ann Able": 120, "Ben Baker": 80, "Cat Cole": 80, "Dan Dunn": 20})]
    await seed_election(db, guild.id, clock, election, candidates=cands, rounds=rounds, published=True)
    reply = await ask(sim, member, "/results", {"election": "tied"})
    text = reply.embeds[0]["description"]
    assert "⚖️ **Tie for the last seat:** **Ben Baker** and **Cat Cole** are level on 80 votes" in text
    assert "not by this bot" in text and "Margin for the last seat" not in text
    assert "**Elected:** Ann Able" in text
    assert "**2.** ⚖️ **Ben Baker**" in text and "**2.** ⚖️ **Cat Cole**" in text
    profile = await ask(sim, member, "/candidate", {"name": "Cat Cole", "election": "tied"})
    assert "tied for the last seat" in profile.text


async def test_published_without_figures(
    sim: DiscordSimulator, member: SimMember, guild: SimGuild, db: Database, clock: ManualClock, hustings
) -> None:
    election = Election(guild_id=0, slug="empty", name="Empty count", seats=1, voting_system=VotingSystem.FPTP)
    await seed_election(db, guild.id, clock, election, candidates=[Candidate("Solo Runner")], published=True)
    reply = await ask(sim, member, "/results", {"election": "empty"})
    assert "no figures have been entered yet" in reply.text


async def test_errors_after_deferring_reach_the_member(sim: DiscordSimulator, member: SimMember, demo) -> None:
    handle = await sim.invoke(member, "/results", {"election": "nec-2081"})
    reply = await handle.response(timeout=10)
    assert handle.callback_type == 5 and reply.ephemeral and not reply.loading
    assert reply.content.startswith("No election called “nec-2081” in this server; did you mean")
    assert sim.violations == []


async def test_share_posts_the_view_publicly(sim: DiscordSimulator, member: SimMember, guild: SimGuild, demo) -> None:
    reply = await ask(sim, member, "/results", {"election": "nec-2018"})
    shared = await (await sim.click(member, reply, reply.button("Share")["custom_id"])).response()
    assert not shared.ephemeral and shared.content == f"Shared by <@{member.id}>"
    assert shared.embeds == reply.embeds and shared.filenames == ["results.png"]
    assert shared.components == []  # one page: nothing to turn
    assert sim.channel_messages(guild.text_channels[0]) == [shared]
    assert sim.violations == []


async def test_bloc_results_give_the_share_of_ballots(
    sim: DiscordSimulator, member: SimMember, guild: SimGuild, db: Database, clock: ManualClock, hustings
) -> None:
    """#18 item 13: each member votes for up to 3, so "70.8% of 2,600 ballots" says how many backed Zoë."""
    election = Election(guild_id=0, slug="club", name="Club committee", seats=3, voting_system=VotingSystem.BLOC)
    votes = {"Zoë Adams": 1841, "Ben Baker": 1500, "Cat Cole": 1300, "Dan Dunn": 900}
    await seed_election(
        db,
        guild.id,
        clock,
        election,
        candidates=[Candidate(n) for n in votes],
        rounds=[ResultRound(votes)],
        published=True,
        valid=2600,
    )
    text = (await ask(sim, member, "/results", {"election": "club"})).text
    zoe = next(line for line in text.splitlines() if "**Zoë Adams**" in line)
    assert "on 70.8% of 2,600 ballots" in zoe and "(33.2%)" in zoe  # of ballots, and of the 5,541 votes cast
