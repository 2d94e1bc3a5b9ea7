"""A 500-candidate, 700-body election: Discord's limits hold, pages turn for their owner only, Share is limited."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bench.data import seed_big_election
from bot.clock import ManualClock
from bot.sim import DiscordSimulator, SimError, SimGuild, SimMember
from bot.store.database import Database
from tests.helpers import ask, choices


@pytest.fixture
async def big(hustings, db: Database, guild: SimGuild, clock: ManualClock) -> list[str]:
    """500 candidates (3 slates + independents), 700 CLPs in 11 regions, ~2,900 nominations, published result."""
    seeded = await seed_big_election(db, guild.id, candidates=500, bodies=700, clock=clock)
    return seeded.candidates


async def _pages(sim: DiscordSimulator, who: SimMember, message) -> list[dict]:
    """Turn every page with Next; returns each page's first embed."""
    seen = [message.embeds[0]]
    while not message.button("Next ▶").get("disabled"):
        message = await (await sim.click(who, message, message.button("Next ▶")["custom_id"])).response()
        seen.append(message.embeds[0])
    assert sim.violations == []
    return seen


async def test_every_view_respects_discord_limits(sim: DiscordSimulator, member: SimMember, big: list[str]) -> None:
    views_seen = [
        await ask(sim, member, "/election list"),
        await ask(sim, member, "/election info"),
        await ask(sim, member, "/candidate", {"name": big[0]}),
        await ask(sim, member, "/candidates"),
        await ask(sim, member, "/slate info", {"name": "GL"}),
        await ask(sim, member, "/slate compare", {"first": "GL", "second": "LT", "third": "OL"}),
        await ask(sim, member, "/nominations progress"),
        await ask(sim, member, "/nominations branch", {"name": "Constituency 001 CLP"}),
        await ask(sim, member, "/nominations for", {"candidate": big[0]}),
        await ask(sim, member, "/results"),
        await ask(sim, member, "/results", {"view": "rounds"}),
        await ask(sim, member, "/results", {"view": "slates"}),
    ]
    assert sim.violations == []  # the simulator rejects anything over Discord's limits
    for message in views_seen:
        assert (
            sum(
                len(e.get("description", "")) + sum(len(f["name"]) + len(f["value"]) for f in e.get("fields", []))
                for e in message.embeds
            )
            < 6000
        )
    profile = views_seen[2].embeds[0]
    regions = next(f["value"] for f in profile["fields"] if f["name"].startswith("Nominated by"))
    assert len(regions) <= 1024 and "…and 7 more regions (444 bodies)" in regions  # summarised when long
    assert "Constituency 093 CLP, and 55 more" in regions
    compare = views_seen[5].embeds[0]
    gl = next(f["value"] for f in compare["fields"] if f["name"] == "GL candidates")
    assert gl.startswith(f"✅ {big[0]}\n") and gl.endswith("more") and len(gl) <= 420
    info = views_seen[1].embeds[0]
    assert {f["name"]: f["value"] for f in info["fields"]}["Nomination threshold"] == (
        "5% of 700 CLPs = 35 nominations"
    )
    assert len(await choices(sim, member, "/candidate", "name", "a")) == 25
    assert len(await choices(sim, member, "/nominations branch", "name", "constituency")) == 25


async def test_paging_through_500_candidates(sim: DiscordSimulator, member: SimMember, big: list[str]) -> None:
    reply = await ask(sim, member, "/candidates")
    assert [b["label"] for b in reply.buttons] == ["◀ Prev", "1/25", "Next ▶", "Share"]
    assert reply.button("◀ Prev")["disabled"] and reply.button("1/25")["disabled"]
    pages = await _pages(sim, member, reply)
    assert len(pages) == 25 and "Page 25/25" in pages[-1]["footer"]["text"]
    listed = [line for page in pages for line in page["description"].splitlines() if line.startswith("**")]
    assert len(listed) == 500 and listed[0].startswith(f"**1.** ✅ **{big[0]}**")  # by votes once published
    back = await (await sim.click(member, reply, reply.button("◀ Prev")["custom_id"])).response()
    assert "Page 24/25" in back.embeds[0]["footer"]["text"]


async def test_a_page_turn_reads_and_draws_nothing_again(
    sim: DiscordSimulator, member: SimMember, big: list[str], hustings
) -> None:
    """A page turn re-renders from the cached snapshot and the cached rendering (#19 per-reply state)."""
    services = hustings.services
    reply = await ask(sim, member, "/candidates")
    loads, drawn = services.reads.loads, services.rendered.computed
    turned = await (await sim.click(member, reply, reply.button("Next ▶")["custom_id"])).response()
    assert "Page 2/25" in turned.embeds[0]["footer"]["text"]
    assert services.reads.loads == loads and services.rendered.computed == drawn


async def test_only_the_invoker_can_turn_pages(
    sim: DiscordSimulator, member: SimMember, guild: SimGuild, big: list[str]
) -> None:
    bob = guild.add_member("bob")
    reply = await ask(sim, member, "/candidates")
    with pytest.raises(SimError):  # Discord itself never shows Alice's ephemeral reply to Bob
        await sim.click(bob, reply, reply.button("Next ▶")["custom_id"])
    await (await sim.click(member, reply, reply.button("Next ▶")["custom_id"])).response()
    shared = await (await sim.click(member, reply, reply.button("Share")["custom_id"])).response()
    assert not shared.ephemeral and shared.content == f"Shared by <@{member.id}>"
    assert "Page 2/25" in shared.embeds[0]["footer"]["text"]
    assert shared in sim.channel_messages(guild.text_channels[0])
    assert [b["label"] for b in shared.buttons] == ["◀ Prev", "2/25", "Next ▶"]  # no re-sharing
    refused = await (await sim.click(bob, shared, shared.button("Next ▶")["custom_id"])).response()
    assert refused.ephemeral and refused.content.startswith("Only the member who ran this command")
    assert "Page 2/25" in sim.channel_messages(guild.text_channels[0])[-1].embeds[0]["footer"]["text"]
    turned = await (await sim.click(member, shared, shared.button("Next ▶")["custom_id"])).response()
    assert turned.id == shared.id and "Page 3/25" in turned.embeds[0]["footer"]["text"]
    assert sim.violations == []


async def test_share_is_rate_limited_per_member(
    sim: DiscordSimulator, member: SimMember, guild: SimGuild, clock: ManualClock, big: list[str]
) -> None:
    reply = await ask(sim, member, "/results")
    share = reply.button("Share")["custom_id"]
    for _ in range(3):
        posted = await (await sim.click(member, reply, share)).response()
        assert not posted.ephemeral and posted.filenames == ["results.png"]
    over = await (await sim.click(member, reply, share)).response()
    assert over.ephemeral and over.content.startswith("You can share 3 views every 5 minutes. You can share again <t:")
    public = [m for m in sim.channel_messages(guild.text_channels[0]) if m.content.startswith("Shared by")]
    assert len(public) == 3
    clock.advance(timedelta(minutes=5))
    again = await (await sim.click(member, reply, share)).response()
    assert not again.ephemeral
    assert sim.violations == []


async def test_buttons_work_after_the_commands_token_expired(
    sim: DiscordSimulator, member: SimMember, big: list[str], clock: ManualClock
) -> None:
    """#14 item 6: no timer disables buttons after 15 minutes; a press has its own fresh token."""
    reply = await ask(sim, member, "/candidates")
    clock.advance(timedelta(minutes=20))  # the command's interaction token has expired
    turned = await (await sim.click(member, reply, reply.button("Next ▶")["custom_id"])).response()
    assert turned.id == reply.id and "Page 2/25" in turned.embeds[0]["footer"]["text"]
    assert sim.violations == []
