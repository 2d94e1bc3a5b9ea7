"""Starting on real Discord: without the Server Members intent, command definitions as Discord keeps them,
and the command-sync fingerprint (issue #14 items 5 and 11)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.config import Settings
from bot.sim import DiscordSimulator, SimGuild, SimMember, run_bot_against
from bot.store import subscriptions
from bot.store.database import Database
from tests.e2e.test_announce import local, setup_org
from tests.helpers import ask


async def test_the_bot_runs_without_the_members_intent_and_still_drops_leavers(
    sim: DiscordSimulator,
    guild: SimGuild,
    member: SimMember,
    settings: Settings,
    db: Database,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sim.allowed_privileged_intents = 0  # Server Members Intent left off in the developer portal
    await setup_org(sim, guild, db, clock)
    stays = guild.add_member("stays")
    bot = HustingsBot(settings=settings, db=db, clock=clock)
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        async with run_bot_against(sim, bot):
            assert not bot.intents.members
            await ask(sim, member, "/remind deadlines")
            await ask(sim, stays, "/remind deadlines")
            guild.remove_member(member)  # no GUILD_MEMBER_REMOVE reaches a bot without the intent
            await bot.services.delivery.run_for(local("2026-12-11T00:00") - clock.now(), step=timedelta(days=1))
            assert sim.dms(member.user) == []
            assert sim.dms(stays)
            assert await subscriptions.list_for_member(db.reader, guild.id, member.id) == []
    warnings = [r.getMessage() for r in caplog.records if "Server Members intent" in r.getMessage()]
    assert len(warnings) == 1 and "Developer Portal" in warnings[0] and "leave" in warnings[0]
    assert sim.violations == []


async def test_commands_are_guild_installs_with_whole_descriptions(
    sim: DiscordSimulator, settings: Settings, db: Database, clock: ManualClock
) -> None:
    sim.world.install_types = (0, 1)  # the app also allows user installs in the developer portal
    bot = HustingsBot(settings=settings.replace(dev_guild=None), db=db, clock=clock)
    async with run_bot_against(sim, bot):
        registered = sim.commands()
        assert registered and all(c["integration_types"] == [0] for c in registered)

        def descriptions(options: list[dict]) -> list[str]:
            out = []
            for option in options:
                out.append(option["description"])
                out += descriptions(option.get("options") or [])
            return out

        texts = [d for c in registered for d in [c["description"], *descriptions(c["options"])]]
        assert not [t for t in texts if t.endswith("…")], "discord.py shortened a description"
        for command in bot.tree.walk_commands():
            long = [p.name for p in getattr(command, "parameters", []) if len(p.description) > 100]
            assert len(command.description) <= 100 and not long, command.qualified_name


async def test_a_new_application_on_the_same_database_gets_its_commands(
    sim: DiscordSimulator, settings: Settings, db: Database, clock: ManualClock
) -> None:
    global_settings = settings.replace(dev_guild=None)
    async with run_bot_against(sim, HustingsBot(settings=global_settings, db=db, clock=clock)):
        assert sim.commands()
    other = DiscordSimulator(clock=ManualClock(clock.now() + timedelta(minutes=5)))  # another application
    await other.start()
    try:
        assert other.application_id != sim.application_id
        other.add_guild("Elsewhere")
        moved = global_settings.replace(discord_api=other.api_base, discord_gateway=other.gateway_url)
        async with run_bot_against(other, HustingsBot(settings=moved, db=db, clock=clock)):
            assert {c["name"] for c in other.commands()} == {c["name"] for c in sim.commands()}
    finally:
        await other.stop()
