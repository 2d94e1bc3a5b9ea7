"""`/candidate` and `/candidates`: profiles, autocomplete, did-you-mean, filters, ordering, empty elections."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.clock import ManualClock
from bot.domain.models import Body, Candidate, CandidateStatus, Slate, Timeline
from bot.sim import DiscordSimulator, SimGuild, SimMember
from bot.store.database import Database
from tests.helpers import ask, choices, seed_race


def _fields(message) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message.embeds[0]["fields"]}


async def test_profile_of_the_current_election(sim: DiscordSimulator, member: SimMember, demo) -> None:
    reply = await ask(sim, member, "/candidate", {"name": "wrobel"})  # accent- and case-insensitive
    embed = reply.embeds[0]
    fields = _fields(reply)
    assert embed["title"] == "Tomasz Wróbel" and embed["author"]["name"] == "NCWU National Executive Council election"
    assert embed["color"] == 0xB22234  # the slate's colour
    assert "Bus driver" in embed["description"]
    assert fields["Slate"] == "🟥 Broad Left Alliance" and fields["Status"] == "📝 seeking nominations"
    assert fields["Nominations"] == "▰▰▰▰▰▰▰▰▰▰ 11/4\n✅ reached the threshold"
    regions = fields["Nominated by (11)"].splitlines()
    assert regions[0].startswith("**Coastal South** (2): ") and len(regions) == 6
    assert "Result" not in fields


async def test_profile_with_published_result(sim: DiscordSimulator, member: SimMember, demo) -> None:
    reply = await ask(sim, member, "/candidate", {"name": "Eddie Izzard", "election": "nec-2018"})
    fields = _fields(reply)
    assert fields["Status"] == "▫️ not elected"
    assert fields["Result"] == (
        "**Not elected** — 4th · 39,508 votes · 12.5% of votes cast · 23,474 behind the candidate above"
    )


async def test_autocomplete_any_word_start_accents_and_scope(sim: DiscordSimulator, member: SimMember, demo) -> None:
    for typed in ("josan", "gurinder", "GURINDER s", "singh"):
        assert await choices(sim, member, "/candidate", "name", typed, election="nec-2018") == [
            "Gurinder Singh Josan — Progress/LF"
        ]
    # Best first: full-name prefixes (shorter first) before later-word matches.
    assert await choices(sim, member, "/candidate", "name", "jo", election="nec-2018") == [
        "Jon Lansman — CLGA",
        "Johanna Baxter — Progress/LF",
        "Gurinder Singh Josan — Progress/LF",
    ]
    assert await choices(sim, member, "/candidate", "name", "wro") == ["Tomasz Wróbel — BLA"]
    # Scoped to the election given ...
    assert await choices(sim, member, "/candidate", "name", "marsh", election="nec-2018") == []
    # ... and, with none given, the current election first, other elections only when nothing matches there.
    assert await choices(sim, member, "/candidate", "name", "izz") == ["Eddie Izzard (Labour NEC CLP section 2018)"]
    every = await choices(sim, member, "/candidate", "name", "")
    assert len(every) == 8
    reply = await ask(sim, member, "/candidate", {"name": "Eddie Izzard"})
    assert reply.embeds[0]["author"]["name"] == "Labour NEC CLP section 2018"


async def test_unknown_candidate_did_you_mean(sim: DiscordSimulator, member: SimMember, demo) -> None:
    reply = await ask(sim, member, "/candidate", {"name": "Izard", "election": "nec-2018"})
    assert reply.ephemeral and not reply.embeds
    assert reply.content == "No candidate called “Izard” in Labour NEC CLP section 2018; did you mean **Eddie Izzard**?"
    reply = await ask(sim, member, "/candidate", {"name": "qqqq"})
    assert reply.content == "No candidate called “qqqq” in NCWU National Executive Council election."
    reply = await ask(sim, member, "/candidate", {"name": "Eddie", "election": "nope"})
    assert reply.content.startswith("No election called “nope” in this server")


async def test_list_alphabetical_by_surname_then_by_votes(sim: DiscordSimulator, member: SimMember, demo) -> None:
    reply = await ask(sim, member, "/candidates")
    text = reply.embeds[0]["description"]
    order = [line.split("**")[1] for line in text.splitlines() if line.startswith("📝")]
    assert order == [
        "Hannah Costello",
        "Morag Lindsay",
        "Aileen Marsh",
        "Priya Nandakumar",
        "Samuel Okafor",
        "Gareth Pryce",
        "Declan Rourke",
        "Tomasz Wróbel",
    ]
    assert "8 candidates · alphabetical by surname" in text
    assert "📝 **Aileen Marsh** · 🟥 BLA · seeking nominations · 14 nominations ✅" in text
    published = await ask(sim, member, "/candidates", {"election": "nec-2018"})
    text = published.embeds[0]["description"]
    assert "9 candidates · by result" in text
    assert text.index("Yasmine Dar") < text.index("Jon Lansman") < text.index("Sarah Taylor")
    assert "**1.** ✅ **Yasmine Dar** · 🟥 CLGA — 68,388 (21.7%)" in text


async def test_list_filters(sim: DiscordSimulator, member: SimMember, demo) -> None:
    bla = await ask(sim, member, "/candidates", {"slate": "BLA"})
    assert "3 candidates" in bla.text and "slate Broad Left Alliance" in bla.text and "Declan" not in bla.text
    assert await choices(sim, member, "/candidates", "slate", "members") == ["Members First (MF)"]
    assert await choices(sim, member, "/candidates", "slate", "ind") == ["Independents (no slate)"]
    independents = await ask(sim, member, "/candidates", {"slate": "independent"})
    assert "1 candidate ·" in independents.text and "Declan Rourke" in independents.text
    elected = await ask(sim, member, "/candidates", {"election": "nec-2018", "status": "elected"})
    assert "3 candidates" in elected.text and "Eddie Izzard" not in elected.text
    none = await ask(sim, member, "/candidates", {"status": "withdrawn"})
    assert "No candidates in NCWU National Executive Council election match withdrawn." in none.text
    wrong = await ask(sim, member, "/candidates", {"slate": "Members Frist"})
    assert wrong.content.startswith("No slate called “Members Frist”") and "**Members First**" in wrong.content


async def test_empty_election_and_escaped_text(
    sim: DiscordSimulator, member: SimMember, guild: SimGuild, db: Database, clock: ManualClock, hustings
) -> None:
    opened = datetime(2026, 11, 20, 9, tzinfo=UTC)
    await seed_race(
        db,
        guild.id,
        clock,
        "empty",
        "Empty race",
        timeline=Timeline(opened, datetime(2026, 12, 1, 17, tzinfo=UTC)),
    )
    listing = await ask(sim, member, "/candidates")
    assert "No candidates have been added to Empty race yet." in listing.text
    await seed_race(
        db,
        guild.id,
        clock,
        "marked",
        "Marked race",
        threshold=1,
        timeline=Timeline(opened, datetime(2026, 12, 2, 17, tzinfo=UTC)),
        slates=[Slate("Stars", colour="#1F5FAD")],
        bodies=[Body("North *Branch*", region="North")],
        candidates=[
            Candidate(
                "Jo_Star Smith",
                slate="Stars",
                bio="**Vote** for me @everyone",
                photo_url="https://example.org/jo.png",
                links={"Website": "https://example.org"},
                status=CandidateStatus.ON_BALLOT,
            ),
        ],
        nominations=[("North *Branch*", "Jo_Star Smith", date(2026, 11, 21))],
    )
    reply = await ask(sim, member, "/candidate", {"name": "jo star", "election": "marked"})
    embed = reply.embeds[0]
    assert embed["description"] == "\\*\\*Vote\\*\\* for me @\u200beveryone"
    assert embed["thumbnail"]["url"] == "https://example.org/jo.png"
    fields = _fields(reply)
    assert fields["Links"] == "[Website](https://example.org)"
    assert fields["Nominated by (1)"] == "**North** (1): North \\*Branch\\*"
    assert fields["Status"] == "🗳️ on ballot"
