"""The simulator rejects what Discord rejects, with Discord's error codes, and records violations."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import discord
import pytest

from bot.sim import DiscordSimulator, SimGuild, SimMember
from tests.sim.demo_bot import DemoBot

pytestmark = pytest.mark.usefixtures("bot")


async def test_over_long_embed_is_rejected_and_recorded(sim: DiscordSimulator, alice: SimMember) -> None:
    handle = await sim.invoke(alice, "/bigembed")
    violation = await handle.wait_error()
    assert (violation.status, violation.code) == (400, 50035)
    assert violation.errors == {
        "data": {
            "embeds": {
                "0": {
                    "description": {
                        "_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 4096 or fewer in length."}]
                    }
                }
            }
        }
    }
    assert sim.violations == [violation]
    assert handle.messages == []


async def test_late_first_response_is_unknown_interaction(sim: DiscordSimulator, alice: SimMember) -> None:
    handle = await sim.invoke(alice, "/late")
    violation = await handle.wait_error(timeout=6)
    assert (violation.status, violation.code, violation.message) == (404, 10062, "Unknown interaction")
    assert handle.callback_type is None


async def test_second_acknowledgement_is_40060(sim: DiscordSimulator, alice: SimMember) -> None:
    handle = await sim.invoke(alice, "/double")
    assert (await handle.response()).content == "once"
    violation = await handle.wait_error()
    assert (violation.status, violation.code) == (400, 40060)
    assert violation.message == "Interaction has already been acknowledged."


async def test_interaction_token_expires_after_15_minutes(
    sim: DiscordSimulator, alice: SimMember, bot: DemoBot
) -> None:
    await (await sim.invoke(alice, "/remember")).response()
    interaction = bot.last_interaction
    assert interaction is not None
    sim.advance(timedelta(minutes=14))
    await interaction.followup.send("still fine")
    sim.advance(timedelta(minutes=2))
    with pytest.raises(discord.HTTPException) as caught:
        await interaction.followup.send("too old")
    assert (caught.value.status, caught.value.code) == (401, 50027)
    assert [v.code for v in sim.violations] == [50027]


async def test_nonce_deduplicates_channel_sends(sim: DiscordSimulator, guild: SimGuild, bot: DemoBot) -> None:
    channel = bot.get_channel(guild.channel("general").id)
    assert isinstance(channel, discord.TextChannel)
    first = await channel.send("exactly once", nonce="n-1")
    again = await channel.send("exactly once", nonce="n-1")
    other = await channel.send("exactly once", nonce="n-2")
    assert first.id == again.id != other.id
    assert [m.content for m in sim.channel_messages(guild.channel("general"))] == ["exactly once"] * 2
    sim.advance(timedelta(minutes=6))  # outside the de-dup window a nonce may be reused
    assert (await channel.send("later", nonce="n-1")).id != first.id


async def test_closed_dms_get_50007_and_are_not_violations(
    sim: DiscordSimulator, guild: SimGuild, alice: SimMember
) -> None:
    bob = guild.add_member("bob")
    sim.faults.close_dms(bob)
    reply = await (await sim.invoke(alice, "/dm", {"who": bob, "text": "hi"})).response()
    assert reply.content == "could not DM (50007)"
    assert sim.dms(bob) == []
    assert sim.violations == []
    assert sim.stats.invalid_requests == 1


async def test_bot_send_limits(sim: DiscordSimulator, guild: SimGuild, bot: DemoBot) -> None:
    channel = bot.get_channel(guild.channel("general").id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as caught:
        await channel.send("x" * 2001)
    assert caught.value.code == 50035
    fields = discord.Embed(title="t")
    for i in range(26):
        fields.add_field(name=f"f{i}", value="v")
    with pytest.raises(discord.HTTPException):
        await channel.send(embed=fields)
    view = discord.ui.View()
    for i in range(6):
        view.add_item(discord.ui.Button(label=str(i), custom_id=f"b{i}" * 60, row=0 if i < 5 else 1))
    with pytest.raises(discord.HTTPException) as caught:
        await channel.send("buttons", view=view)
    assert "custom_id" in str(caught.value.text)
    assert [v.code for v in sim.violations] == [50035, 50035, 50035]


async def test_invalid_command_definitions_are_rejected(sim: DiscordSimulator, guild: SimGuild) -> None:
    url = f"{sim.api_base}/applications/{sim.application_id}/guilds/{guild.id}/commands"
    bad = [
        {"name": "Bad Name", "description": "x", "type": 1},
        {"name": "ok", "description": "d" * 101, "type": 1},
        {
            "name": "order",
            "description": "required after optional",
            "options": [
                {"name": "a", "description": "a", "type": 3},
                {"name": "b", "description": "b", "type": 3, "required": True},
            ],
        },
        {
            "name": "nest",
            "description": "subcommand inside a subcommand",
            "options": [
                {
                    "name": "sub",
                    "description": "s",
                    "type": 1,
                    "options": [{"name": "deeper", "description": "d", "type": 1}],
                }
            ],
        },
        {
            "name": "wide",
            "description": "26 options",
            "options": [{"name": f"o{i}", "description": "o", "type": 3} for i in range(26)],
        },
    ]
    headers = {"Authorization": f"Bot {sim.token}"}
    async with aiohttp.ClientSession() as http, http.put(url, json=bad, headers=headers) as resp:
        body = await resp.json()
        assert resp.status == 400
    assert body["code"] == 50035 and body["message"] == "Invalid Form Body"
    errors = body["errors"]
    assert errors["0"]["name"]["_errors"][0]["code"] == "APPLICATION_COMMAND_INVALID_NAME"
    assert errors["1"]["description"]["_errors"][0]["code"] == "BASE_TYPE_BAD_LENGTH"
    assert errors["2"]["options"]["_errors"][0]["code"] == "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"
    assert "options" in errors["3"]["options"]["0"]
    assert errors["4"]["options"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    assert sim.violations[-1].code == 50035


async def test_unauthorised_and_unknown_routes(sim: DiscordSimulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{sim.api_base}/users/@me", headers={"Authorization": "Bot wrong"}) as resp:
            assert resp.status == 401 and (await resp.json())["code"] == 0
        async with http.get(f"{sim.api_base}/channels/1/pins", headers={"Authorization": f"Bot {sim.token}"}) as resp:
            assert resp.status == 404 and await resp.json() == {"message": "404: Not Found", "code": 0}
    assert [v.status for v in sim.violations] == [401, 404]
