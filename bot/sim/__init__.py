"""A local Discord simulator: Discord's REST + gateway wire protocol on 127.0.0.1 for discord.py tests.

See docs/simulator.md for the test-facing API.
"""

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
