"""Elections and their slates: reads return domain objects."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.domain.eligibility import EligibleBodies
from bot.domain.models import Election, ElectionResult, Slate, Threshold, Timeline, VotingSystem
from bot.store.codec import dt_from_db, dt_to_db, from_json, to_json
from bot.store.engine import Connection, Row

_COLUMNS = (
    "id, guild_id, slug, name, committee, seats, voting_system, threshold, electorate, nominations_open,"
    " nominations_close, ballot_open, ballot_close, results_due, eligible_rule"
)


#: Insert or update an election by its natural key (guild, slug); shared with bulk imports.
UPSERT_SQL = (
    "INSERT INTO elections (guild_id, slug, name, committee, seats, voting_system, threshold, electorate,"
    " nominations_open, nominations_close, ballot_open, ballot_close, results_due, eligible_rule)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (guild_id, slug) DO UPDATE SET name = excluded.name, committee = excluded.committee,"
    " seats = excluded.seats, voting_system = excluded.voting_system, threshold = excluded.threshold,"
    " electorate = excluded.electorate, nominations_open = excluded.nominations_open,"
    " nominations_close = excluded.nominations_close, ballot_open = excluded.ballot_open,"
    " ballot_close = excluded.ballot_close, results_due = excluded.results_due,"
    " eligible_rule = excluded.eligible_rule"
)
#: Insert or update a slate by (election, name).
UPSERT_SLATE_SQL = (
    "INSERT INTO slates (election_id, name, short, colour, backers, description, url) VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (election_id, name) DO UPDATE SET short = excluded.short, colour = excluded.colour,"
    " backers = excluded.backers, description = excluded.description, url = excluded.url"
)


def eligible_to_db(rule: EligibleBodies | dict[str, Any] | None) -> str | None:
    """The kinds/regions part of an eligible-bodies rule (or its record) as stored JSON; NULL when it has
    none (an explicit list lives in `election_eligible_bodies`)."""
    if isinstance(rule, dict):
        rule = EligibleBodies.from_record(rule)
    if rule is None or not (rule.kinds or rule.regions):
        return None
    return to_json({"kinds": list(rule.kinds), "regions": list(rule.regions)})


def eligible_from_db(text: str | None, listed: Iterable[str]) -> EligibleBodies | None:
    """A stored rule: the kinds/regions JSON and the names of the listed bodies."""
    stored = from_json(text, None) or {}
    return EligibleBodies.from_record({**stored, "bodies": sorted(listed)})


#: The names of the bodies explicitly listed as eligible, per election of a guild.
LISTED_SQL = (
    "SELECT ee.election_id, b.name FROM election_eligible_bodies ee JOIN bodies b ON b.id = ee.body_id"
    " JOIN elections e ON e.id = ee.election_id WHERE e.guild_id = ? ORDER BY b.name"
)


async def _listed(conn: Connection, guild_id: int) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    async with conn.execute(LISTED_SQL, (guild_id,)) as c:
        for election_id, name in await c.fetchall():
            out.setdefault(election_id, []).append(name)
    return out


async def set_listed(conn: Connection, guild_id: int, election_id: int, names: Iterable[str]) -> None:
    """Make `names` (bodies of the guild) an election's explicit list of eligible bodies."""
    await conn.execute("DELETE FROM election_eligible_bodies WHERE election_id = ?", (election_id,))
    await conn.executemany(
        "INSERT INTO election_eligible_bodies (election_id, body_id)"
        " SELECT CAST(? AS BIGINT), id FROM bodies WHERE guild_id = ? AND name = ? ON CONFLICT DO NOTHING",
        [(election_id, guild_id, name) for name in names],
    )


def parse_threshold(text: str | None) -> Threshold | None:
    """Stored threshold text ("5%" or "35") to a Threshold."""
    if not text:
        return None
    text = text.strip()
    if text.endswith("%"):
        return Threshold(float(text[:-1]), percent=True)
    return Threshold(float(text))


def _election(row: Row, listed: Iterable[str] = ()) -> Election:
    return Election(
        id=row["id"],
        guild_id=row["guild_id"],
        slug=row["slug"],
        name=row["name"],
        committee=row["committee"],
        seats=row["seats"],
        voting_system=VotingSystem(row["voting_system"]),
        threshold=parse_threshold(row["threshold"]),
        electorate=row["electorate"],
        timeline=Timeline(
            nominations_open=dt_from_db(row["nominations_open"]),
            nominations_close=dt_from_db(row["nominations_close"]),
            ballot_open=dt_from_db(row["ballot_open"]),
            ballot_close=dt_from_db(row["ballot_close"]),
            results=dt_from_db(row["results_due"]),
        ),
        eligible=eligible_from_db(row["eligible_rule"], listed),
    )


async def list_for_guild(conn: Connection, guild_id: int) -> list[Election]:
    """All of a guild's elections, oldest first."""
    async with conn.execute(f"SELECT {_COLUMNS} FROM elections WHERE guild_id = ? ORDER BY id", (guild_id,)) as c:
        rows = await c.fetchall()
    listed = await _listed(conn, guild_id) if rows else {}
    return [_election(r, listed.get(r["id"], ())) for r in rows]


async def get_by_slug(conn: Connection, guild_id: int, slug: str) -> Election | None:
    """One election by its slug, scoped to the guild."""
    async with conn.execute(f"SELECT {_COLUMNS} FROM elections WHERE guild_id = ? AND slug = ?", (guild_id, slug)) as c:
        row = await c.fetchone()
    if row is None:
        return None
    return _election(row, (await _listed(conn, guild_id)).get(row["id"], ()))


async def upsert(conn: Connection, election: Election) -> int:
    """Insert or update an election by (guild, slug); returns its id."""
    t = election.timeline
    params = (
        election.guild_id,
        election.slug,
        election.name,
        election.committee,
        election.seats,
        election.voting_system.value,
        str(election.threshold) if election.threshold else None,
        election.electorate,
        dt_to_db(t.nominations_open),
        dt_to_db(t.nominations_close),
        dt_to_db(t.ballot_open),
        dt_to_db(t.ballot_close),
        dt_to_db(t.results),
        eligible_to_db(election.eligible),
    )
    async with conn.execute(UPSERT_SQL + " RETURNING id", params) as c:
        row = await c.fetchone()
    assert row is not None
    election_id = int(row[0])
    await set_listed(conn, election.guild_id, election_id, election.eligible.bodies if election.eligible else ())
    return election_id


async def delete(conn: Connection, election_id: int) -> None:
    """Delete an election with its slates, candidates, nominations and results."""
    await conn.execute("DELETE FROM elections WHERE id = ?", (election_id,))


def _slate(row: Row) -> Slate:
    return Slate(
        id=row["id"],
        election_id=row["election_id"],
        name=row["name"],
        short=row["short"],
        colour=row["colour"],
        backers=from_json(row["backers"], []),
        description=row["description"],
        url=row["url"],
    )


async def list_slates(conn: Connection, election_id: int) -> list[Slate]:
    """An election's slates in name order."""
    async with conn.execute(
        "SELECT * FROM slates WHERE election_id = ? ORDER BY lower(name), name", (election_id,)
    ) as c:
        return [_slate(r) for r in await c.fetchall()]


async def upsert_slate(conn: Connection, election_id: int, slate: Slate) -> int:
    """Insert or update a slate by (election, name); returns its id."""
    async with conn.execute(
        UPSERT_SLATE_SQL + " RETURNING id",
        (election_id, slate.name, slate.short, slate.colour, to_json(slate.backers), slate.description, slate.url),
    ) as c:
        row = await c.fetchone()
    assert row is not None
    return int(row[0])


async def delete_slate(conn: Connection, slate_id: int) -> None:
    """Delete a slate; its candidates become independents."""
    await conn.execute("DELETE FROM slates WHERE id = ?", (slate_id,))


async def get_result_meta(conn: Connection, election_id: int) -> ElectionResult:
    """The result's published flag and ballot counts, without rounds."""
    async with conn.execute(
        "SELECT results_published, valid_ballots, invalid_ballots FROM elections WHERE id = ?", (election_id,)
    ) as c:
        row = await c.fetchone()
    if row is None:
        return ElectionResult()
    return ElectionResult(published=bool(row[0]), valid_ballots=row[1], invalid_ballots=row[2])


async def set_result_meta(
    conn: Connection, election_id: int, *, published: bool, valid: int | None, invalid: int | None
) -> None:
    """Set the published flag and ballot counts."""
    await conn.execute(
        "UPDATE elections SET results_published = ?, valid_ballots = ?, invalid_ballots = ? WHERE id = ?",
        (int(published), valid, invalid, election_id),
    )


async def rename_slate(conn: Connection, slate_id: int, new_name: str) -> None:
    """Change a slate's name (its candidates follow by id)."""
    await conn.execute("UPDATE slates SET name = ? WHERE id = ?", (new_name, slate_id))
