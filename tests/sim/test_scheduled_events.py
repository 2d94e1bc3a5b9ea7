"""Guild scheduled events in the simulator: Discord's validation and permission rule, through discord.py's HTTP client.

Rules from discord-api-docs `developers/resources/guild-scheduled-event.mdx`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import discord
import pytest

from bot.sim import DiscordSimulator, SimGuild
from bot.sim import permissions as perms
from bot.sim.rest_events import ACTIVE, CANCELED, COMPLETED, CREATE_EVENTS, MANAGE_EVENTS
from tests.sim.demo_bot import DemoBot


def grant(guild: SimGuild, bits: int) -> None:
    """Give the bot a role with these permissions."""
    role = guild.add_role("Events", permissions=bits)
    guild.set_roles(guild.bot_member, [*guild.bot_member.roles, role])


def external(sim: DiscordSimulator, **changes: Any) -> dict[str, Any]:
    """A valid external event body, one day ahead."""
    start = sim.world.clock.now() + timedelta(days=1)
    body: dict[str, Any] = {
        "name": "Hustings",
        "privacy_level": 2,
        "scheduled_start_time": start.isoformat(),
        "scheduled_end_time": (start + timedelta(hours=1)).isoformat(),
        "entity_type": 3,
        "entity_metadata": {"location": "Town hall"},
        "description": "Meet the candidates",
    }
    body.update(changes)
    return body


async def rejected(bot: DemoBot, guild: SimGuild, body: dict[str, Any]) -> tuple[int, int, str]:
    """Create an event expecting refusal: (status, code, text)."""
    with pytest.raises(discord.HTTPException) as caught:
        await bot.http.create_guild_scheduled_event(guild.id, **body)
    return caught.value.status, caught.value.code, caught.value.text


async def test_create_needs_create_events(sim: DiscordSimulator, guild: SimGuild, bot: DemoBot) -> None:
    status, code, _ = await rejected(bot, guild, external(sim))
    assert (status, code) == (403, 50013)
    assert sim.world.scheduled_events == {}
    grant(guild, MANAGE_EVENTS)  # Manage Events alone edits others' events; creating needs Create Events
    await sim.wait_for_idle()
    assert (await rejected(bot, guild, external(sim)))[:2] == (403, 50013)
    grant(guild, CREATE_EVENTS)
    await sim.wait_for_idle()
    made = await bot.http.create_guild_scheduled_event(guild.id, **external(sim))
    assert made["entity_metadata"] == {"location": "Town hall"} and made["status"] == 1
    listed = await bot.http.get_scheduled_events(guild.id, False)
    assert [e["id"] for e in listed] == [made["id"]]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"description": "x" * 1001}, "description"),
        ({"entity_metadata": None}, "entity_metadata"),
        ({"entity_metadata": {"location": "x" * 101}}, "entity_metadata"),
        ({"scheduled_end_time": None}, "scheduled_end_time"),
        ({"privacy_level": 1}, "privacy_level"),
    ],
)
async def test_invalid_bodies_are_50035(
    sim: DiscordSimulator, guild: SimGuild, bot: DemoBot, changes: dict[str, Any], field: str
) -> None:
    grant(guild, CREATE_EVENTS)
    await sim.wait_for_idle()
    status, code, text = await rejected(bot, guild, external(sim, **changes))
    assert (status, code) == (400, 50035) and field in text
    assert sim.world.scheduled_events == {}


async def test_times_start_in_future_and_end_after_start(sim: DiscordSimulator, guild: SimGuild, bot: DemoBot) -> None:
    grant(guild, CREATE_EVENTS)
    await sim.wait_for_idle()
    now = sim.world.clock.now()
    past = external(sim, scheduled_start_time=(now - timedelta(minutes=1)).isoformat())
    assert "scheduled_start_time" in (await rejected(bot, guild, past))[2]
    backwards = external(sim, scheduled_end_time=(now + timedelta(hours=1)).isoformat())
    assert "scheduled_end_time" in (await rejected(bot, guild, backwards))[2]


async def test_voice_events_need_a_voice_channel_and_connect(
    sim: DiscordSimulator, guild: SimGuild, bot: DemoBot
) -> None:
    hall = guild.add_channel("hall", "voice")
    text = guild.channel("general")
    grant(guild, CREATE_EVENTS)
    await sim.wait_for_idle()
    body = external(sim, entity_type=2, channel_id=str(text.id))
    del body["entity_metadata"]
    assert "channel_id" in (await rejected(bot, guild, body))[2]  # a text channel is not a voice channel
    hall.overwrites[guild.bot_member.id] = (0, perms.CONNECT, 1)
    body["channel_id"] = str(hall.id)
    assert (await rejected(bot, guild, body))[:2] == (403, 50013)
    hall.overwrites.clear()
    made = await bot.http.create_guild_scheduled_event(guild.id, **body)
    assert made["channel_id"] == str(hall.id) and made["entity_metadata"] is None


async def test_status_transitions_and_automatic_start(sim: DiscordSimulator, guild: SimGuild, bot: DemoBot) -> None:
    grant(guild, CREATE_EVENTS)
    await sim.wait_for_idle()
    first = await bot.http.create_guild_scheduled_event(guild.id, **external(sim))
    with pytest.raises(discord.HTTPException):  # SCHEDULED cannot jump to COMPLETED
        await bot.http.edit_scheduled_event(guild.id, first["id"], status=COMPLETED)
    cancelled = await bot.http.edit_scheduled_event(guild.id, first["id"], status=CANCELED)
    assert cancelled["status"] == CANCELED
    with pytest.raises(discord.HTTPException):  # a cancelled event can no longer change
        await bot.http.edit_scheduled_event(guild.id, first["id"], name="Again")
    second = await bot.http.create_guild_scheduled_event(guild.id, **external(sim))
    sim.advance(timedelta(days=1, minutes=1))  # "An external event will automatically begin at its start time"
    assert (await bot.http.get_scheduled_event(guild.id, second["id"], False))["status"] == ACTIVE
    sim.advance(timedelta(hours=1))
    assert (await bot.http.get_scheduled_event(guild.id, second["id"], False))["status"] == COMPLETED
