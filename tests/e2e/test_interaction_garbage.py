"""#19: a finished command or button press leaves no cyclic garbage behind.

discord.py's `Interaction` and its `InteractionResponse` point at each other, so without help every
interaction (with its Member, User and Namespace) waited for a full collection pass to be freed —
passes that, under a 2,000-member burst, held the event loop for over 100 ms. The bot breaks those
cycles once an interaction is handled (`bot.discordpy_private.release_interaction`), so reference
counting frees it the moment its task ends; and what the command's context holds lets go of it, as
that context is copied into timers and sockets that outlive the command.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import discord

from bot.sim import DiscordSimulator, SimMember
from tests.helpers import ask

#: discord.py's per-interaction objects that must not be left for the cyclic collector.
PER_INTERACTION = (discord.Interaction, discord.InteractionResponse, discord.InteractionMessage)


@contextmanager
def cyclic_garbage() -> Iterator[list[str]]:
    """Collect before, keep the collector off during the block, then list (by type) what only it could free,
    and what is still alive."""
    gc.collect()
    gc.disable()
    found: list[str] = []
    try:
        yield found
    finally:
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            gc.collect()
            found += [type(o).__name__ for o in gc.garbage if isinstance(o, PER_INTERACTION)]
            found += [f"alive {type(o).__name__}" for o in gc.get_objects() if isinstance(o, PER_INTERACTION)]
        finally:
            gc.garbage.clear()
            gc.set_debug(0)
            gc.enable()


async def test_commands_and_presses_leave_no_interaction_to_the_cyclic_collector(
    sim: DiscordSimulator, member: SimMember, demo
) -> None:
    await ask(sim, member, "/results", {"election": "nec-2018"})  # warm: the chart is drawn once
    with cyclic_garbage() as left:
        profile = await ask(sim, member, "/candidate", {"name": "Yasmine Dar"})
        assert "Yasmine Dar" in profile.embeds[0]["title"]
        results = await ask(sim, member, "/results", {"election": "nec-2018"})
        assert results.filenames == ["results.png"]
        share = next(b["custom_id"] for b in results.buttons if b["label"] == "Share")
        shared = await (await sim.click(member, results, share)).response()
        assert shared.text or shared.embeds
        listing = await ask(sim, member, "/candidates", {"election": "nec-2018"})
        assert listing.embeds
        await sim.wait_for_idle()
    assert left == []
