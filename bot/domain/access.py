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
    "hustings hide": Level.MODERATOR,
    "hustings answered": Level.ORGANISER,
    "hustings speaker": Level.MODERATOR,
    "hustings questions_channel": Level.ORGANISER,
}


def command_level(qualified_name: str) -> Level:
    """The level a command needs, by its name as typed ("/admin source sync" or "admin source sync")."""
    words = qualified_name.lstrip("/").split()
    for length in range(len(words), 0, -1):  # the longest named prefix decides
        level = COMMAND_LEVELS.get(" ".join(words[:length]))
        if level is not None:
            return level
    return Level.MEMBER


@dataclass(frozen=True, slots=True)
class ChannelRights:
    """What someone may do in one channel, as Discord resolved it (overwrites included)."""

    view: bool = False
    send: bool = False
    embed_links: bool = False
    attach_files: bool = False
    mention_everyone: bool = False


#: Discord's names (as its settings show them) for the rights a post may need.
RIGHT_NAMES: dict[str, str] = {
    "view": "View Channel",
    "send": "Send Messages",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
}
#: A text post (an organiser's message, an alert).
TEXT_POST = ("view", "send")
#: A post with embeds and charts (live views, results).
RICH_POST = ("view", "send", "embed_links", "attach_files")


def missing_rights(rights: ChannelRights, needs: Iterable[str] = RICH_POST) -> list[str]:
    """The rights in `needs` that `rights` lacks, by their names in Discord's settings."""
    return [RIGHT_NAMES[name] for name in needs if not getattr(rights, name)]


def bot_cannot_post(channel: str, rights: ChannelRights, needs: Iterable[str] = RICH_POST) -> str | None:
    """One sentence naming what the bot lacks in `channel` (a mention), or None when it can post there."""
    missing = missing_rights(rights, needs)
    if not missing:
        return None
    bold = [f"**{m}**" for m in missing]
    names = bold[0] if len(bold) == 1 else ", ".join(bold[:-1]) + " and " + bold[-1]
    return f"I can't post in {channel}: give me {names} there (channel settings → Permissions), then try again."


def ping_refusal(organiser: ChannelRights, *, everyone: bool, role_mentionable: bool) -> str | None:
    """Why the organiser may not schedule this ping into that channel, or None when they may.

    Discord lets a message ping a role only when the role is mentionable or its author holds
    Mention Everyone in the channel, and @everyone only with Mention Everyone. The bot posts with its own
    rights, so it must not lend them: the organiser has to be able to see and post in the channel and
    to ping the role themselves.
    """
    if not organiser.view or not organiser.send:
        return "You can't post in that channel yourself, so I won't post there for you."
    if everyone and not organiser.mention_everyone:
        return "Only someone allowed to mention @everyone in that channel can schedule an @everyone ping."
    if not everyone and not role_mentionable and not organiser.mention_everyone:
        return (
            "That role can't be mentioned by you in that channel: make it mentionable "
            "(Server Settings → Roles) or ask someone with Mention Everyone to schedule the ping."
        )
    return None


def bot_ping_warning(bot: ChannelRights, *, everyone: bool, role_mentionable: bool) -> str | None:
    """A warning when the post would appear without notifying anyone: the bot itself can't ping there."""
    if (everyone or not role_mentionable) and not bot.mention_everyone:
        return (
            "⚠️ I don't have **Mention Everyone** in that channel, so the post will show the ping but notify "
            "nobody. Give me that permission there, or make the role mentionable."
        )
    return None


def admin_visibility_note(role_mention: str, role_name: str) -> str:
    """What a moderator must change so a new moderator role can see `/admin` at all.

    Discord shows `/admin` only to members with Manage Server (its default permission) unless the
    server allows more in Server Settings → Integrations; only the server can change that, not the bot.
    """
    return (
        f"Members of {role_mention} can't see `/admin` yet: Discord shows it only to people with Manage Server. "
        f"In Server Settings → Integrations → Hustings, open `/admin`, choose **Add Roles or Members** and add "
        f"**{role_name}**."
    )
