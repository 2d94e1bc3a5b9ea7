"""The results preview is a pure view over the frozen snapshot: it shows unpublished figures, the
members' view at the same moment does not, and nothing in the snapshot changes."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from bot.clock import ManualClock
from bot.domain.access import Actor
from bot.services.access import AccessService
from bot.services.admin.service import AdminService
from bot.services.read.model import ReadModel
from bot.services.read.views import ViewBuilder
from bot.store.database import Database

GUILD = 100
MOD = Actor(GUILD, 1, "mod#1", manage_guild=True)


@pytest.fixture
async def seeded(db: Database, clock: ManualClock) -> AdminService:
    admin = AdminService(db, clock, AccessService(db, clock), "Europe/London")
    await admin.elections.create_election(MOD, slug="nec", name="NEC 2026", seats=1)
    for name, votes in (("Ann Able", 120), ("Ben Baker", 80)):
        await admin.elections.add_candidate(MOD, "nec", name=name)
        await admin.results.set_votes(MOD, name, votes, election_slug="nec")
    return admin


async def test_preview_shows_unpublished_figures_members_do_not(
    seeded: AdminService, db: Database, clock: ManualClock
) -> None:
    reads = ReadModel(db, clock)
    snap = await reads.snapshot(GUILD)
    before = copy.deepcopy([(e.election, e.result, e.candidates, e.nominations) for e in snap.elections])

    preview = await seeded.results.preview(MOD, "nec")
    public = await reads.results(GUILD, "nec")
    assert preview.summary is not None and preview.summary.elected == ("Ann Able",)
    assert preview.header.results_published
    assert public.summary is None and not public.header.results_published

    shown = ViewBuilder(snap, clock.now(), show_unpublished=True).results("nec")
    assert shown.summary is not None and ViewBuilder(snap, clock.now()).results("nec").summary is None
    row = ViewBuilder(snap, clock.now()).candidate_list("nec").rows[0]
    assert row.result is None  # members' rows carry no votes before publication

    assert [(e.election, e.result, e.candidates, e.nominations) for e in snap.elections] == before
    assert not snap.by_slug["nec"].published
    assert await reads.snapshot(GUILD) is snap and reads.loads == 1  # the cached snapshot, untouched


async def test_snapshot_entities_are_frozen(seeded: AdminService, db: Database, clock: ManualClock) -> None:
    snap = await ReadModel(db, clock).snapshot(GUILD)
    data = snap.by_slug["nec"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.result.published = True  # type: ignore[misc]  # what the old preview did
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.candidates = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        data.counts["Ann Able"] = 99  # type: ignore[index]  # read-only mappings
