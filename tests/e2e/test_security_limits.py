"""Event-loop and input limits (issue #13, item 10), through the simulator.

A big import is parsed and planned in a worker thread while members keep getting answers; an
absurdly long number is a reported problem; @everyone cannot become the moderator role; an
impossible cron is refused without a long search on the event loop.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest

import bot.services.imports as imports
from bot.app import HustingsBot
from bot.domain.settings import GuildSettings
from bot.sim import DiscordSimulator, SimFile, SimGuild, SimMember
from bot.store import meta
from bot.store.database import Database
from tests.e2e.admin_fixtures import mod_fixture, open_admin_to_everyone
from tests.helpers import ask

__all__ = ["mod_fixture"]  # fixtures used by name


def big_pack() -> bytes:
    """A valid pack just under the 5 MB attachment limit: 5,000 branches, 3 elections of 1,000 candidates."""
    bodies = [{"name": f"Branch number {i:05d} constituency party", "region": "Region"} for i in range(5000)]
    elections = []
    for e in range(3):
        candidates = [{"name": f"Candidate {e}-{i:05d}", "bio": "word " * 200} for i in range(1000)]
        nominations = [{"body": bodies[i]["name"], "candidates": [candidates[i % 1000]["name"]]} for i in range(5000)]
        elections.append(
            {
                "slug": f"big-{e}",
                "name": f"Big election {e}",
                "seats": 3,
                "voting_system": "bloc",
                "candidates": candidates,
                "nominations": nominations,
            }
        )
    data = json.dumps({"version": 1, "bodies": bodies, "elections": elections}).encode()
    assert 4 * 1024 * 1024 < len(data) < 5 * 1024 * 1024
    return data


async def test_a_big_import_is_parsed_and_planned_off_the_event_loop(
    sim: DiscordSimulator,
    mod: SimMember,
    guild: SimGuild,
    demo: HustingsBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop_thread = threading.get_ident()
    threads: dict[str, int] = {}

    def spy(name, real):
        def call(*args, **kwargs):
            threads[name] = threading.get_ident()
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(imports, "parse_upload", spy("parse", imports.parse_upload))
    monkeypatch.setattr(imports, "merge", spy("merge", imports.merge))
    monkeypatch.setattr(imports, "diff_states", spy("diff", imports.diff_states))
    members = [guild.add_member(f"member{i}") for i in range(12)]

    upload = SimFile("big.json", big_pack(), "application/json")
    handle = await sim.invoke(mod, "/admin data import", {"file": upload, "dry_run": True})
    answers = await asyncio.gather(
        *(ask(sim, m, "/candidates", {"election": "nec-2018"}) for m in members),
    )
    preview = await handle.response(timeout=30)
    assert all(a.embeds for a in answers)  # every member got an answer, within Discord's deadline
    assert "Import preview" in preview.embeds[0]["title"]
    assert threads.keys() == {"parse", "merge", "diff"}
    assert loop_thread not in threads.values(), threads
    assert sim.violations == []


async def test_a_number_of_thousands_of_digits_is_a_reported_problem(
    sim: DiscordSimulator, mod: SimMember, hustings: HustingsBot
) -> None:
    pack = b'{"version": 1, "elections": [{"slug": "x", "name": "X", "voting_system": "bloc",\n "seats": 1'
    pack += b"0" * 5000 + b"}]}"
    reply = await ask(sim, mod, "/admin data import", {"file": SimFile("huge.json", pack, "application/json")})
    assert "something went wrong" not in reply.content.lower()
    assert "line 2" in reply.content and "more than 30 digits" in reply.content


async def test_everyone_cannot_be_the_moderator_role(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, member: SimMember, hustings: HustingsBot, db: Database
) -> None:
    reply = await ask(sim, mod, "/admin config roles", {"moderator_role": guild.everyone_role})
    assert reply.ephemeral and "@everyone can't be the moderator role" in reply.content
    assert (await meta.get_settings(db.reader, guild.id)).moderator_role_ids == []
    # A setting stored before the rule existed gives nobody the moderator tools either.
    async with db.transaction() as tx:
        await meta.save_settings(tx, GuildSettings(guild.id, moderator_role_ids=[guild.id]))
    open_admin_to_everyone(sim, guild)
    refused = await ask(sim, member, "/admin config show")
    assert "Only a moderator can do that" in refused.content


async def test_an_impossible_cron_is_refused_without_a_long_search(
    sim: DiscordSimulator, guild: SimGuild, hustings: HustingsBot, db: Database
) -> None:
    role = guild.add_role("Organisers")
    organiser = guild.add_member("olive", roles=[role])
    async with db.transaction() as tx:
        await meta.save_settings(tx, GuildSettings(guild.id, organiser_role_ids=[role.id]))
    channel = guild.channel("announcements")
    spent = 0.0
    for cron in ("0 0 31 2 *", "0 0 30 2 *", "0 12 31 4 *", "0 9 31 6,9,11 *"):
        started = time.thread_time()  # CPU time of this thread (the bot's event loop), not the wall clock
        reply = await ask(
            sim,
            organiser,
            "/announce schedule",
            {"channel": channel, "when": "in 1h", "message": "Never", "repeat": cron},
        )
        spent += time.thread_time() - started
        assert "never posts" in reply.content, (cron, reply.content)
    assert spent < 1.0, f"{spent:.2f} s of event-loop CPU for four refusals"
    assert sim.channel_messages(channel) == []
