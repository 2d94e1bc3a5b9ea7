"""Bench-only extension: times every autocomplete handler inside the bot process.

Loaded last (after the bot's cogs and `bench.noop_cog`), it wraps each command parameter's
autocomplete callback with `perf_counter` so the benchmark can report the handler's own time,
apart from Discord round trips. `bench.botproc` includes `TIMINGS` in its stats snapshots.
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from collections.abc import Callable, Coroutine
from typing import Any

from discord import app_commands
from discord.ext import commands

from bot.discordpy_private import wrap_autocompletes

#: "command name:option" -> handler durations in seconds, in call order.
TIMINGS: defaultdict[str, list[float]] = defaultdict(list)


def _timed(label: str, callback: Callable[..., Coroutine[Any, Any, Any]]) -> Callable[..., Coroutine[Any, Any, Any]]:
    @functools.wraps(callback)
    async def wrapper(*args: Any) -> Any:
        start = time.perf_counter()
        try:
            return await callback(*args)
        finally:
            TIMINGS[label].append(time.perf_counter() - start)

    wrapper.pass_command_binding = getattr(callback, "pass_command_binding", False)  # type: ignore[attr-defined]
    return wrapper


def _walk(items: list[app_commands.Command | app_commands.Group]) -> list[app_commands.Command]:
    out: list[app_commands.Command] = []
    for item in items:
        if isinstance(item, app_commands.Group):
            out += _walk(list(item.commands))
        else:
            out.append(item)
    return out


def instrument(tree: app_commands.CommandTree) -> int:
    """Wrap every autocomplete callback in `tree` (global commands); returns how many were wrapped."""
    wrapped = 0
    for command in _walk(list(tree.get_commands())):

        def wrap(name: str, callback: Any, command: app_commands.Command = command) -> Any:
            if getattr(callback, "__bench_timed__", False):
                return callback
            timed = _timed(f"{command.qualified_name}:{name}", callback)
            timed.__bench_timed__ = True  # type: ignore[attr-defined]
            return timed

        wrapped += wrap_autocompletes(command, wrap)
    return wrapped


async def setup(bot: commands.Bot) -> None:
    """Instrument the tree as it stands (load this extension last)."""
    instrument(bot.tree)
