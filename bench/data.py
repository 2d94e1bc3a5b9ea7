"""Synthetic election data at benchmark scale, written through the project's own store and import code."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.clock import Clock, ManualClock
from bot.domain.models import Body, Candidate, Election, ResultRound, Slate, Threshold, Timeline, VotingSystem
from bot.store import bodies as bodies_repo
from bot.store import candidates as candidates_repo
from bot.store import elections, meta
from bot.store import nominations as nominations_repo
from bot.store import results as results_repo
from bot.store.database import Database

#: The instant every benchmark treats as "now" (the bot's and the simulator's clocks start here).
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


async def seed_election(
    db: Database,
    guild_id: int,
    clock: Clock,
    election: Election,
    *,
    slates: list[Slate] = (),  # type: ignore[assignment]
    candidates: list[Candidate] = (),  # type: ignore[assignment]
    bodies: list[Body] = (),  # type: ignore[assignment]
    nominations: list[tuple[str, str, date | None]] = (),  # type: ignore[assignment]
    rounds: list[ResultRound] = (),  # type: ignore[assignment]
    published: bool = False,
    valid: int | None = None,
    invalid: int | None = None,
    reason: str = "test seed",
) -> None:
    """Write an election straight through the store (for sizes beyond a pack's limits) and bump the version.

    The one seeding factory: benchmarks and tests (`tests/helpers.py`) both use it.
    """
    election.guild_id = guild_id
    async with db.transaction() as tx:
        eid = await elections.upsert(tx, election)
        for slate in slates:
            await elections.upsert_slate(tx, eid, slate)
        body_ids = {b.name: await bodies_repo.upsert(tx, guild_id, b) for b in bodies}
        cand_ids = {c.name: await candidates_repo.upsert(tx, eid, c) for c in candidates}
        for body, cand, on in nominations:
            await nominations_repo.add(tx, eid, body_ids[body], cand_ids[cand], on)
        if rounds:
            await results_repo.replace_rounds(tx, eid, list(rounds), cand_ids)
        await elections.set_result_meta(tx, eid, published=published, valid=valid, invalid=invalid)
        await meta.bump_version(tx, guild_id, clock.now(), reason)


FIRST = [
    "Aisha",
    "Ben",
    "Carys",
    "Dev",
    "Elif",
    "Femi",
    "Grace",
    "Hamza",
    "Inès",
    "Jonah",
    "Kofi",
    "Lena",
    "Malik",
    "Nadia",
    "Owen",
    "Priya",
    "Quinn",
    "Rhys",
    "Sana",
    "Tariq",
    "Uma",
    "Vikram",
    "Wen",
    "Xavier",
    "Yusuf",
    "Zoë",
    "Amara",
    "Bilal",
    "Chloé",
    "Darius",
    "Esme",
    "Faisal",
    "Gwen",
    "Hugo",
    "Isla",
    "Jamal",
    "Kirsty",
    "Leon",
    "Maya",
    "Niall",
    "Olu",
    "Paddy",
    "Rania",
    "Seren",
    "Theo",
    "Una",
    "Vera",
    "Will",
    "Yasmin",
    "Zain",
    "Anton",
    "Bea",
    "Cian",
    "Dina",
    "Emre",
    "Fern",
    "Gio",
    "Hana",
    "Ivo",
    "Jude",
    "Kai",
    "Lily",
    "Mo",
    "Nell",
    "Oscar",
    "Pia",
    "Reza",
    "Sofia",
    "Tom",
    "Ugo",
    "Vik",
    "Wanda",
    "Yara",
    "Zed",
    "Abdi",
    "Bryn",
    "Cora",
    "Dafydd",
    "Edie",
    "Finn",
    "Gail",
    "Harri",
    "Ida",
    "José",
    "Kamal",
    "Lou",
    "Mared",
    "Noor",
    "Ola",
    "Piotr",
    "Rosa",
    "Sion",
    "Tess",
    "Ulla",
    "Viv",
    "Wyn",
    "Yuki",
    "Zara",
    "Anouk",
    "Björn",
]
LAST = [
    "Abbott",
    "Begum",
    "Collins",
    "Doyle",
    "Evans",
    "Fraser",
    "Gill",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Murphy",
    "Nowak",
    "O'Neill",
    "Patel",
    "Quayle",
    "Rahman",
    "Singh",
    "Thomas",
    "Ueda",
    "Vance",
    "Walsh",
    "Xu",
    "Young",
    "Zielinski",
    "Ahmed",
    "Brown",
    "Carter",
    "Davies",
    "Edwards",
    "Flynn",
    "García",
    "Hall",
    "Ibrahim",
    "Jenkins",
    "Kowalski",
    "Lloyd-Williams",
    "McDonald",
    "Nguyen",
    "Okafor",
    "Price",
    "Reid",
    "Schmidt",
    "Turner",
    "Usman",
    "Vaughan",
    "White",
    "Yilmaz",
    "Zhang",
]
REGIONS = [
    "North",
    "North East",
    "Yorkshire",
    "East Midlands",
    "West Midlands",
    "East",
    "London",
    "South East",
    "South West",
    "Wales",
    "Scotland",
]
SLATES = [
    Slate("Grassroots Left", "GL", "#C8102E"),
    Slate("Labour Together", "LT", "#1F5FAD"),
    Slate("Open Labour", "OL", "#E8A317"),
]


def person_names(count: int) -> list[str]:
    """`count` distinct "First Last" names (up to 5,000), with accents, apostrophes and hyphens mixed in."""
    names = [f"{first} {last}" for last in LAST for first in FIRST]
    if count > len(names):
        raise ValueError(f"at most {len(names)} names")
    random.Random(5000).shuffle(names)
    return names[:count]


def body_names(count: int) -> list[str]:
    """`count` constituency names."""
    return [f"Constituency {i:03d} CLP" for i in range(count)]


@dataclass(frozen=True)
class BigElection:
    """What `seed_big_election` wrote."""

    slug: str
    candidates: list[str]
    bodies: list[str]
    nominations: int


async def seed_big_election(
    db: Database,
    guild_id: int,
    *,
    candidates: int = 500,
    bodies: int = 700,
    slug: str = "big",
    published: bool = True,
    clock: Clock | None = None,
) -> BigElection:
    """An election the size of a national ballot: slates, regions, ~4 nominations per body, a result.

    Written straight through the store (packs cap some sizes) with one data-version bump, stamped by
    `clock` (the benchmarks' `NOW` unless a test passes its own). Benchmarks and tests share it.
    """
    rng = random.Random(2018)
    names = person_names(candidates)
    cands = [
        Candidate(n, slate=SLATES[i % 4].name if i % 4 < 3 else None, bio="Long statement. " * 80)
        for i, n in enumerate(names)
    ]
    body_list = [
        Body(name, kind="CLP", region=REGIONS[i % len(REGIONS)], members=300 + i)
        for i, name in enumerate(body_names(bodies))
    ]
    nominations: list[tuple[str, str, date]] = []
    for i, body in enumerate(body_list):
        picks = {names[0], names[1]} if i % 3 else {names[0]}  # two runaway favourites
        picks |= set(rng.sample(names, min(3, len(names))))
        nominations += [(body.name, n, date(2026, 11, 1) + timedelta(days=i % 20)) for n in sorted(picks)]
    step = max(1, 90_000 // len(names))
    votes = {n: 100_000 - i * step for i, n in enumerate(names)}
    election = Election(
        guild_id=guild_id,
        slug=slug,
        name="Very big national ballot",
        committee="National Committee",
        seats=10,
        voting_system=VotingSystem.BLOC,
        threshold=Threshold(5, percent=True),
        electorate=600_000,
        timeline=Timeline(
            datetime(2026, 9, 1, tzinfo=UTC),
            datetime(2026, 10, 1, tzinfo=UTC),
            datetime(2026, 10, 10, tzinfo=UTC),
            datetime(2026, 11, 10, tzinfo=UTC),
            datetime(2026, 11, 12, tzinfo=UTC),
        ),
    )
    await seed_election(
        db,
        guild_id,
        clock or ManualClock(NOW),
        election,
        slates=list(SLATES),
        candidates=cands,
        bodies=body_list,
        nominations=nominations,
        rounds=[ResultRound(votes, elected=names[:10])],
        published=published,
        valid=200_000,
        invalid=1_500,
        reason="bench seed",
    )
    return BigElection(slug, names, [b.name for b in body_list], len(nominations))


# --------------------------------------------------------------------------------------- sync data


@dataclass(frozen=True)
class SyncData:
    """A pack that sets up an election and its bodies, and a nominations sheet to sync into it."""

    slug: str
    pack: dict
    rows: list[tuple[str, str, str]]  # (body, candidate, date)

    def csv(self, rows: list[tuple[str, str, str]] | None = None) -> bytes:
        """The nominations sheet as a source publishes it (no election column: the source implies it)."""
        lines = ["Body,Candidate,Date"]
        lines += [f"{b},{c},{d}" for b, c, d in (self.rows if rows is None else rows)]
        return ("\n".join(lines) + "\n").encode()

    def changed(self, share: float = 0.01, seed: int = 7) -> list[tuple[str, str, str]]:
        """The sheet with `share` of its rows changed: half re-dated, a quarter removed, a quarter added."""
        rng = random.Random(seed)
        rows = list(self.rows)
        n = max(4, int(len(rows) * share))
        picked = rng.sample(range(len(rows)), n)
        redate, drop = picked[: n // 2], set(picked[n // 2 : n // 2 + n // 4])
        for i in redate:
            b, c, _ = rows[i]
            rows[i] = (b, c, "2026-11-30")
        taken = {(b, c) for b, c, _ in rows}
        per_body: dict[str, int] = {}
        for b, _, _ in rows:
            per_body[b] = per_body.get(b, 0) + 1
        for i in drop:
            per_body[rows[i][0]] -= 1
        rows = [r for i, r in enumerate(rows) if i not in drop]
        seats = self.pack["elections"][0]["seats"]
        candidates = [c["name"] for c in self.pack["elections"][0]["candidates"]]
        added = 0
        while added < n - n // 2 - n // 4:
            b = self.pack["bodies"][rng.randrange(len(self.pack["bodies"]))]["name"]
            c = rng.choice(candidates)
            if (b, c) not in taken and per_body.get(b, 0) < seats:
                rows.append((b, c, "2026-11-29"))
                taken.add((b, c))
                per_body[b] = per_body.get(b, 0) + 1
                added += 1
        return rows


def sync_data(bodies: int = 700, nominations: int = 10_000, slug: str = "exec-2026") -> SyncData:
    """An election with `bodies` bodies and a sheet of `nominations` (body, candidate) pairs."""
    per_body = -(-nominations // bodies)  # ceiling
    seats = max(3, per_body + 2)
    candidate_count = max(seats * 3, per_body * 3)
    candidates = person_names(candidate_count)
    body_list = body_names(bodies)
    rows: list[tuple[str, str, str]] = []
    for i, body in enumerate(body_list):
        for k in range(per_body):
            if len(rows) >= nominations:
                break
            rows.append((body, candidates[(i + k * 7) % candidate_count], f"2026-11-{1 + (i + k) % 28:02d}"))
    pack = {
        "version": 1,
        "bodies": [
            {"name": b, "kind": "CLP", "region": REGIONS[i % len(REGIONS)], "members": 100 + i}
            for i, b in enumerate(body_list)
        ],
        "elections": [
            {
                "slug": slug,
                "name": "National Executive 2026",
                "seats": seats,
                "voting_system": "bloc",
                "nomination_threshold": "5%",
                "timeline": {
                    "nominations_open": "2026-11-01T09:00:00+00:00",
                    "nominations_close": "2026-12-20T17:00:00+00:00",
                },
                "candidates": [{"name": c} for c in candidates],
            }
        ],
    }
    return SyncData(slug, pack, rows)
