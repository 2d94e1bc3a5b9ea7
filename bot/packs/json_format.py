"""Reading the JSON election pack into a `Pack`, collecting every problem with its JSON path."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.validation import MAX_NAME
from bot.packs import checks
from bot.packs.checks import Fields, fold
from bot.packs.issues import Loc, PackError, PackIssue
from bot.packs.model import TIMELINE_FIELDS, ElectionEntry, Pack, Row
from bot.packs.results_rule import WINNERS

FORMAT_VERSION = 1
_TOP = ("$schema", "version", "exported_at", "bodies", "elections")
_BODY = ("name", "kind", "region", "members", "meeting")
_ELECTION = (
    "slug",
    "name",
    "committee",
    "seats",
    "voting_system",
    "nomination_threshold",
    "electorate",
    "eligible_bodies",
    "timeline",
    "slates",
    "candidates",
    "nominations",
    "results",
)
_SLATE = ("name", "short", "colour", "backers", "description", "url")
_CANDIDATE = ("name", "slate", "bio", "photo_url", "links", "status")
_NOMINATION = ("body", "candidates", "date")
_RESULTS = ("published", "valid_ballots", "invalid_ballots", "winners", "rounds")
_ROUND = ("votes", "elected", "excluded")
_ELIGIBLE = ("kinds", "regions", "bodies")


class _Obj(dict[str, Any]):
    """A JSON object that remembers keys given twice (plain json.loads keeps the last silently)."""

    duplicates: tuple[str, ...] = ()


def _pairs(pairs: list[tuple[str, Any]]) -> _Obj:
    obj = _Obj(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        repeated: list[str] = []
        for k, _ in pairs:
            if k in seen:
                repeated.append(k)
            seen.add(k)
        obj.duplicates = tuple(repeated)
    return obj


#: Digits a whole number in a pack may have: far above any count, far below Python's 4,300-digit limit.
MAX_INT_DIGITS = 30


class _NumberTooLong(ValueError):
    def __init__(self, digits: str) -> None:
        super().__init__("number too long")
        self.digits = digits


def _bounded_int(digits: str) -> int:
    """`json.loads`' integer parser, refusing absurd lengths before `int()` fails (or takes seconds)."""
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise _NumberTooLong(digits)
    return int(digits)


def _position(text: str, digits: str) -> tuple[int, int]:
    """Line and column (1-based) of the first occurrence of `digits` in `text`."""
    at = max(text.find(digits), 0)
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


def parse_pack_json(data: bytes | str, filename: str = "pack.json", *, zone: ZoneInfo | str | None = None) -> Pack:
    """Parse and check a JSON election pack; raises `PackError` listing every problem found.

    `zone` is the server's time zone, in which date-times without a UTC offset are read (None: they
    are refused). References that need the server's data (bodies, when the pack has no `bodies` key)
    are checked later by `plan_import`.
    """
    if isinstance(data, bytes):
        if len(data) > checks.MAX_BYTES:
            raise PackError([PackIssue(filename, "", "", f"file is {len(data):,} bytes; at most {checks.MAX_BYTES:,}")])
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PackError([PackIssue(filename, "", "", f"not UTF-8 text (byte {exc.start})")]) from None
    data = data.removeprefix("\ufeff")
    if len(data) > checks.MAX_BYTES:
        raise PackError([PackIssue(filename, "", "", f"file is too large (at most {checks.MAX_BYTES:,} bytes)")])
    try:
        obj = json.loads(data, object_pairs_hook=_pairs, parse_int=_bounded_int)
    except _NumberTooLong as exc:
        line, column = _position(data, exc.digits)
        where = f"line {line}, column {column}"
        message = f"a number with more than {MAX_INT_DIGITS} digits; no count in a pack is that large"
        raise PackError([PackIssue(filename, where, "", message)]) from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise PackError([PackIssue(filename, where, "", f"invalid JSON: {exc.msg}")]) from None
    except RecursionError:
        raise PackError([PackIssue(filename, "", "", "invalid JSON: nested too deeply")]) from None
    return pack_from_dict(obj, filename, zone=zone)


def pack_from_dict(obj: Any, filename: str = "pack.json", *, zone: ZoneInfo | str | None = None) -> Pack:
    """Check an already-decoded pack (e.g. from `export_pack`) and turn it into a `Pack` (`zone`: as
    for `parse_pack_json`)."""
    issues: list[PackIssue] = []
    root = Loc(filename, "")
    if not isinstance(obj, dict):
        message = 'the pack must be a JSON object with "elections" and/or "bodies"'
        raise PackError([PackIssue(filename, "", "", message)])
    top = Fields(obj, root, issues, allowed=_TOP)
    if "version" in obj and obj["version"] != FORMAT_VERSION:
        top.bad("version", f"this Hustings reads pack format version {FORMAT_VERSION}, not {obj['version']!r}")
    if "bodies" not in obj and "elections" not in obj:
        issues.append(PackIssue(filename, "", "", 'the pack has neither "bodies" nor "elections"'))
    pack = Pack(source=filename)
    unchecked: set[str] = set()  # elections with a rejected list: cross-checks would only echo that error
    if "bodies" in obj:
        pack.bodies = _bodies(obj["bodies"], root, issues, zone)
    raw_elections = obj.get("elections")
    if raw_elections is not None:
        if not isinstance(raw_elections, list):
            top.bad("elections", "must be a list")
        elif len(raw_elections) > checks.MAX_ELECTIONS:
            top.bad("elections", f"has {len(raw_elections)} elections; at most {checks.MAX_ELECTIONS} per pack")
        else:
            seen: dict[str, int] = {}
            for i, raw in enumerate(raw_elections):
                entry, checkable = _election(raw, Loc(filename, f"elections[{i}]"), issues, zone)
                if entry is None:
                    continue
                if not checkable:
                    unchecked.add(entry.slug)
                if entry.slug in seen:
                    used = f"elections[{seen[entry.slug]}]"
                    issues.append(entry.loc.issue("slug", f'"{entry.slug}" is already used by {used}'))
                    continue
                seen[entry.slug] = i
                pack.elections.append(entry)
    # Cross-references inside the pack (slates, candidates, seats) are checked now, on the pack
    # alone; body names wait for the server's data when the pack brings no bodies of its own.
    from bot.packs.merge import check_pack  # late import: merge imports this package's model

    to_check = [e for e in pack.elections if e.slug not in unchecked]
    issues.extend(check_pack(Pack(pack.source, pack.bodies, to_check)))
    if issues:
        raise PackError(issues, Pack(pack.source, pack.bodies, to_check))
    return pack


def _list(fields: Fields, key: str, limit: int, what: str) -> list[Any] | None:
    value = fields.raw.get(key)
    if not isinstance(value, list):
        fields.bad(key, f"must be a list of {what}")
        return None
    if len(value) > limit:
        fields.bad(key, f"has {len(value):,} {what}; at most {limit:,} allowed")
        return None
    return value


def _object(value: Any, loc: Loc, issues: list[PackIssue], what: str) -> bool:
    if isinstance(value, dict):
        return True
    issues.append(PackIssue(loc.file, loc.where, "", f"each {what} must be a JSON object"))
    return False


def _bodies(value: Any, root: Loc, issues: list[PackIssue], zone: ZoneInfo | str | None) -> list[Row[str]] | None:
    holder = Fields({"bodies": value}, root, issues)
    items = _list(holder, "bodies", checks.MAX_BODIES, "bodies")
    if items is None:
        return None
    rows: list[Row[str]] = []
    seen = checks.FirstListings()
    for i, raw in enumerate(items):
        loc = Loc(root.file, f"bodies[{i}]")
        if not _object(raw, loc, issues, "body"):
            continue
        f = Fields(raw, loc, issues, allowed=_BODY, zone=zone)
        name = f.body()
        if name is None:
            continue
        if (twice := seen.repeat(fold(name), name, f"as bodies[{i}]")) is not None:
            f.bad("name", twice)
            continue
        rows.append(Row(name, f.data, loc))
    return rows


def _eligible(f: Fields, issues: list[PackIssue]) -> None:
    """`eligible_bodies`: {"kinds": [...], "regions": [...]} or {"bodies": [...]}; null or {} clears it."""
    if "eligible_bodies" not in f.raw:
        return
    value = f.raw["eligible_bodies"]
    if value is None:
        f.data["eligible"] = None
        return
    loc = f.loc.child(".eligible_bodies")
    if not _object(value, loc, issues, "eligible_bodies"):
        return
    g = Fields(value, loc, issues, allowed=_ELIGIBLE)
    lists = {key: g.string_list(key, max_items=checks.MAX_BODIES) for key in _ELIGIBLE}
    if lists["bodies"] and (lists["kinds"] or lists["regions"]):
        g.bad("bodies", "give either a list of bodies or kinds/regions, not both")
        return
    if any(v is None and key in value for key, v in lists.items()):
        return
    record = {key: v or [] for key, v in lists.items()}
    f.data["eligible"] = record if any(record.values()) else None


def _election(
    raw: Any, loc: Loc, issues: list[PackIssue], zone: ZoneInfo | str | None
) -> tuple[ElectionEntry | None, bool]:
    """The entry (None if unusable) and whether its lists were all readable."""
    if not _object(raw, loc, issues, "election"):
        return None, False
    f = Fields(raw, loc, issues, allowed=_ELECTION)
    slug = f.slug()
    f.name()
    f.text("committee", max_len=MAX_NAME)
    f.integer("seats", minimum=1, maximum=checks.MAX_SEATS, required=True)
    f.choice("voting_system", checks.VOTING_SYSTEMS, required=True)
    f.threshold()
    f.integer("electorate", maximum=100_000_000)
    _eligible(f, issues)
    timeline = raw.get("timeline")
    if timeline is not None:
        tloc = loc.child(".timeline")
        if _object(timeline, tloc, issues, "timeline"):
            t = Fields(timeline, tloc, issues, allowed=TIMELINE_FIELDS, zone=zone)
            for name in TIMELINE_FIELDS:
                t.instant(name)
            f.data.update(t.data)
    elif "timeline" in raw:
        f.data.update(dict.fromkeys(TIMELINE_FIELDS))
    # With a bad slug the entry can't be imported, but its contents are still read for their errors.
    entry = ElectionEntry(slug=slug or "", loc=loc, election=Row(slug or "", f.data, loc))
    readable = True
    for key, reader in (("slates", _slates), ("candidates", _candidates), ("nominations", _nominations)):
        if key in raw:
            rows = reader(f, issues)
            readable = readable and rows is not None
            setattr(entry, key, rows or [])
    if "results" in raw:
        entry.result_given = True
        entry.result = _results(raw["results"], loc.child(".results"), issues)
    return (entry if slug is not None else None), readable


def _slates(f: Fields, issues: list[PackIssue]) -> list[Row[str]] | None:
    items = _list(f, "slates", checks.MAX_SLATES, "slates")
    if items is None:
        return None
    slug = f.raw.get("slug")
    rows: list[Row[str]] = []
    seen: dict[str, tuple[str, str]] = {}  # folded name or short → ("slates[i]", as written there)
    for i, raw in enumerate(items):
        loc = f.loc.child(f".slates[{i}]")
        if not _object(raw, loc, issues, "slate"):
            continue
        s = Fields(raw, loc, issues, allowed=_SLATE)
        name = s.name(store=False)
        short = s.text("short", max_len=30)
        s.colour()
        s.string_list("backers", max_items=checks.MAX_BACKERS)
        s.text("description", max_len=checks.MAX_DESCRIPTION)
        s.url("url")
        if name is None:
            continue
        # A candidate's "slate" may give a name or a short name, so both share one namespace.
        clash = False
        for field, label in (("name", name), ("short", short)):
            if not label or (field == "short" and fold(label) == fold(name)):
                continue
            if fold(label) in seen:
                where, other = seen[fold(label)]
                used = f'"{label}" is already used by {where} in election {slug}'
                s.bad(field, used if other == label else checks.listed_twice(label, other, f"by {where}"))
                clash = True
            else:
                seen[fold(label)] = f"slates[{i}]", label
        if not clash:
            rows.append(Row(name, s.data, loc))
    return rows


def _candidates(f: Fields, issues: list[PackIssue]) -> list[Row[str]] | None:
    items = _list(f, "candidates", checks.MAX_CANDIDATES, "candidates")
    if items is None:
        return None
    rows: list[Row[str]] = []
    seen = checks.FirstListings()
    for i, raw in enumerate(items):
        loc = f.loc.child(f".candidates[{i}]")
        if not _object(raw, loc, issues, "candidate"):
            continue
        c = Fields(raw, loc, issues, allowed=_CANDIDATE)
        name = c.name(store=False)
        c.text("slate", max_len=MAX_NAME, nullable=True)
        c.text("bio", max_len=checks.MAX_BIO)
        c.url("photo_url")
        c.links()
        c.choice("status", checks.STATUSES)
        if name is None:
            continue
        if (twice := seen.repeat(fold(name), name, f"as candidates[{i}]")) is not None:
            c.bad("name", twice)
            continue
        rows.append(Row(name, c.data, loc))
    return rows


def _nominations(f: Fields, issues: list[PackIssue]) -> list[Row[tuple[str, str]]] | None:
    items = _list(f, "nominations", checks.MAX_NOMINATIONS, "nominations")
    if items is None:
        return None
    rows: list[Row[tuple[str, str]]] = []
    seen: dict[tuple[str, str], int] = {}
    folded: dict[str, str] = {}  # 10,000 pairs name a few hundred bodies and candidates: fold each once
    total = 0
    for i, raw in enumerate(items):
        loc = f.loc.child(f".nominations[{i}]")
        if not _object(raw, loc, issues, "nomination"):
            continue
        n = Fields(raw, loc, issues, allowed=_NOMINATION)
        body = n.name("body", store=False)
        n.day("date")
        names = raw.get("candidates")
        if not isinstance(names, list) or not names:
            n.bad("candidates", "must be a non-empty list of candidate names")
            continue
        total += len(names)
        if total > checks.MAX_NOMINATIONS:
            n.bad("candidates", f"more than {checks.MAX_NOMINATIONS:,} nominations in one election")
            break
        for k, cand in enumerate(names):
            field = f"candidates[{k}]"
            if cand not in folded:
                if not isinstance(cand, str) or checks.name_problem(cand.strip()):
                    n.bad(field, "must be a candidate's name")
                    continue
                folded[cand] = fold(cand)
            if body is None:
                continue
            if body not in folded:
                folded[body] = fold(body)
            pair = (folded[body], folded[cand])
            if pair in seen:
                n.bad(field, f'"{body}" already nominated "{cand.strip()}" at nominations[{seen[pair]}]')
                continue
            seen[pair] = i
            rows.append(Row((body, cand.strip()), n.data, loc, refs={"candidate": (loc, field)}))
    return rows


def _results(raw: Any, loc: Loc, issues: list[PackIssue]) -> Row[str] | None:
    if raw is None:
        return None
    if not _object(raw, loc, issues, "results value"):
        return Row("", {}, loc)
    f = Fields(raw, loc, issues, allowed=_RESULTS)
    f.boolean("published")
    f.integer("valid_ballots", maximum=100_000_000)
    f.integer("invalid_ballots", maximum=100_000_000)
    f.choice("winners", WINNERS)
    refs: dict[Any, tuple[Loc, str]] = {}
    if "rounds" in raw:
        rounds = []
        for i, rnd in enumerate(_list(f, "rounds", checks.MAX_ROUNDS, "rounds") or []):
            rounds.append(_round(rnd, loc.child(f".rounds[{i}]"), i, issues, refs))
        f.data["rounds"] = rounds
    return Row("", f.data, loc, refs=refs)


def _round(raw: Any, loc: Loc, index: int, issues: list[PackIssue], refs: dict[Any, tuple[Loc, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {"votes": {}, "elected": [], "excluded": []}
    if not _object(raw, loc, issues, "round"):
        return out
    f = Fields(raw, loc, issues, allowed=_ROUND)
    votes = raw.get("votes")
    if not isinstance(votes, dict) or not votes:
        f.bad("votes", 'must be a non-empty object of {"candidate name": votes}')
        return out
    for dup in getattr(votes, "duplicates", ()):
        f.bad(f"votes.{dup}", "given more than once")
    seen: dict[str, str] = {}  # folded → as written in votes
    for name, value in votes.items():
        field = f"votes.{name}"
        number = f.votes(field, value)
        if fold(name) in seen:
            f.bad(field, f'"{name}" appears twice in this round')
            continue
        seen[fold(name)] = name.strip()
        if number is not None:
            out["votes"][name.strip()] = number
            refs[(index, name.strip())] = (loc, field)
    for key in ("elected", "excluded"):
        names = raw.get(key, [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            f.bad(key, "must be a list of candidate names")
            continue
        for k, name in enumerate(names):
            if fold(name) not in seen:
                f.bad(f"{key}[{k}]", f'"{name}" has no votes in this round')
            else:
                out[key].append(seen[fold(name)])
    return out
