"""Meta-tests: every extension loads, the synced tree is valid, names never collide."""

from __future__ import annotations

from collections import Counter
from typing import Any

from bot.app import EXTENSIONS, HustingsBot
from bot.sim import DiscordSimulator, SimGuild


def _walk(command: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every command, subcommand group, subcommand and option with its qualified path."""
    here = f"{path} {command['name']}".strip()
    found = [(here, command)]
    for option in command.get("options", []) or []:
        found.extend(_walk(option, here))
    return found


async def test_every_extension_loads(hustings: HustingsBot) -> None:
    assert set(EXTENSIONS) <= set(hustings.extensions)
    assert hustings.cogs, "no cog loaded"


async def test_tree_synced_with_descriptions_and_no_collisions(
    hustings: HustingsBot, sim: DiscordSimulator, guild: SimGuild
) -> None:
    commands = sim.commands(guild)
    assert commands, "nothing was synced to the guild"
    top = Counter(c["name"] for c in commands)
    assert [n for n, k in top.items() if k > 1] == []
    for qualified, node in (pair for c in commands for pair in _walk(c)):
        assert node.get("description"), f"/{qualified} has no description"
        names = Counter(o["name"] for o in node.get("options", []) or [])
        assert [n for n, k in names.items() if k > 1] == [], f"/{qualified} repeats an option name"
    assert sim.violations == []


async def test_member_facing_surface_is_present(hustings: HustingsBot, sim: DiscordSimulator, guild: SimGuild) -> None:
    names = {c["name"] for c in sim.commands(guild)}
    assert {"election", "candidate", "candidates", "slate", "nominations", "results"} <= names


async def test_second_start_skips_unchanged_sync(hustings: HustingsBot) -> None:
    # the fixture's start synced the tree; the stored fingerprint now matches
    assert await hustings.sync_tree_if_changed() is False
