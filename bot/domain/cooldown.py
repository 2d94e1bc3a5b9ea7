"""Per-member cooldowns on commands and buttons: generous for reading, tight for writing.

A sliding window per (guild, member, kind): at most `limit` uses within `window`. Times come from the
caller's clock, so tests move a manual clock instead of sleeping.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bot.domain.access import Level, command_level


class UseKind(Enum):
    """What kind of use a command or button press is, for its cooldown."""

    READ = "read"
    WRITE = "write"


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `uses` within `window`."""

    uses: int
    window: timedelta


#: Reading is cheap and people flick through pages; writing (subscribing, admin edits, scheduling) is not.
#: Share has its own, tighter limit (bot/services/read/share.py: 3 posts every 5 minutes).
LIMITS: dict[UseKind, Limit] = {
    UseKind.READ: Limit(40, timedelta(seconds=30)),
    UseKind.WRITE: Limit(6, timedelta(seconds=30)),
}

#: Member commands that write (everything else a member can run only reads).
MEMBER_WRITES = ("remind branch", "remind deadlines", "remind stop", "ask")


def command_kind(qualified_name: str) -> UseKind:
    """Reads for members' look-ups; writes for /remind changes and every organiser or moderator command."""
    name = " ".join(qualified_name.lstrip("/").split())
    if command_level(name) is not Level.MEMBER or name.startswith(MEMBER_WRITES):
        return UseKind.WRITE
    return UseKind.READ


class Cooldowns:
    """Sliding-window use counters per (guild, member, kind)."""

    def __init__(self, limits: dict[UseKind, Limit] | None = None) -> None:
        self.limits = dict(limits or LIMITS)
        self._uses: dict[tuple[int, int, UseKind], deque[datetime]] = {}

    def try_use(self, guild_id: int, member_id: int, kind: UseKind, now: datetime) -> datetime | None:
        """Record a use and return None when allowed; else return when the member may try again."""
        limit = self.limits[kind]
        key = (guild_id, member_id, kind)
        uses = self._uses.get(key)
        if uses is None:
            uses = self._uses[key] = deque()
        while uses and now - uses[0] >= limit.window:
            uses.popleft()
        if len(uses) >= limit.uses:
            return uses[0] + limit.window
        uses.append(now)
        if len(self._uses) > 10_000:  # forget idle members so memory stays bounded
            self._forget_idle(now)
        return None

    def _forget_idle(self, now: datetime) -> None:
        longest = max(limit.window for limit in self.limits.values())
        for key in [k for k, v in self._uses.items() if not v or now - v[-1] >= longest]:
            del self._uses[key]
