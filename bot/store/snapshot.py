"""A guild's whole election data in one go (one SELECT per table), and bulk writes of a planned diff.

Imports need the full picture keyed by natural names, and must stay fast at 10,000 nominations:
so no per-row queries here, only set-based reads and `executemany` writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.packs.checks import instant_text, threshold_text
from bot.packs.plan import Change, KindDiff
from bot.packs.state import Record, State
from bot.store import bodies as bodies_repo
from bot.store import elections as elections_repo
from bot.store import meta
from bot.store import nominations as nominations_repo
from bot.store.codec import dt_from_db, from_json, to_json
from bot.store.engine import Connection

_READ_ATTEMPTS = 5


class KeptChanging(RuntimeError):
    """Writes kept landing between the reads of `load_state` (read it inside a transaction instead)."""


def _instant(value: str | None) -> str | None:
    # Normalise whatever text a writer stored to the canonical form packs compare against.
    parsed = dt_from_db(value)
    return instant_text(parsed) if parsed else None


def _votes(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


async def load_state(conn: Connection, guild_id: int) -> State:
    """Everything the guild holds, keyed by natural names, with its data version.

    The reads are not one transaction (the shared reader connection can't hold one open safely),
    so the data version is read before and after; if a write landed in between, read again.
    """
    for _ in range(_READ_ATTEMPTS):
        version = (await meta.get_version(conn, guild_id)).version
        state = await _read(conn, guild_id)
        if (await meta.get_version(conn, guild_id)).version == version:
            state.version = version
            return state
    raise KeptChanging(f"guild {guild_id}'s data kept changing while it was being read")


async def _all(conn: Connection, sql: str, params: tuple[object, ...]) -> list[Any]:
    async with conn.execute(sql, params) as cur:
        return await cur.fetchall_plain()


async def _read(conn: Connection, guild_id: int) -> State:
    state = State()
    g = (guild_id,)
    for name, kind, region, members, meeting in await _all(
        conn, "SELECT name, kind, region, members, meeting FROM bodies WHERE guild_id = ? ORDER BY name", g
    ):
        state.bodies[name] = {"kind": kind, "region": region, "members": members, "meeting": _instant(meeting)}

    result_meta: dict[str, Record] = {}
    listed: dict[int, list[str]] = {}
    for election_id, body in await _all(conn, elections_repo.LISTED_SQL, g):
        listed.setdefault(election_id, []).append(body)
    for r in await _all(
        conn,
        "SELECT slug, name, committee, seats, voting_system, threshold, electorate, nominations_open,"
        " nominations_close, ballot_open, ballot_close, results_due, results_published, valid_ballots,"
        " invalid_ballots, eligible_rule, id FROM elections WHERE guild_id = ? ORDER BY id",
        g,
    ):
        slug = r[0]
        state.elections[slug] = {
            "name": r[1],
            "committee": r[2],
            "seats": r[3],
            "voting_system": r[4],
            "threshold": threshold_text(r[5]) if r[5] else None,
            "electorate": r[6],
            "nominations_open": _instant(r[7]),
            "nominations_close": _instant(r[8]),
            "ballot_open": _instant(r[9]),
            "ballot_close": _instant(r[10]),
            "results": _instant(r[11]),
            "eligible": _eligible_record(r[15], listed.get(r[16], [])),
        }
        result_meta[slug] = {"published": bool(r[12]), "valid_ballots": r[13], "invalid_ballots": r[14], "rounds": []}
        state.slates[slug] = {}
        state.candidates[slug] = {}
        state.nominations[slug] = {}

    for slug, name, short, colour, backers, description, url in await _all(
        conn,
        "SELECT e.slug, s.name, s.short, s.colour, s.backers, s.description, s.url FROM slates s"
        " JOIN elections e ON e.id = s.election_id WHERE e.guild_id = ? ORDER BY s.name",
        g,
    ):
        state.slates[slug][name] = {
            "short": short,
            "colour": colour,
            "backers": from_json(backers, []),
            "description": description,
            "url": url,
        }

    for slug, name, slate, bio, photo_url, links, status in await _all(
        conn,
        "SELECT e.slug, c.name, s.name, c.bio, c.photo_url, c.links, c.status FROM candidates c"
        " JOIN elections e ON e.id = c.election_id LEFT JOIN slates s ON s.id = c.slate_id"
        " WHERE e.guild_id = ? ORDER BY c.name",
        g,
    ):
        state.candidates[slug][name] = {
            "slate": slate,
            "bio": bio,
            "photo_url": photo_url,
            "links": from_json(links, {}),
            "status": status,
        }

    noms = state.nominations
    for slug, body, cand, on in await _all(
        conn,
        "SELECT e.slug, b.name, c.name, n.nominated_on FROM nominations n"
        " JOIN elections e ON e.id = n.election_id JOIN bodies b ON b.id = n.body_id"
        " JOIN candidates c ON c.id = n.candidate_id WHERE e.guild_id = ?",
        g,
    ):
        noms[slug][(body, cand)] = {"date": on}

    rounds: dict[str, dict[int, Record]] = {}
    for slug, number, cand, votes, elected, excluded in await _all(
        conn,
        "SELECT e.slug, r.round, c.name, r.votes, r.elected, r.excluded FROM result_votes r"
        " JOIN elections e ON e.id = r.election_id JOIN candidates c ON c.id = r.candidate_id"
        " WHERE e.guild_id = ? ORDER BY r.round, c.name",
        g,
    ):
        rnd = rounds.setdefault(slug, {}).setdefault(number, {"votes": {}, "elected": [], "excluded": []})
        rnd["votes"][cand] = _votes(votes)
        if elected:
            rnd["elected"].append(cand)
        if excluded:
            rnd["excluded"].append(cand)
    for slug, record in result_meta.items():
        if slug in rounds:
            record["rounds"] = [rounds[slug][n] for n in sorted(rounds[slug])]
        if (
            record["rounds"]
            or record["published"]
            or record["valid_ballots"] is not None
            or record["invalid_ballots"] is not None
        ):
            state.results[slug] = record
    return state


def _eligible_record(rule: str | None, listed: list[str]) -> Record | None:
    eligible = elections_repo.eligible_from_db(rule, listed)
    return eligible.to_record() if eligible is not None else None


async def _ids(conn: Connection, sql: str, guild_id: int) -> dict[Any, int]:
    """Row id by natural key: the second column, or a tuple of the columns after the id."""
    return {tuple(r[1:]) if len(r) > 2 else r[1]: r[0] for r in await _all(conn, sql, (guild_id,))}


async def apply_diff(conn: Connection, guild_id: int, diffs: Mapping[str, KindDiff]) -> None:
    """Write a planned diff inside the caller's write transaction: deletes first (children before
    parents), then upserts (parents before children), all as bulk statements.
    """
    elections = await _ids(conn, "SELECT id, slug FROM elections WHERE guild_id = ?", guild_id)

    def eid(change: Change) -> int:
        return elections[change.key[0]]

    # -- removals ------------------------------------------------------------------------------------
    await _clear_results(conn, [eid(c) for c in diffs["results"].removed])
    if diffs["nominations"].removed:
        bodies = await _ids(conn, "SELECT id, name FROM bodies WHERE guild_id = ?", guild_id)
        cands = await _candidate_ids(conn, guild_id)
        await conn.executemany(
            "DELETE FROM nominations WHERE election_id = ? AND body_id = ? AND candidate_id = ?",
            [
                (eid(c), bodies[c.key[1]], cands[(eid(c), c.key[2])])
                for c in diffs["nominations"].removed
                if c.key[1] in bodies and (eid(c), c.key[2]) in cands
            ],
        )
    await conn.executemany(
        "DELETE FROM candidates WHERE election_id = ? AND name = ?",
        [(eid(c), c.key[1]) for c in diffs["candidates"].removed],
    )
    await conn.executemany(
        "DELETE FROM slates WHERE election_id = ? AND name = ?", [(eid(c), c.key[1]) for c in diffs["slates"].removed]
    )
    await conn.executemany(
        "DELETE FROM elections WHERE guild_id = ? AND slug = ?",
        [(guild_id, c.key[0]) for c in diffs["elections"].removed],
    )
    await conn.executemany(
        "DELETE FROM bodies WHERE guild_id = ? AND name = ?", [(guild_id, c.key[0]) for c in diffs["bodies"].removed]
    )

    # -- additions and changes -----------------------------------------------------------------------
    await conn.executemany(
        bodies_repo.UPSERT_SQL,
        [
            (guild_id, c.key[0], r["kind"], r["region"], r["members"], r["meeting"])
            for c in _upserts(diffs["bodies"])
            if (r := c.after)
        ],
    )
    if _upserts(diffs["elections"]):
        await conn.executemany(
            elections_repo.UPSERT_SQL,
            [
                (
                    guild_id,
                    c.key[0],
                    r["name"],
                    r["committee"],
                    r["seats"],
                    r["voting_system"],
                    r["threshold"],
                    r["electorate"],
                    r["nominations_open"],
                    r["nominations_close"],
                    r["ballot_open"],
                    r["ballot_close"],
                    r["results"],
                    elections_repo.eligible_to_db(r["eligible"]),
                )
                for c in _upserts(diffs["elections"])
                if (r := c.after)
            ],
        )
        elections = await _ids(conn, "SELECT id, slug FROM elections WHERE guild_id = ?", guild_id)
        for c in _upserts(diffs["elections"]):  # explicit eligible lists, by body id (they follow renames)
            listed = (c.after or {}).get("eligible") or {}
            if ((c.before or {}).get("eligible") or {}).get("bodies") != listed.get("bodies"):
                await elections_repo.set_listed(conn, guild_id, eid(c), listed.get("bodies") or ())
    await conn.executemany(
        elections_repo.UPSERT_SLATE_SQL,
        [
            (eid(c), c.key[1], r["short"], r["colour"], to_json(r["backers"]), r["description"], r["url"])
            for c in _upserts(diffs["slates"])
            if (r := c.after)
        ],
    )
    await conn.executemany(
        "INSERT INTO candidates (election_id, name, slate_id, bio, photo_url, links, status)"
        " VALUES (?, ?, (SELECT id FROM slates WHERE election_id = ? AND name = ?), ?, ?, ?, ?)"
        " ON CONFLICT (election_id, name) DO UPDATE SET slate_id = excluded.slate_id, bio = excluded.bio,"
        " photo_url = excluded.photo_url, links = excluded.links, status = excluded.status",
        [
            (eid(c), c.key[1], eid(c), r["slate"], r["bio"], r["photo_url"], to_json(r["links"]), r["status"])
            for c in _upserts(diffs["candidates"])
            if (r := c.after)
        ],
    )
    nominations = _upserts(diffs["nominations"])
    results = _upserts(diffs["results"])
    if not nominations and not results:
        return
    cands = await _candidate_ids(conn, guild_id)
    if nominations:
        bodies = await _ids(conn, "SELECT id, name FROM bodies WHERE guild_id = ?", guild_id)
        await conn.executemany(
            nominations_repo.UPSERT_SQL,
            [(eid(c), bodies[c.key[1]], cands[(eid(c), c.key[2])], c.after["date"]) for c in nominations if c.after],
        )
    await _clear_results(conn, [eid(c) for c in results])
    await conn.executemany(
        "UPDATE elections SET results_published = ?, valid_ballots = ?, invalid_ballots = ? WHERE id = ?",
        [(int(r["published"]), r["valid_ballots"], r["invalid_ballots"], eid(c)) for c in results if (r := c.after)],
    )
    await conn.executemany(
        "INSERT INTO result_votes (election_id, round, candidate_id, votes, elected, excluded)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            (eid(c), number, cands[(eid(c), name)], votes, int(name in rnd["elected"]), int(name in rnd["excluded"]))
            for c in results
            if c.after
            for number, rnd in enumerate(c.after["rounds"], start=1)
            for name, votes in rnd["votes"].items()
        ],
    )


def _upserts(diff: KindDiff) -> list[Change]:
    return diff.added + diff.changed


async def _candidate_ids(conn: Connection, guild_id: int) -> dict[tuple[int, str], int]:
    return await _ids(
        conn,
        "SELECT c.id, c.election_id, c.name FROM candidates c JOIN elections e ON e.id = c.election_id"
        " WHERE e.guild_id = ?",
        guild_id,
    )


async def _clear_results(conn: Connection, election_ids: list[int]) -> None:
    if not election_ids:
        return
    await conn.executemany("DELETE FROM result_votes WHERE election_id = ?", [(i,) for i in election_ids])
    await conn.executemany(
        "UPDATE elections SET results_published = 0, valid_ballots = NULL, invalid_ballots = NULL WHERE id = ?",
        [(i,) for i in election_ids],
    )
