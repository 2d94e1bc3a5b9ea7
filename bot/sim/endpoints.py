"""Point the unmodified discord.py client at another Discord (the simulator, or the real one).

The private names this needs are fenced in `bot.sim.discordpy_private`; these are the simulator's names for them.
"""

from __future__ import annotations

from bot.sim.discordpy_private import current_discordpy_endpoints, point_discordpy_at

__all__ = ["current_discordpy_endpoints", "point_discordpy_at"]
