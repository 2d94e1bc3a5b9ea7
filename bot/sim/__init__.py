"""A local Discord simulator: Discord's REST + gateway wire protocol on 127.0.0.1 for discord.py tests.

See docs/simulator.md for the test-facing API.
"""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.sim.client_api import DiscordSimulator
    from bot.sim.endpoints import point_discordpy_at
    from bot.sim.errors import DiscordHTTPError, SimError, Violation
    from bot.sim.faults import FaultInjector, FaultRule
    from bot.sim.gateway import ShardingConfig
    from bot.sim.harness import run_bot_against
    from bot.sim.interactions import InteractionHandle, SimInteraction, SimModal
    from bot.sim.models import SimAttachment, SimChannel, SimFile, SimGuild, SimMember, SimMessage, SimRole, SimUser
    from bot.sim.ratelimit import RateLimitConfig
    from bot.sim.stats import SimStats

#: Where each name lives: loaded on first use, so a process that needs one small module of the simulator
#: (a benchmark's bot process sets discord.py's guild wait through `bot.sim.discordpy_private`) doesn't
#: load the whole of it.
_WHERE = {
    "DiscordHTTPError": "bot.sim.errors",
    "DiscordSimulator": "bot.sim.client_api",
    "FaultInjector": "bot.sim.faults",
    "FaultRule": "bot.sim.faults",
    "InteractionHandle": "bot.sim.interactions",
    "RateLimitConfig": "bot.sim.ratelimit",
    "ShardingConfig": "bot.sim.gateway",
    "SimAttachment": "bot.sim.models",
    "SimChannel": "bot.sim.models",
    "SimError": "bot.sim.errors",
    "SimFile": "bot.sim.models",
    "SimGuild": "bot.sim.models",
    "SimInteraction": "bot.sim.interactions",
    "SimMember": "bot.sim.models",
    "SimMessage": "bot.sim.models",
    "SimModal": "bot.sim.interactions",
    "SimRole": "bot.sim.models",
    "SimStats": "bot.sim.stats",
    "SimUser": "bot.sim.models",
    "Violation": "bot.sim.errors",
    "point_discordpy_at": "bot.sim.endpoints",
    "run_bot_against": "bot.sim.harness",
}


def __getattr__(name: str) -> object:
    """`from bot.sim import DiscordSimulator` and friends, imported on first use (PEP 562)."""
    try:
        module = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module 'bot.sim' has no attribute {name!r}") from None
    return getattr(importlib.import_module(module), name)


__all__ = [
    "DiscordHTTPError",
    "DiscordSimulator",
    "FaultInjector",
    "FaultRule",
    "InteractionHandle",
    "RateLimitConfig",
    "ShardingConfig",
    "SimAttachment",
    "SimChannel",
    "SimError",
    "SimFile",
    "SimGuild",
    "SimInteraction",
    "SimMember",
    "SimMessage",
    "SimModal",
    "SimRole",
    "SimStats",
    "SimUser",
    "Violation",
    "point_discordpy_at",
    "run_bot_against",
]
