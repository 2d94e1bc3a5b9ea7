"""`/election list` and `/election info` through the simulator."""

from __future__ import annotations

import re

from bot.sim import DiscordSimulator, SimMember
from tests.helpers import ask, choices


async def test_list_shows_phases_dates_and_the_current_election(sim: DiscordSimulator, member: SimMember, demo) -> None:
    reply = await ask(sim, member, "/election list")
    assert reply.ephemeral and [b["label"] for b in reply.buttons] == ["Share"]
    text = reply.embeds[0]["description"]
    union, nec = text.index("NCWU National Executive Council election"), text.index("Labour NEC CLP section 2018")
    assert union < nec  # newest first
    assert "(`ncwu-nec`) ⭐ *current*" in text and "📝 Nominations open · 4 seats" in text
    assert "🏁 Results published · 3 seats" in text
    assert re.search(r"Next: Nominations close <t:\d+:F> \(<t:\d+:R>\)", text)
    assert "Source: import:demo-pack.json" in reply.embeds[0]["footer"]["text"]


async def test_info_defaults_to_the_current_election(sim: DiscordSimulator, member: SimMember, demo) -> None:
    reply = await ask(sim, member, "/election info")
    embed = reply.embeds[0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert embed["title"] == "NCWU National Executive Council election"
    assert embed["description"] == "National Executive Council"
    assert fields["Phase"] == "📝 Nominations open" and fields["Seats"] == "4"
    assert fields["Voting system"] == "Bloc vote (each member votes for up to 4)"
    assert fields["Nomination threshold"] == "10% of 40 branches = 4 nominations"
    assert fields["Candidates"].startswith("8 candidates standing")
    assert fields["Slates"].startswith("3 slates") and "🟥 Broad Left Alliance" in fields["Slates"]
    assert fields["Nominations"] == "26 of 40 branches have nominated"
    timeline = fields["Timeline"].splitlines()
    assert len(timeline) == 5 and timeline[0].startswith("✓ **Nominations open:** <t:")
    assert all(re.search(r"<t:\d+:F> \(<t:\d+:R>\)", line) for line in timeline)


async def test_info_by_name_slug_and_autocomplete(sim: DiscordSimulator, member: SimMember, demo) -> None:
    assert await choices(sim, member, "/election info", "election", "") == [
        "NCWU National Executive Council election (nominations)",
        "Labour NEC CLP section 2018 (results)",
    ]
    assert await choices(sim, member, "/election info", "election", "nec 2018") == [
        "Labour NEC CLP section 2018 (results)"
    ]
    for typed in ("nec-2018", "labour nec clp section 2018", "LABOUR"):
        reply = await ask(sim, member, "/election info", {"election": typed})
        assert reply.embeds[0]["title"] == "Labour NEC CLP section 2018"


async def test_unknown_election_suggests_the_closest(sim: DiscordSimulator, member: SimMember, demo) -> None:
    reply = await ask(sim, member, "/election info", {"election": "nec-2081"})
    assert reply.ephemeral and not reply.embeds
    assert reply.content == (
        "No election called “nec-2081” in this server; did you mean **Labour NEC CLP section 2018**?"
    )


async def test_no_elections_yet(sim: DiscordSimulator, member: SimMember, hustings) -> None:
    listing = await ask(sim, member, "/election list")
    assert "There are no elections in this server yet." in listing.text
    assert "No data entered yet" in listing.embeds[0]["footer"]["text"]
    info = await ask(sim, member, "/election info")
    assert info.ephemeral and info.content.startswith("There are no elections in this server yet")
    assert await choices(sim, member, "/election info", "election", "x") == []
