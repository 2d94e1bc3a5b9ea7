"""`/slate info` and `/slate compare` through the simulator."""

from __future__ import annotations

from bot.sim import DiscordSimulator, SimMember
from tests.helpers import ask, choices


def _fields(message) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message.embeds[0]["fields"]}


async def test_slate_info_during_nominations(sim: DiscordSimulator, member: SimMember, demo) -> None:
    reply = await ask(sim, member, "/slate info", {"name": "broad left"})
    embed = reply.embeds[0]
    assert embed["title"] == "🟥 Broad Left Alliance" and embed["color"] == 0xB22234
    fields = _fields(reply)
    assert fields["Backed by"] == "Coast Broad Left, Highmoor Rank and File"
    coverage = fields["Nominations from branches"]
    assert "At least one: **19** — about three-quarters of 26 reporting branches (73.1%)" in coverage
    assert "All 3: **1** — 3.8%" in coverage
    assert fields["Reached the threshold"] == "3 of 3"
    assert "**Aileen Marsh** — 14/4 nominations ✅ · seeking nominations" in embed["description"]
    assert "Result" not in fields


async def test_slate_info_with_published_result(sim: DiscordSimulator, member: SimMember, demo) -> None:
    reply = await ask(sim, member, "/slate info", {"name": "CLGA", "election": "nec-2018"})
    fields = _fields(reply)
    assert fields["Result"] == "**3 of 3** seats · 196,533 votes (62.4%)"
    assert fields["Backed by"] == "Momentum, Campaign for Labour Party Democracy"
    text = reply.embeds[0]["description"]
    assert "✅ **Yasmine Dar** — 68,388 votes (1)" in text


async def test_compare_two_thirds_of_branches(sim: DiscordSimulator, member: SimMember, demo) -> None:
    assert (await choices(sim, member, "/slate compare", "second", "m"))[0] == "Members First (MF)"
    reply = await ask(sim, member, "/slate compare", {"first": "BLA", "second": "MF", "third": "CRG"})
    embed = reply.embeds[0]
    assert embed["title"] == "BLA vs MF vs CRG — NCWU National Executive Council election"
    assert "26 of 40 branches have reported nominations. Threshold: 4." in embed["description"]
    columns = [f for f in embed["fields"] if f["inline"]]
    assert [c["name"] for c in columns[:3]] == ["🟥 Broad Left Alliance", "🟦 Members First", "🟧 Coast Reform Group"]
    assert "about two-thirds of 26 reporting branches (65.4%)" in columns[1]["value"]
    assert "Reached threshold: **2 of 3**" in columns[1]["value"]
    assert columns[4]["name"] == "MF candidates" and "Samuel Okafor" in columns[4]["value"]
    assert "✅ Samuel Okafor" not in columns[4]["value"] and "✅ Gareth Pryce" in columns[4]["value"]


async def test_compare_published_votes_share_seats(sim: DiscordSimulator, member: SimMember, demo) -> None:
    options = {"first": "CLGA", "second": "Progress/LF", "election": "nec-2018"}
    reply = await ask(sim, member, "/slate compare", options)
    text = reply.text
    assert "**3 of 3** seats · 196,533 votes (62.4%)" in text
    assert "**0 of 3** seats · 91,966 votes (29.2%)" in text
    assert "No nominations were recorded for this election." in text


async def test_compare_needs_two_different_known_slates(sim: DiscordSimulator, member: SimMember, demo) -> None:
    same = await ask(sim, member, "/slate compare", {"first": "BLA", "second": "Broad Left Alliance"})
    assert same.content == "Pick two different slates to compare."
    wrong = await ask(sim, member, "/slate compare", {"first": "BLA", "second": "Memebers First"})
    assert wrong.content.startswith("No slate called “Memebers First” in NCWU National Executive Council election")
    assert "did you mean **Members First**" in wrong.content
