"""Subcommands that cogs.hustings and cogs.questions add to `/hustings`, a group cogs.meta owns."""

from __future__ import annotations

from discord import app_commands

from bot.app import HustingsBot


def _hustings_group(bot: HustingsBot) -> app_commands.Group | None:
    group = getattr(bot.get_cog("Meta"), "hustings", None)
    return group if isinstance(group, app_commands.Group) else None


def attach_to_hustings(bot: HustingsBot, owner: str, commands: app_commands.Group, attached: list[str]) -> None:
    """Add `commands`' subcommands under `/hustings`, noting each name in `attached` (for the detach)."""
    parent = _hustings_group(bot)
    if parent is None:
        raise RuntimeError(f"cogs.meta must load before {owner} (it owns /hustings)")
    for command in commands.commands:
        parent.add_command(command)
        attached.append(command.name)


def detach_from_hustings(bot: HustingsBot, attached: list[str]) -> None:
    """Remove the subcommands named in `attached` from `/hustings` (if it is still there) and forget them."""
    parent = _hustings_group(bot)
    if parent is not None:
        for name in attached:
            parent.remove_command(name)
    attached.clear()
