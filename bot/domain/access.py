"""Who may do what: member, organiser, moderator — decided from plain facts, not discord objects."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum


class Level(IntEnum):
    """Access levels, ordered so a higher level includes the lower ones."""

    MEMBER = 0
    ORGANISER = 1
    MODERATOR = 2

    @property
    def label(self) -> str:
        """Lower-case name for messages."""
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Actor:
    """The person acting, as the bot saw them when the interaction arrived."""

    guild_id: int
    user_id: int | None
    name: str
    manage_guild: bool = False
    role_ids: frozenset[int] = field(default_factory=frozenset)


def access_level(actor: Actor, moderator_roles: Iterable[int], organiser_roles: Iterable[int]) -> Level:
    """Moderator: Manage Server or a moderator role. Organiser: an organiser role. Else member.

    The @everyone role (its id is the guild's) never makes a moderator, even if it was stored before
    `/admin config roles` refused it.
    """
    if actor.manage_guild or actor.role_ids & (set(moderator_roles) - {actor.guild_id}):
        return Level.MODERATOR
    if actor.role_ids & set(organiser_roles):
        return Level.ORGANISER
    return Level.MEMBER


#: The level each command needs, by its leading words (a group's subcommands inherit it unless named
#: themselves); any other command is for members.
COMMAND_LEVELS: dict[str, Level] = {
    "admin": Level.MODERATOR,
    "announce": Level.ORGANISER,
    "hustings schedule": Level.ORGANISER,
    "hustings edit": Level.ORGANISER,
    "hustings cancel": Level.ORGANISER,
    "hustings events": Level.ORGANISER,
}


def command_level(qualified_name: str) -> Level:
    """The level a command needs, by its name as typed ("/admin source sync" or "admin source sync")."""
    words = qualified_name.lstrip("/").split()
    for length in range(len(words), 0, -1):  # the longest named prefix decides
        level = COMMAND_LEVELS.get(" ".join(words[:length]))
        if level is not None:
            return level
    return Level.MEMBER
