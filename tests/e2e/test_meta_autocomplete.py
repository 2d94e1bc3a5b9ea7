"""Meta-test: every autocomplete of every command, typed by a plain member (issue #13, item 2).

Discord sends autocomplete for any command a member can reach (a server owner may open `/admin` to
everyone in Integrations, and `/announce` is visible to all), so each one must check the same level
as its command before reading anything. A member gets nothing from a command above their level;
a moderator gets choices, so the walk really reaches the data.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.app import HustingsBot
from bot.domain.access import Level, command_level
from bot.sim import DiscordSimulator, SimGuild, SimMember
from tests.e2e.admin_fixtures import mod_fixture, open_admin_to_everyone
from tests.helpers import ask, choices
from tests.services.test_sources_support import FakeDNS

__all__ = ["mod_fixture"]  # fixtures used by name

SECRET = "Embargoed: Yasmine Dar has won"


def every_autocomplete(bot: HustingsBot, guild: SimGuild) -> list[tuple[str, str]]:
    """(command as typed, option name) for each option of each command that has autocomplete."""
    found = []
    for scope in (None, discord.Object(guild.id)):
        for command in bot.tree.walk_commands(guild=scope):
            if isinstance(command, app_commands.Command):
                found.extend(
                    (f"/{command.qualified_name}", p.display_name) for p in command.parameters if p.autocomplete
                )
    return sorted(set(found))


async def test_every_autocomplete_checks_its_commands_level(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, mod: SimMember, demo: HustingsBot
) -> None:
    demo.services.sources.fetcher.resolver = FakeDNS({})  # no DNS here: the source's runs just fail
    scheduled = await ask(
        sim,
        mod,
        "/announce schedule",
        {"channel": guild.channel("announcements"), "when": "in 2 days", "message": SECRET},
    )
    assert scheduled.embeds, scheduled.content
    added = await ask(
        sim,
        mod,
        "/admin source add",
        {"election": "nec-2018", "kind": "results", "url": "https://sheets.example.org/nec.csv"},
    )
    assert added.embeds, added.content
    await ask(sim, mod, "/hustings events", {"state": "off"})  # the simulated bot has no Create Events
    planned = await ask(
        sim, mod, "/hustings schedule", {"title": "Members' hustings", "when": "in 2 days", "location": "Hall"}
    )
    assert planned.embeds, planned.content
    open_admin_to_everyone(sim, guild)

    walked = every_autocomplete(demo, guild)
    assert ("/announce preview", "id") in walked and ("/admin source sync", "source") in walked
    privileged = [(c, o) for c, o in walked if command_level(c) > Level.MEMBER]
    assert len(privileged) >= 20 and len(walked) > len(privileged)
    assert any(SECRET in c for c in await choices(sim, mod, "/announce preview", "id", ""))
    assert await choices(sim, member, "/announce preview", "id", "") == []  # the leak the issue reported
    for command, option in walked:
        got = await choices(sim, member, command, option, "")
        if command_level(command) > Level.MEMBER:
            assert got == [], (command, option, got)
            assert await choices(sim, mod, command, option, ""), (command, option)
