"""The read model: one load per data version, current-election choice, name resolution, nothing unpublished."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.domain.models import (
    Body,
    Candidate,
    CandidateStatus,
    Election,
    ResultRound,
    Slate,
    Threshold,
    Timeline,
    VotingSystem,
)
from bot.errors import NotFound
from bot.services.read.model import ReadModel
from bot.services.read.names import surname_key
from bot.services.read.share import ShareLimiter
from bot.store.database import Database
from tests.helpers import seed_election

GUILD = 42


async def _seed(
    db: Database,
    clock: ManualClock,
    election: Election,
    *,
    slates: list[Slate] = (),  # type: ignore[assignment]
    candidates: list[Candidate] = (),  # type: ignore[assignment]
    bodies: list[Body] = (),  # type: ignore[assignment]
    nominations: list[tuple[str, str]] = (),  # type: ignore[assignment]
    rounds: list[ResultRound] = (),  # type: ignore[assignment]
    published: bool = False,
) -> None:
    """Seed this file's guild; every nomination is dated 1 November."""
    dated = [(body, cand, date(2026, 11, 1)) for body, cand in nominations]
    await seed_election(
        db,
        GUILD,
        clock,
        election,
        slates=slates,
        candidates=candidates,
        bodies=bodies,
        nominations=dated,
        rounds=rounds,
        published=published,
        reason="test",
    )


def _election(
    slug: str,
    *,
    opens: datetime | None = None,
    closes: datetime | None = None,
    ballot_close: datetime | None = None,
    **kw,
) -> Election:
    return Election(
        guild_id=GUILD,
        slug=slug,
        name=kw.pop("name", slug.upper()),
        seats=kw.pop("seats", 1),
        voting_system=kw.pop("system", VotingSystem.BLOC),
        timeline=Timeline(opens, closes, ballot_close=ballot_close),
        **kw,
    )


@pytest.fixture
def reads(db: Database, clock: ManualClock) -> ReadModel:
    return ReadModel(db, clock)


async def test_one_load_per_data_version(reads: ReadModel, db: Database, clock: ManualClock) -> None:
    await _seed(db, clock, _election("a"), candidates=[Candidate("Ann Able")])
    await reads.election_info(GUILD, None)
    await reads.candidate_list(GUILD, None)
    await reads.complete_candidates(GUILD, None, "an")
    assert reads.loads == 1
    await _seed(db, clock, _election("b"), candidates=[Candidate("Ben Baker")])
    assert [e.slug for e in (await reads.election_list(GUILD)).elections] == ["b", "a"]
    assert reads.loads == 2


async def test_current_election_prefers_open_nominations(reads: ReadModel, db: Database, clock: ManualClock) -> None:
    now = clock.now()
    day = timedelta(days=1)
    await _seed(db, clock, _election("old", opens=now - 90 * day, closes=now - 60 * day, ballot_close=now - 30 * day))
    await _seed(db, clock, _election("live", opens=now - day, closes=now + 3 * day, ballot_close=now + 20 * day))
    await _seed(db, clock, _election("later", opens=now + timedelta(days=30), closes=now + timedelta(days=40)))
    assert (await reads.election_info(GUILD, None)).header.slug == "live"
    clock.advance(timedelta(days=4))  # nominations closed: "live" is now balloting, still current
    assert (await reads.election_info(GUILD, None)).header.slug == "live"


async def test_resolution_and_suggestions(reads: ReadModel, db: Database, clock: ManualClock) -> None:
    await _seed(
        db,
        clock,
        _election("nec", name="Labour NEC"),
        slates=[Slate("Centre Left Grassroots Alliance", "CLGA")],
        candidates=[Candidate("Gurinder Singh Josan"), Candidate("Eddie Izzard", slate="CLGA")],
    )
    assert (await reads.candidate_profile(GUILD, "josan", None)).row.name == "Gurinder Singh Josan"
    assert (await reads.candidate_profile(GUILD, "GURINDER", "labour nec")).row.name == "Gurinder Singh Josan"
    with pytest.raises(NotFound, match=r"No candidate called “Izard” in Labour NEC; did you mean \*\*Eddie Izzard\*\*"):
        await reads.candidate_profile(GUILD, "Izard", None)
    with pytest.raises(NotFound, match="No candidate called “zar”"):  # a bare substring is not a choice
        await reads.candidate_profile(GUILD, "zar", None)
    with pytest.raises(NotFound, match="No election called “nex”"):
        await reads.election_info(GUILD, "nex")
    assert (await reads.slate_info(GUILD, "clga", None)).summary.slate.name == "Centre Left Grassroots Alliance"
    labels = await reads.complete_slates(GUILD, None, "grass")
    assert labels == [("Centre Left Grassroots Alliance (CLGA)", "Centre Left Grassroots Alliance")]


async def test_unpublished_results_never_leave_the_read_model(
    reads: ReadModel, db: Database, clock: ManualClock
) -> None:
    cands = [Candidate("Ann Able", status=CandidateStatus.ELECTED), Candidate("Ben Baker")]
    rounds = [ResultRound({"Ann Able": 10, "Ben Baker": 5}, elected=["Ann Able"])]
    await _seed(db, clock, _election("x"), candidates=cands, rounds=rounds, published=False)
    profile = await reads.candidate_profile(GUILD, "Ann Able", None)
    assert profile.row.result is None and profile.row.status == "on ballot"
    results = await reads.results(GUILD, None)
    assert results.summary is None and not results.header.results_published
    listing = await reads.candidate_list(GUILD, None, status="elected")
    assert listing.rows == ()


async def test_eligible_bodies_follow_the_kinds_that_nominate(
    reads: ReadModel, db: Database, clock: ManualClock
) -> None:
    clps = [Body(f"CLP {i}", kind="CLP") for i in range(40)]
    branches = [Body(f"Branch {i}", kind="branch") for i in range(10)]
    await _seed(
        db,
        clock,
        _election("union", threshold=Threshold(10, percent=True)),
        candidates=[Candidate("Ann Able")],
        bodies=branches,
        nominations=[("Branch 1", "Ann Able")],
    )
    await _seed(
        db,
        clock,
        _election("party", threshold=Threshold(5, percent=True)),
        candidates=[Candidate("Ben Baker")],
        bodies=clps,
    )
    union = (await reads.election_info(GUILD, "union")).header
    party = (await reads.election_info(GUILD, "party")).header
    assert (union.eligible_bodies, union.body_kind, union.required) == (10, "branch", 1)
    assert (party.eligible_bodies, party.body_kind, party.required) == (40, "CLP", 2)


async def test_autocomplete_on_a_big_election_reads_one_snapshot(
    reads: ReadModel, db: Database, clock: ManualClock
) -> None:
    """Typing into a 500-candidate election never reloads the snapshot (its speed is measured in bench/autocomplete)."""
    names = [f"Candidate{i:03d} Surname{i % 37}" for i in range(500)]
    await _seed(db, clock, _election("big"), candidates=[Candidate(n) for n in names])
    await reads.complete_candidates(GUILD, None, "")  # build the snapshot once
    for typed in ("c", "cand", "surname1", "candidate49", "zz", "sur 3") * 20:
        found = await reads.complete_candidates(GUILD, None, typed)
        assert len(found) <= 25
    assert reads.loads == 1


def test_surname_sort_key() -> None:
    names = ["Tomasz Wróbel", "Aileen Marsh", "Gurinder Singh Josan", "Ann de Vries"]
    assert sorted(names, key=surname_key) == ["Gurinder Singh Josan", "Aileen Marsh", "Ann de Vries", "Tomasz Wróbel"]


def test_share_limiter_window(clock: ManualClock) -> None:
    limiter = ShareLimiter(clock, limit=3, window=timedelta(minutes=5))
    assert [limiter.try_acquire(1, 7) for _ in range(3)] == [None, None, None]
    again = limiter.try_acquire(1, 7)
    assert again == clock.now() + timedelta(minutes=5)
    assert limiter.try_acquire(1, 8) is None  # per member
    assert limiter.try_acquire(2, 7) is None  # per guild
    clock.advance(timedelta(minutes=5))
    assert limiter.try_acquire(1, 7) is None
    assert limiter.describe() == "3 views every 5 minutes"
