"""Overlaying a pack on a guild's current data: the wanted state, with every bad reference reported.

Scope rules (see docs/election-pack.md and `bot.domain.import_rules`):
- a kind is touched only if the file carries it (and the caller's `kinds` allows it);
- by default a file adds and updates; only in replace mode (`prune`) are rows it does not list
  removed, and only within the elections it names;
- bodies are guild-wide: in replace mode an unlisted body goes only when no remaining election
  refers to it (nominates from it or counts it as eligible);
- fields a row leaves out keep their stored value;
- removals cascade as the database would: a removed body or candidate takes its nominations (and
  votes) with it, a removed slate leaves its candidates independent.
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from typing import Any

from bot.domain.eligibility import EligibleBodies, eligible_names, referenced_bodies
from bot.domain.import_rules import removable_bodies
from bot.packs.checks import fold, suggest
from bot.packs.issues import PackIssue
from bot.packs.model import DEFAULTS, KINDS, TIMELINE_FIELDS, ElectionEntry, Pack, Row
from bot.packs.names import same_name_issues
from bot.packs.results_rule import settle_result
from bot.packs.state import Record, State, is_empty_result


class _Names:
    """Resolves a written name to a stored one: exact first, then ignoring case and extra spaces."""

    def __init__(self, names: Any) -> None:
        self._names = names
        self._folded: dict[str, str] | None = None

    def resolve(self, written: str) -> str | None:
        if written in self._names:
            return written
        if self._folded is None:
            self._folded = {}
            for name in self._names:
                self._folded.setdefault(fold(name), name)
        return self._folded.get(fold(written))

    def hint(self, written: str) -> str:
        return suggest(written, self._names)


def check_pack(pack: Pack) -> list[PackIssue]:
    """Cross-reference checks a pack can answer on its own (used at parse time).

    Body names are only checked when the pack lists its bodies; otherwise they are the server's. Likewise
    slate and candidate names in an election entry without `slates` / `candidates` wait for the server's.
    """
    _, issues = merge(State(), pack, prune=True, defer_bodies=pack.bodies is None, defer_server=True)
    return issues


def merge(
    current: State,
    pack: Pack,
    *,
    kinds: frozenset[str] | set[str] | None = None,
    prune: bool = True,
    defer_bodies: bool = False,
    defer_server: bool = False,
) -> tuple[State, list[PackIssue]]:
    """The state the guild should have after importing `pack`, and the problems that prevent it."""
    scope = set(pack.kinds if kinds is None else pack.kinds & set(kinds))
    issues: list[PackIssue] = []
    want = current.copy()

    unlisted: set[str] = set()
    if "bodies" in scope and pack.bodies is not None:
        bodies: dict[str, Record] = dict(current.bodies)
        for row in pack.bodies:
            bodies[row.key] = _overlay(current.bodies.get(row.key), "bodies", row)
        want.bodies = bodies
        if prune:
            unlisted = set(current.bodies) - {row.key for row in pack.bodies}
    body_names = _Names(want.bodies)

    # Entries with nothing in scope (e.g. kinds={"bodies"}) are skipped like elections not in the file.
    entries = {e.slug: e for e in pack.elections if e.kinds() & scope}
    for slug in [*current.elections, *(s for s in entries if s not in current.elections)]:
        entry = entries.get(slug)
        if entry is not None:
            _merge_election(current, want, entry, scope, prune, body_names, defer_bodies, issues, defer_server)
    if unlisted:
        gone = removable_bodies(unlisted, _referenced(want, set(entries)))
        want.bodies = {name: rec for name, rec in want.bodies.items() if name not in gone}
    issues.extend(same_name_issues(current, want, pack, scope))
    issues.sort(key=_position)
    return want, issues


def _referenced(want: State, named: set[str]) -> set[str]:
    """Bodies some election of the wanted state refers to. The elections the file names are judged by
    what the file gives them (their nominations and explicit list); the others also keep every body
    they count as eligible, so their figures don't change under them.
    """
    kinds_of = {name: (rec["kind"], rec["region"]) for name, rec in want.bodies.items()}
    nominating = {slug: {body for body, _ in noms} for slug, noms in want.nominations.items()}
    used = {slug: {kinds_of[b][0] for b in names if b in kinds_of} for slug, names in nominating.items()}
    out: set[str] = set()
    for slug, record in want.elections.items():
        names = nominating.get(slug, set())
        rule = EligibleBodies.from_record(record.get("eligible"))
        if slug in named:
            out |= referenced_bodies(names, rule.bodies if rule is not None else ())
            continue
        elsewhere = set().union(*(k for s, k in used.items() if s != slug))
        out |= referenced_bodies(names, eligible_names(kinds_of, rule, names, elsewhere))
    return out


def _position(issue: PackIssue) -> tuple[str, int]:
    # Checks run election by election; CSV readers want their problems in row order.
    if issue.where.startswith("row "):
        return issue.file, int(issue.where[4:])
    return issue.file, 0


def _overlay(before: Record | None, kind: str, given: Row[Any] | Record) -> Record:
    """The stored record with the given fields laid over it (defaults for a new row)."""
    data = given.data if isinstance(given, Row) else given
    if before is not None:
        for key, value in data.items():
            if before.get(key) != value:
                return {**before, **data}
        return before  # unchanged: keep the very object, so the diff can skip it by identity
    return {**DEFAULTS[kind], **data}


def _merge_election(
    current: State,
    want: State,
    entry: ElectionEntry,
    scope: set[str],
    prune: bool,
    body_names: _Names,
    defer_bodies: bool,
    issues: list[PackIssue],
    defer_server: bool = False,
) -> None:
    slug = entry.slug
    # Checking a pack on its own: names of slates/candidates the entry doesn't carry are the server's.
    defer_slates = defer_server and entry.slates is None
    defer_cands = defer_server and entry.candidates is None
    if "elections" in scope and entry.election is not None:
        record = _overlay(current.elections.get(slug), "elections", entry.election)
        _check_timeline(record, entry, issues)
        if "eligible" in entry.election.data and (record.get("eligible") or {}).get("bodies"):
            record = _resolve_eligible(record, entry, body_names, defer_bodies, issues)
        want.elections[slug] = record
    elif slug not in current.elections:
        issues.append(
            entry.loc.issue(
                entry.slug_field, f'no election "{slug}" on this server; import a JSON pack that defines it first'
            )
        )
        return
    if "elections" in scope and entry.eligible is not None:
        want.elections[slug] = _eligible_list(want.elections[slug], entry, prune, body_names, issues)

    # Slates
    if "slates" in scope and entry.slates is not None:
        stored = current.slates.get(slug, {})
        slates = {} if prune else dict(stored)
        for row in entry.slates:
            slates[row.key] = _overlay(stored.get(row.key), "slates", row)
        want.slates[slug] = slates
    slates_now = want.slates.get(slug, {})
    slate_names = _Names(slates_now)
    shorts = {fold(r["short"]): n for n, r in slates_now.items() if r["short"]}

    # Candidates
    stored_cands = current.candidates.get(slug, {})
    if "candidates" in scope and entry.candidates is not None:
        cands: dict[str, Record] = {} if prune else dict(stored_cands)
        for row in entry.candidates:
            data = row.data
            written = data.get("slate")
            if written is not None:
                name = slate_names.resolve(written) or shorts.get(fold(written))
                if name is None and not defer_slates:
                    issues.append(
                        row.issue(
                            "slate", "slate", f'no slate "{written}" in election {slug}{slate_names.hint(written)}'
                        )
                    )
                # Kept even when unknown: dropping the candidate would turn each of their nominations
                # into a second, misleading "no candidate" error.
                data = {**data, "slate": name}
            record = _overlay(stored_cands.get(row.key), "candidates", data)
            if record["slate"] is not None and record["slate"] not in slates_now:
                record = {**record, "slate": None}  # its stored slate is being removed: now independent
            cands[row.key] = record
        want.candidates[slug] = cands
    elif slug in want.candidates and any(
        r["slate"] is not None and r["slate"] not in slates_now for r in stored_cands.values()
    ):
        want.candidates[slug] = {
            n: (r if r["slate"] is None or r["slate"] in slates_now else {**r, "slate": None})
            for n, r in stored_cands.items()
        }
    cands_now = want.candidates.get(slug, {})
    cand_names = _Names(cands_now)

    # Nominations
    if "nominations" in scope and entry.nominations is not None:
        stored_noms = current.nominations.get(slug, {})
        noms = {} if prune else _live_nominations(stored_noms, want.bodies, cands_now)
        last_row: dict[str, Row[tuple[str, str]]] = {}
        for nom in entry.nominations:
            body_written, cand_written = nom.key
            # Exact names first, inline: this loop runs 10,000 times in a large import.
            body = body_written if body_written in want.bodies else body_names.resolve(body_written)
            if body is None:
                if defer_bodies:
                    body = body_written
                else:
                    issues.append(
                        nom.issue(
                            "body",
                            "body",
                            f'no body "{body_written}" in the pack or on this server{body_names.hint(body_written)}',
                        )
                    )
            cand = cand_written if cand_written in cands_now else cand_names.resolve(cand_written)
            if cand is None and defer_cands:
                cand = cand_written
            elif cand is None:
                issues.append(
                    nom.issue(
                        "candidate",
                        "candidate",
                        f'no candidate "{cand_written}" in election {slug}{cand_names.hint(cand_written)}',
                    )
                )
            if body is None or cand is None:
                continue
            key = (body, cand)
            noms[key] = _overlay(stored_noms.get(key), "nominations", nom)
            last_row[body] = nom
        seats_known = slug in current.elections or (entry.election is not None and "seats" in entry.election.data)
        if seats_known:  # an invalid "seats" was reported already; don't judge nominations by a default
            _check_seats(noms, last_row, want.elections[slug]["seats"], slug, issues)
        want.nominations[slug] = noms
    else:
        _cascade_nominations(want, slug)

    # Results
    stored_result = current.results.get(slug)
    if "results" in scope and entry.result_given:
        result: Record | None = None
        if entry.result is not None:
            row = entry.result
            result = {**(stored_result or DEFAULTS["results"]), **row.data}
            if "rounds" in row.data:
                result["rounds"] = _resolve_rounds(row, cand_names, slug, [] if defer_cands else issues)
            else:
                result["rounds"] = _live_rounds(result["rounds"], cands_now)
            result = settle_result(result, row, want.elections.get(slug), issues)
        _set_result(want, slug, result)
    elif stored_result is not None:
        rounds = _live_rounds(stored_result["rounds"], cands_now)
        if rounds != stored_result["rounds"]:
            _set_result(want, slug, {**stored_result, "rounds": rounds})


def _eligible_list(
    record: Record, entry: ElectionEntry, prune: bool, body_names: _Names, issues: list[PackIssue]
) -> Record:
    """An eligible-bodies CSV: its bodies join the election's explicit list (in replace mode they are the
    list). A list replaces a kinds/regions rule, since the two can't be combined."""
    stored = EligibleBodies.from_record(record.get("eligible"))
    names: list[str] = [] if prune or stored is None else list(stored.bodies)
    for row in entry.eligible or []:
        name = body_names.resolve(row.key)
        if name is None:
            issues.append(row.issue("body", "body", f'no body "{row.key}" on this server{body_names.hint(row.key)}'))
        elif name not in names:
            names.append(name)
    rule = EligibleBodies(bodies=tuple(names)).to_record()
    if rule == record.get("eligible"):
        return record
    return {**record, "eligible": rule}


def _resolve_eligible(
    record: Record, entry: ElectionEntry, body_names: _Names, defer_bodies: bool, issues: list[PackIssue]
) -> Record:
    """An explicit eligible list names bodies as written: store their exact names, report unknown ones."""
    rule = record["eligible"]
    names = []
    for i, written in enumerate(rule["bodies"]):
        name = body_names.resolve(written)
        if name is None and not defer_bodies:
            issues.append(
                entry.loc.child(".eligible_bodies").issue(
                    f"bodies[{i}]", f'no body "{written}" in the pack or on this server{body_names.hint(written)}'
                )
            )
        names.append(name or written)
    names = sorted(set(names))  # stored as a set of bodies, in name order
    if names == rule["bodies"]:
        return record
    return {**record, "eligible": {**rule, "bodies": names}}


def _set_result(want: State, slug: str, record: Record | None) -> None:
    if record is None or is_empty_result(record):
        want.results.pop(slug, None)
    else:
        want.results[slug] = record


def _check_timeline(record: Record, entry: ElectionEntry, issues: list[PackIssue]) -> None:
    # Stored instants are canonical UTC ISO text, so text order is time order.
    known = [(f, record[f]) for f in TIMELINE_FIELDS if record.get(f)]
    for (f1, t1), (f2, t2) in pairwise(known):
        if t2 < t1:
            issues.append(entry.loc.child(".timeline").issue(f2, f"({t2}) is before {f1} ({t1})"))


def _check_seats(
    noms: dict[tuple[str, str], Record],
    last_row: dict[str, Row[tuple[str, str]]],
    seats: int,
    slug: str,
    issues: list[PackIssue],
) -> None:
    per_body = Counter(body for body, _ in noms)
    for body, row in last_row.items():
        if per_body[body] > seats:
            issues.append(
                row.issue(
                    "body",
                    "body",
                    f'"{body}" nominates {per_body[body]} candidates in {slug}, '
                    f"more than its {seats} seat{'s' if seats != 1 else ''}",
                )
            )


def _live_nominations(
    noms: dict[tuple[str, str], Record], bodies: dict[str, Record], cands: dict[str, Record]
) -> dict[tuple[str, str], Record]:
    return {k: v for k, v in noms.items() if k[0] in bodies and k[1] in cands}


def _cascade_nominations(want: State, slug: str) -> None:
    stored = want.nominations.get(slug)
    if not stored:
        return
    live = _live_nominations(stored, want.bodies, want.candidates.get(slug, {}))
    if len(live) != len(stored):
        want.nominations[slug] = live


def _live_rounds(rounds: list[dict[str, Any]], cands: dict[str, Record]) -> list[dict[str, Any]]:
    out = []
    for rnd in rounds:
        votes = {n: v for n, v in rnd["votes"].items() if n in cands}
        if len(votes) == len(rnd["votes"]):
            out.append(rnd)
        elif votes:
            out.append(
                {
                    "votes": votes,
                    "elected": [n for n in rnd["elected"] if n in cands],
                    "excluded": [n for n in rnd["excluded"] if n in cands],
                }
            )
    return out


def _resolve_rounds(row: Row[str], names: _Names, slug: str, issues: list[PackIssue]) -> list[dict[str, Any]]:
    rounds = []
    for index, rnd in enumerate(row.data["rounds"]):
        resolved: dict[str, str] = {}
        for written in rnd["votes"]:
            name = names.resolve(written)
            if name is None:
                issues.append(
                    row.issue(
                        (index, written), "rounds", f'no candidate "{written}" in election {slug}{names.hint(written)}'
                    )
                )
            else:
                resolved[written] = name
        rounds.append(
            {
                "votes": {resolved[w]: v for w, v in rnd["votes"].items() if w in resolved},
                "elected": sorted(resolved[w] for w in rnd["elected"] if w in resolved),
                "excluded": sorted(resolved[w] for w in rnd["excluded"] if w in resolved),
            }
        )
    return rounds


__all__ = ["KINDS", "check_pack", "merge"]
