"""#15.6: one server's slow ("tarpit") sources don't hold every fetch slot, and servers' sources are capped."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.access import Actor
from bot.errors import UserError
from tests.services.test_sources import GUILD, MOD, OTHER_GUILD, SLUG, Env, candidates_csv, env, seed

__all__ = ["env"]  # the fixture, shared with test_sources

OTHER_MOD = Actor(OTHER_GUILD, 9, "other-mod", manage_guild=True)


async def test_one_servers_tarpits_do_not_hold_every_fetch_slot(env: Env) -> None:
    await seed(env.db, env.clock, guild=OTHER_GUILD)
    tarpits = [env.server.serve(f"slow-{i}.csv", candidates_csv(2), mode="hang") for i in range(4)]
    for i in range(4):  # each sheet of this server hangs until the fetch's total timeout
        await env.service.add(MOD, election=SLUG, kind="candidates", url=env.server.url(f"slow-{i}.csv"))
    env.server.serve("quick.csv", candidates_csv(3))
    await env.service.add(OTHER_MOD, election=SLUG, kind="candidates", url=env.server.url("quick.csv"))
    other_applied = asyncio.Event()
    started_when_applied: list[int] = []

    async def hook(guild_id: int) -> None:
        if guild_id == OTHER_GUILD:
            started_when_applied.append(sum(t.hits for t in tarpits))
            other_applied.set()

    env.service.after_apply.append(hook)
    run = asyncio.create_task(env.service.run_due())
    await asyncio.wait_for(other_applied.wait(), 30)
    await run
    # The other server's source ran alongside the first tarpit, not after four of them.
    assert started_when_applied == [1], started_when_applied
    assert await env.names(guild=OTHER_GUILD) == ["Candidate 01", "Candidate 02", "Candidate 03"]


async def test_a_server_has_at_most_the_hosts_number_of_sources(env: Env) -> None:
    env.service.settings = env.service.settings.replace(max_sources=2)
    for i in range(2):
        env.server.serve(f"c{i}.csv", candidates_csv(1))
        await env.add(f"c{i}.csv")
    env.server.serve("c2.csv", candidates_csv(1))
    with pytest.raises(UserError, match="already has 2 sources, the most this bot allows per server"):
        await env.add("c2.csv")
    env.server.serve("theirs.csv", candidates_csv(1))
    await seed(env.db, env.clock, guild=OTHER_GUILD)
    await env.service.add(OTHER_MOD, election=SLUG, kind="candidates", url=env.server.url("theirs.csv"))
    assert len(await env.service.for_guild(GUILD)) == 2
