"""Run a real discord.py bot against the simulator for the duration of an `async with`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, TypeVar

import discord

from bot.sim.discordpy_private import current_discordpy_endpoints, point_discordpy_at, set_guild_ready_timeout

if TYPE_CHECKING:
    from bot.sim.client_api import DiscordSimulator

ClientT = TypeVar("ClientT", bound=discord.Client)


@asynccontextmanager
async def run_bot_against(
    sim: DiscordSimulator,
    bot: ClientT,
    *,
    sync_guild_ids: Iterable[int] = (),
    sync_global: bool = False,
    ready_timeout: float = 10.0,
    guild_ready_timeout: float | None = 0.05,
) -> AsyncIterator[ClientT]:
    """Point discord.py at `sim`, log in, connect, wait for READY, sync app commands; close on exit.

    `guild_ready_timeout` shortens discord.py's wait for more GUILD_CREATEs after the last one
    (2 s by default) so tests start fast; pass None to keep the bot's own setting. Endpoints
    discord.py used before are restored afterwards.
    """
    previous = current_discordpy_endpoints()
    point_discordpy_at(sim.api_base, sim.gateway_url)
    if guild_ready_timeout is not None:
        set_guild_ready_timeout(bot, guild_ready_timeout)
    task: asyncio.Task[None] | None = None
    try:
        await bot.login(sim.token)
        task = asyncio.create_task(bot.connect(reconnect=True), name="sim-bot-connect")
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({task, ready}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if task in done:
                task.result()  # re-raise why the connection ended
            raise TimeoutError(f"bot was not ready within {ready_timeout}s")
        tree = getattr(bot, "tree", None)
        if tree is not None:
            for guild_id in sync_guild_ids:
                await tree.sync(guild=discord.Object(id=guild_id))
            if sync_global:
                await tree.sync()
        yield bot
    finally:
        await bot.close()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 5.0)
        point_discordpy_at(*previous)
