"""Reading one kind of data from a CSV file (bodies, candidates, nominations, results or eligible bodies).

Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row is row 2.
Header names ignore case, spaces and hyphens ("Photo URL" = "photo_url"); UTF-8 with or without
a byte-order mark; comma, semicolon or tab separated. A column left out keeps stored values; an
empty cell clears the value.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any, Final
from zoneinfo import ZoneInfo

from bot.domain.validation import MAX_NAME
from bot.packs import checks
from bot.packs.checks import Fields, fold
from bot.packs.issues import Loc, PackError, PackIssue
from bot.packs.model import ElectionEntry, Pack, Row
from bot.packs.results_rule import WINNERS

# kind → (required columns, optional columns)
COLUMNS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "bodies": (("name",), ("kind", "region", "members", "meeting")),
    "candidates": (("election", "name"), ("slate", "bio", "photo_url", "links", "status")),
    "nominations": (("election", "body", "candidate"), ("date",)),
    "results": (
        ("election", "round", "candidate", "votes"),
        ("elected", "excluded", "published", "valid_ballots", "invalid_ballots", "winners"),
    ),
    "eligible": (("election", "body"), ()),  # an election's explicit list of eligible bodies
}
CSV_KINDS: Final = tuple(COLUMNS)
_ALIASES: Final = {
    "slug": "election",
    "election_slug": "election",
    "body_name": "body",
    "branch": "body",  # what most organisations call their nominating bodies
    "branch_name": "body",
    "candidate_name": "candidate",
    "nominated_on": "date",
    "nomination_date": "date",
    "photo": "photo_url",
    "stage": "round",
}


def normalise_header(name: str) -> str:
    """ " Photo URL " → "photo_url"; known aliases map to their column."""
    key = re.sub(r"[\s\-]+", "_", name.strip().lstrip("\ufeff").casefold()).strip("_")
    return _ALIASES.get(key, key)


def _decode(data: bytes | str, filename: str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if len(data) > checks.MAX_BYTES:
        raise PackError([PackIssue(filename, "", "", f"file is {len(data):,} bytes; at most {checks.MAX_BYTES:,}")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PackError(
            [PackIssue(filename, "", "", f'not UTF-8 text (byte {exc.start}); save it as "CSV UTF-8"')]
        ) from None


def detect_delimiter(text: str) -> str:
    """The sheet's delimiter: whichever of comma, semicolon or tab its header line uses most.

    Spreadsheets in locales with a decimal comma save CSV with semicolons; some export tabs.
    """
    first = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=first.count)


def read_rows(data: bytes | str, filename: str, kind: str) -> list[tuple[Loc, dict[str, str]]]:
    """Decode, check the header against `kind`'s columns and return (place, {column: cell}) rows."""
    text = _decode(data, filename)
    required, optional = COLUMNS[kind]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise PackError([PackIssue(filename, "row 1", "", f"unreadable CSV: {exc}")]) from None
    if not header or not any(h.strip() for h in header):
        raise PackError([PackIssue(filename, "", "", "the file is empty; the first row must name the columns")])
    columns = [normalise_header(h) for h in header]
    if kind == "bodies" and "name" not in columns and "body" in columns:
        columns[columns.index("body")] = "name"  # a bodies file headed "Branch" names the branches
    issues: list[PackIssue] = []
    allowed = (*required, *optional)
    for i, col in enumerate(columns):
        if not col:
            issues.append(PackIssue(filename, "row 1", f"column {i + 1}", "has no name"))
        elif col not in allowed:
            issues.append(
                PackIssue(
                    filename,
                    "row 1",
                    header[i].strip(),
                    f"unknown column for {kind}{checks.suggest(col, allowed, 0.6)}; columns are: {', '.join(allowed)}",
                )
            )
        elif columns.index(col) != i:
            issues.append(PackIssue(filename, "row 1", header[i].strip(), "column given twice"))
    for col in required:
        if col not in columns:
            need = ", ".join(required)
            issues.append(PackIssue(filename, "row 1", col, f"missing column; {kind} files need: {need}"))
    if issues:
        raise PackError(issues)
    rows: list[tuple[Loc, dict[str, str]]] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue  # blank lines are common at the end of exported sheets
            loc = Loc(filename, f"row {number}")
            if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
                issues.append(loc.issue("", f"has {len(cells)} cells but the header names {len(columns)} columns"))
                continue
            rows.append((loc, dict(zip(columns, cells, strict=False))))
            if len(rows) > checks.MAX_CSV_ROWS:
                raise PackError([PackIssue(filename, "", "", f"more than {checks.MAX_CSV_ROWS:,} rows")])
    except csv.Error as exc:
        issues.append(PackIssue(filename, f"row {reader.line_num}", "", f"unreadable CSV: {exc}"))
    if issues:
        raise PackError(issues)
    return rows


def parse_csv(kind: str, data: bytes | str, filename: str, *, zone: ZoneInfo | str | None = None) -> Pack:
    """Parse a CSV of one kind (bodies, candidates, nominations, results) into a partial `Pack`.

    The pack speaks only for that kind, within the elections its rows name (bodies: all bodies).
    `zone` is the server's time zone, for date-times without a UTC offset (None: they are refused).
    Raises `PackError` listing every problem found.
    """
    if kind not in COLUMNS:
        raise PackError([PackIssue(filename, "", "", f'unknown CSV kind "{kind}"; choose from {", ".join(CSV_KINDS)}')])
    rows = read_rows(data, filename, kind)
    issues: list[PackIssue] = []
    pack = _bodies(rows, filename, issues, zone) if kind == "bodies" else _READERS[kind](rows, filename, issues)
    if issues:
        raise PackError(issues, pack)
    return pack


def guess_kind(filename: str, data: bytes | str) -> str | None:
    """The CSV kind from the file name ("nominations.csv") or, failing that, from its header."""
    stem = filename.rsplit("/", 1)[-1].casefold()
    named = [k for k in CSV_KINDS if k in stem or k.rstrip("s") in stem]
    if len(named) == 1:
        return named[0]
    try:
        text = _decode(data, filename)
    except PackError:
        return None
    first = next(csv.reader([text.split("\n", 1)[0]], delimiter=detect_delimiter(text)), [])
    header = {normalise_header(h) for h in first}
    for kind in ("results", "nominations", "candidates", "bodies", "eligible"):
        if set(COLUMNS[kind][0]) <= header:
            return kind
    if "body" in header and "election" not in header:
        return "bodies"  # a list of branches headed "Branch"
    return None


def parse_upload(
    filename: str, data: bytes | str, kind: str | None = None, *, zone: ZoneInfo | str | None = None
) -> Pack:
    """Parse a file by its name: `.json` as a pack, `.csv`/`.tsv` as `kind` (or the kind the name or
    header suggests); `zone` as for `parse_csv`. Raises `PackError` when the file can't be read or the
    kind can't be told.
    """
    if filename.casefold().endswith(".json"):
        from bot.packs.json_format import parse_pack_json

        return parse_pack_json(data, filename, zone=zone)
    kind = kind or guess_kind(filename, data)
    if kind is None:
        raise PackError(
            [
                PackIssue(
                    filename, "", "", f"can't tell what this CSV holds; name it after its kind ({', '.join(CSV_KINDS)})"
                )
            ]
        )
    return parse_csv(kind, data, filename, zone=zone)


# -- one reader per kind ----------------------------------------------------------------------------------


def _entries(pack: Pack) -> Callable[[str, Loc], ElectionEntry]:
    by_slug: dict[str, ElectionEntry] = {}

    def get(slug: str, loc: Loc) -> ElectionEntry:
        entry = by_slug.get(slug)
        if entry is None:
            entry = by_slug[slug] = ElectionEntry(slug=slug, loc=loc, slug_field="election")
            pack.elections.append(entry)
        return entry

    return get


def _bodies(
    rows: list[tuple[Loc, dict[str, str]]], filename: str, issues: list[PackIssue], zone: ZoneInfo | str | None = None
) -> Pack:
    bodies: list[Row[str]] = []
    pack = Pack(source=filename, bodies=bodies)
    seen = checks.FirstListings()
    for loc, raw in rows:
        f = Fields(raw, loc, issues, csv=True, zone=zone)
        name = f.body()
        if name is None:
            continue
        if (twice := seen.repeat(fold(name), name, f"on {loc.where}")) is not None:
            f.bad("name", twice)
            continue
        if len(seen) > checks.MAX_BODIES:
            f.bad("name", f"more than {checks.MAX_BODIES:,} bodies")
            break
        bodies.append(Row(name, f.data, loc))
    return pack


def _candidates(rows: list[tuple[Loc, dict[str, str]]], filename: str, issues: list[PackIssue]) -> Pack:
    pack = Pack(source=filename)
    entry = _entries(pack)
    seen = checks.FirstListings()
    for loc, raw in rows:
        f = Fields(raw, loc, issues, csv=True)
        slug = f.slug("election")
        name = f.name(store=False)
        f.text("slate", max_len=MAX_NAME, nullable=True)
        f.text("bio", max_len=checks.MAX_BIO)
        f.url("photo_url")
        f.links()
        f.choice("status", checks.STATUSES)
        if slug is None or name is None:
            continue
        if (twice := seen.repeat((slug, fold(name)), name, f"for {slug} on {loc.where}")) is not None:
            f.bad("name", twice)
            continue
        e = entry(slug, loc)
        e.candidates = e.candidates or []
        if len(e.candidates) >= checks.MAX_CANDIDATES:
            f.bad("name", f"more than {checks.MAX_CANDIDATES} candidates in {slug}")
            continue
        e.candidates.append(Row(name, f.data, loc))
    return pack


def _nominations(rows: list[tuple[Loc, dict[str, str]]], filename: str, issues: list[PackIssue]) -> Pack:
    pack = Pack(source=filename)
    entry = _entries(pack)
    seen: dict[tuple[str, str, str], str] = {}
    for loc, raw in rows:
        f = Fields(raw, loc, issues, csv=True)
        slug = f.slug("election")
        body = f.name("body", store=False)
        cand = f.name("candidate", store=False)
        f.day("date")
        if slug is None or body is None or cand is None:
            continue
        key = (slug, fold(body), fold(cand))
        if key in seen:
            f.bad("candidate", f'"{body}" already nominated "{cand}" in {slug} on {seen[key]}')
            continue
        seen[key] = loc.where
        e = entry(slug, loc)
        e.nominations = e.nominations or []
        if len(e.nominations) >= checks.MAX_NOMINATIONS:
            f.bad("candidate", f"more than {checks.MAX_NOMINATIONS:,} nominations in {slug}")
            continue
        e.nominations.append(Row((body, cand), f.data, loc))
    return pack


_META = ("published", "valid_ballots", "invalid_ballots", "winners")


def _results(rows: list[tuple[Loc, dict[str, str]]], filename: str, issues: list[PackIssue]) -> Pack:
    pack = Pack(source=filename)
    entry = _entries(pack)
    rounds: dict[str, dict[int, dict[str, Any]]] = {}
    meta: dict[str, tuple[dict[str, Any], str]] = {}  # slug → (meta values, first row)
    refs: dict[str, dict[Any, tuple[Loc, str]]] = {}
    seen: dict[tuple[str, int, str], str] = {}
    for loc, raw in rows:
        f = Fields(raw, loc, issues, csv=True)
        slug = f.slug("election")
        number = f.integer("round", minimum=1, maximum=checks.MAX_ROUNDS, required=True)
        cand = f.name("candidate", store=False)
        cell = raw.get("votes", "").strip()
        votes = f.votes("votes", cell) if cell else None
        if not cell:
            f.bad("votes", "is required")
        elected = f.boolean("elected") if "elected" in raw else False
        excluded = f.boolean("excluded") if "excluded" in raw else False
        if "published" in raw:
            f.boolean("published")
        f.integer("valid_ballots", maximum=100_000_000)
        f.integer("invalid_ballots", maximum=100_000_000)
        if raw.get("winners", "").strip():
            f.choice("winners", WINNERS)
        row_meta = {k: f.data[k] for k in _META if k in f.data}
        if None in (slug, number, cand, votes, elected, excluded):
            continue
        assert slug is not None and number is not None and cand is not None
        key = (slug, number, fold(cand))
        if key in seen:
            f.bad("candidate", f'"{cand}" already has votes in round {number} of {slug} on {seen[key]}')
            continue
        seen[key] = loc.where
        if slug in meta:
            first, where = meta[slug]
            for k, v in row_meta.items():
                if first.get(k) != v:
                    f.bad(k, f"differs from {where} ({first.get(k)!r}); one election has one value")
        else:
            meta[slug] = (row_meta, loc.where)
            entry(slug, loc)
        rnd = rounds.setdefault(slug, {}).setdefault(number, {"votes": {}, "elected": [], "excluded": []})
        rnd["votes"][cand] = votes
        if elected:
            rnd["elected"].append(cand)
        if excluded:
            rnd["excluded"].append(cand)
        refs.setdefault(slug, {})[(number - 1, cand)] = (loc, "candidate")
    for e in pack.elections:
        numbers = sorted(rounds.get(e.slug, {}))
        if numbers != list(range(1, len(numbers) + 1)):
            issues.append(
                e.loc.issue(
                    "round", f"rounds of {e.slug} must run 1, 2, 3… without gaps; found {', '.join(map(str, numbers))}"
                )
            )
        data: dict[str, Any] = dict(meta[e.slug][0])
        data["rounds"] = [rounds[e.slug][n] for n in numbers]
        e.result_given = True
        e.result = Row("", data, e.loc, refs=refs.get(e.slug, {}))
    return pack


def _eligible(rows: list[tuple[Loc, dict[str, str]]], filename: str, issues: list[PackIssue]) -> Pack:
    pack = Pack(source=filename)
    entry = _entries(pack)
    seen: dict[tuple[str, str], str] = {}
    for loc, raw in rows:
        f = Fields(raw, loc, issues, csv=True)
        slug = f.slug("election")
        body = f.name("body", store=False)
        if slug is None or body is None:
            continue
        if (slug, fold(body)) in seen:
            f.bad("body", f'"{body}" is already listed for {slug} on {seen[(slug, fold(body))]}')
            continue
        seen[(slug, fold(body))] = loc.where
        e = entry(slug, loc)
        e.eligible = e.eligible or []
        e.eligible.append(Row(body, {}, loc))
    return pack


_READERS: Final = {
    "bodies": _bodies,
    "candidates": _candidates,
    "nominations": _nominations,
    "results": _results,
    "eligible": _eligible,
}
