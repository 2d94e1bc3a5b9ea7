"""Helpers shared by test files: drive the simulator as a member would, and seed a guild's data.

Fixtures live in `conftest.py` files (pytest finds them); plain functions that several test files
call live here, so no test imports from a conftest. See tests/README.md.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from bench.data import seed_election as seed_election  # the one seeding factory
from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.models import Election, Threshold, Timeline, VotingSystem
from bot.domain.schedule.ledger import Subscription, SubscriptionKind
from bot.packs.json_format import pack_from_dict
from bot.services.imports import apply_import, plan_import
from bot.sim import DiscordSimulator, SimChannel, SimGuild, SimMember, SimMessage, run_bot_against
from bot.store import elections, meta, subscriptions
from bot.store.database import Database
from bot.store.engine import Connection


async def import_pack(db: Database, guild_id: int, data: Mapping[str, Any], clock: ManualClock, name: str) -> None:
    """Load a pack (as JSON-ready data) through the import service."""
    pack = pack_from_dict(dict(data), name)
    plan = await plan_import(db, guild_id, pack)
    await apply_import(db, guild_id, plan, actor_id=None, actor_name="test", now=clock.now())


async def seed_race(
    db: Database,
    guild_id: int,
    clock: ManualClock,
    slug: str,
    name: str,
    *,
    seats: int = 1,
    system: VotingSystem = VotingSystem.FPTP,
    threshold: int | None = None,
    timeline: Timeline | None = None,
    **seed: Any,
) -> None:
    """Seed one election with these fields through `seed_election` (`seed`: its slates, candidates, bodies...)."""
    election = Election(
        guild_id=0,
        slug=slug,
        name=name,
        seats=seats,
        voting_system=system,
        threshold=None if threshold is None else Threshold(threshold),
        timeline=timeline or Timeline(),
    )
    await seed_election(db, guild_id, clock, election, **seed)


@asynccontextmanager
async def running(
    sim: DiscordSimulator, settings: Settings, db: Database, clock: ManualClock
) -> AsyncIterator[HustingsBot]:
    """One bot process's lifetime on the shared database and simulator (a second `running` is a restart)."""
    async with run_bot_against(sim, HustingsBot(settings=settings, db=db, clock=clock)) as bot:
        yield bot


async def ask(
    sim: DiscordSimulator, who: SimMember, command: str, options: Mapping[str, Any] | None = None
) -> SimMessage:
    """Run a slash command and return the visible reply, failing on any Discord-rule violation."""
    handle = await sim.invoke(who, command, dict(options or {}))
    reply = await handle.response(timeout=10)
    assert not reply.loading, "the reply is still the 'thinking…' placeholder"
    assert sim.violations == [], sim.violations
    return reply


async def ask_question_without(
    sim: DiscordSimulator,
    guild: SimGuild,
    channel: SimChannel,
    denied: int,
    who: SimMember,
    hustings_id: int,
    question: str,
) -> SimMessage:
    """Deny the bot the permissions `denied` in `channel` (0: none), then `who` asks `question` at a hustings."""
    guild.set_overwrite(channel, guild.bot_member, 0, denied)
    await sim.wait_for_idle()
    return await ask(sim, who, "/ask", {"hustings": str(hustings_id), "question": question})


async def choices(
    sim: DiscordSimulator, who: SimMember, command: str, focused: str, value: str, **options: Any
) -> list[str]:
    """Autocomplete `value` into option `focused`; the choice names shown to the member."""
    found = await sim.autocomplete(who, command, focused, value, options or None)
    assert sim.violations == [], sim.violations
    return [c["name"] for c in found]


async def set_published(db: Database, guild_id: int, slug: str, clock: ManualClock, published: bool) -> None:
    """Publish or unpublish an election's results (bumping the data version like every write)."""
    async with db.transaction() as tx:
        e = await elections.get_by_slug(tx, guild_id, slug)
        assert e is not None and e.id is not None
        current = await elections.get_result_meta(tx, e.id)
        await elections.set_result_meta(
            tx, e.id, published=published, valid=current.valid_ballots, invalid=current.invalid_ballots
        )
        await meta.bump_version(tx, guild_id, clock.now(), "test publish")


async def store_deadline_election(
    tx: Connection, guild_id: int, slug: str, name: str, now: datetime, lead: timedelta
) -> int:
    """Store an election (2 seats, bloc, threshold 1, open 5 days) closing nominations `lead` after `now`; its id."""
    timeline = Timeline(nominations_open=now - timedelta(days=5), nominations_close=now + lead)
    election = Election(
        guild_id=guild_id,
        slug=slug,
        name=name,
        seats=2,
        voting_system=VotingSystem.BLOC,
        threshold=Threshold(1),
        timeline=timeline,
    )
    return await elections.upsert(tx, election)


async def store_deadline_subscriptions(
    tx: Connection, guild_id: int, members: Iterable[SimMember], election_id: int, lead: timedelta, now: datetime
) -> None:
    """Store each member's subscription (made 5 minutes ago) to a DM `lead` before the election's deadlines."""
    for member in members:
        await subscriptions.upsert(
            tx,
            Subscription(
                guild_id=guild_id,
                user_id=member.id,
                kind=SubscriptionKind.DEADLINES,
                before=lead,
                election_id=election_id,
                created_at=now - timedelta(minutes=5),
                checked_until=now - timedelta(minutes=5),
            ),
        )
