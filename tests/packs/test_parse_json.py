"""JSON pack parsing: every problem is reported with file, JSON path and field, all at once."""

from __future__ import annotations

import pytest

from bot.packs import PackError
from bot.services.imports import parse_pack_json
from tests.packs.helpers import base, dumps


def errors(data: str | bytes, filename: str = "pack.json") -> list[str]:
    with pytest.raises(PackError) as info:
        parse_pack_json(data, filename)
    return info.value.lines()


def test_valid_pack_parses_with_every_kind() -> None:
    pack = parse_pack_json(dumps(base()))
    assert pack.kinds == {"bodies", "elections", "slates", "candidates", "nominations", "results"}
    entry = pack.entry("nec-test")
    assert entry is not None and entry.election is not None
    assert entry.election.data["nominations_close"] == "2017-11-24T12:00:00+00:00"  # "Z" normalised
    assert entry.election.data["threshold"] == "5%"
    assert entry.slates[1].data["colour"] == "#7A3E9D"  # colours stored upper-case
    assert len(entry.nominations) == 4  # one row per body→candidate pair


def test_bom_and_bytes_are_accepted() -> None:
    pack = parse_pack_json("\ufeff".encode() + dumps(base()).encode())
    assert pack.slugs == ["nec-test"]


def test_bad_json_names_line_and_column() -> None:
    [line] = errors('{"bodies": [\n  {"name": "x",}\n]}', "upload.json")
    assert line.startswith("upload.json: line 2, column") and "invalid JSON" in line


def test_not_utf8() -> None:
    [line] = errors(b'{"bodies": ["\xff"]}')
    assert "not UTF-8" in line


def test_wrong_types_are_all_reported() -> None:
    pack = base()
    election = pack["elections"][0]
    election["seats"] = "three"
    election["electorate"] = True
    pack["bodies"][0]["members"] = 24.5
    election["candidates"][0]["bio"] = 42
    lines = errors(dumps(pack))
    assert 'pack.json: elections[0].seats: must be a number, not "three"' in lines
    assert "pack.json: elections[0].electorate: must be a number, not true" in lines
    assert "pack.json: bodies[0].members: must be a whole number, not 24.5" in lines
    assert "pack.json: elections[0].candidates[0].bio: must be text, not 42" in lines
    assert len(lines) == 4


def test_unknown_slate_names_path_and_election() -> None:
    pack = base()
    pack["elections"][0]["candidates"][3]["slate"] = "XYZ"
    assert errors(dumps(pack)) == ['pack.json: elections[0].candidates[3].slate: no slate "XYZ" in election nec-test']


def test_close_names_are_suggested() -> None:
    pack = base()
    pack["elections"][0]["nominations"][0]["candidates"][1] = "Jon Lansmann"
    [line] = errors(dumps(pack))
    assert line == (
        'pack.json: elections[0].nominations[0].candidates[1]: no candidate "Jon Lansmann" in '
        'election nec-test (did you mean "Jon Lansman"?)'
    )


def test_duplicates() -> None:
    pack = base()
    pack["bodies"].append({"name": "islington north clp"})
    pack["elections"][0]["candidates"].append({"name": "Yasmine  Dar"})
    pack["elections"][0]["slates"].append({"name": "Another", "short": "clga"})
    pack["elections"][0]["nominations"].append({"body": "Leeds Central CLP", "candidates": ["Eddie Izzard"]})
    pack["elections"].append(dict(pack["elections"][0], candidates=[]))
    lines = errors(dumps(pack))
    assert (
        'pack.json: bodies[3].name: "islington north clp" is the same name as “Islington North CLP”, '
        "already listed as bodies[0]"
    ) in lines
    assert (
        'pack.json: elections[0].candidates[5].name: "Yasmine  Dar" is the same name as “Yasmine Dar”, '
        "already listed as candidates[0]"
    ) in lines
    assert any(line.startswith("pack.json: elections[0].slates[2].short:") for line in lines)
    assert any(line.startswith("pack.json: elections[0].nominations[3].candidates[0]:") for line in lines)
    assert 'pack.json: elections[1].slug: "nec-test" is already used by elections[0]' in lines


def test_duplicate_json_keys_are_refused() -> None:
    text = dumps(base()).replace('"seats": 3', '"seats": 3, "seats": 4')
    assert errors(text) == ["pack.json: elections[0].seats: given more than once in the same object"]


def test_naive_datetimes_are_refused_with_a_fix_when_no_zone_is_given() -> None:
    pack = base()
    pack["elections"][0]["timeline"]["ballot_open"] = "2017-12-11T09:00:00"
    pack["bodies"][1]["meeting"] = "2026-12-02"
    lines = errors(dumps(pack))
    assert lines[0] == (
        'pack.json: bodies[1].meeting: "2026-12-02" has no time of day; add one, e.g. "2026-12-02 18:00" or '
        '"2026-12-02 23:59"'
    )
    assert lines[1].startswith('pack.json: elections[0].timeline.ballot_open: "2017-12-11T09:00:00" has no UTC offset')


def test_timeline_order() -> None:
    pack = base()
    pack["elections"][0]["timeline"]["ballot_close"] = "2017-12-01T00:00:00+00:00"
    [line] = errors(dumps(pack))
    assert line.startswith("pack.json: elections[0].timeline.ballot_close: (2017-12-01T00:00:00+00:00) is before")


def test_formats_and_lengths() -> None:
    pack = base()
    election = pack["elections"][0]
    election["slug"] = "NEC 2018"
    election["voting_system"] = "ranked"
    election["nomination_threshold"] = "150%"
    election["slates"][0]["colour"] = "red"
    election["slates"][0]["url"] = "ftp://example.org"
    election["candidates"][0]["bio"] = "x" * 1501
    election["candidates"][1]["name"] = "y" * 101
    election["candidates"][2]["photo_url"] = "javascript:alert(1)"
    election["candidates"][3]["status"] = "winning"
    lines = errors(dumps(pack))
    joined = "\n".join(lines)
    assert 'elections[0].slug: "NEC 2018" must be 1–64 lower-case letters' in joined
    assert 'elections[0].voting_system: "ranked" is not one of' in joined
    assert 'elections[0].nomination_threshold: "150%" is not a threshold' in joined
    assert 'elections[0].slates[0].colour: "red" is not a colour like "#C8102E"' in joined
    assert 'elections[0].slates[0].url: "ftp://example.org" is not an http(s) URL' in joined
    assert "elections[0].candidates[0].bio: is 1,501 characters long; at most 1,500 allowed" in joined
    assert "elections[0].candidates[1].name: is 101 characters long; at most 100 allowed" in joined
    assert "elections[0].candidates[2].photo_url:" in joined
    assert 'elections[0].candidates[3].status: "winning" is not one of' in joined


def test_required_and_unknown_fields() -> None:
    pack = base()
    del pack["elections"][0]["seats"]
    pack["elections"][0]["candiates"] = []
    pack["bodies"][0] = {"kind": "CLP"}
    lines = errors(dumps(pack))
    assert "pack.json: bodies[0].name: is required" in lines
    assert "pack.json: elections[0].seats: is required" in lines
    assert 'pack.json: elections[0].candiates: unknown field (did you mean "candidates"?)' in lines


def test_body_nominating_more_than_seats() -> None:
    pack = base()
    pack["elections"][0]["nominations"].append(
        {"body": "Islington North CLP", "candidates": ["Rachel Garnham", "Eddie Izzard"]}
    )
    [line] = errors(dumps(pack))
    assert line == (
        'pack.json: elections[0].nominations[3].body: "Islington North CLP" nominates 4 candidates '
        "in nec-test, more than its 3 seats"
    )


def test_results_checks() -> None:
    pack = base()
    rnd = pack["elections"][0]["results"]["rounds"][0]
    rnd["votes"]["Nobody Known"] = 5
    rnd["votes"]["Nick Donovan"] = -1
    rnd["elected"].append("Eddie Izard")
    lines = errors(dumps(pack))
    assert (
        "pack.json: elections[0].results.rounds[0].votes.Nick Donovan: must be a number of votes ≥ 0, not -1"
    ) in lines
    assert 'pack.json: elections[0].results.rounds[0].elected[3]: "Eddie Izard" has no votes in this round' in lines
    assert (
        'pack.json: elections[0].results.rounds[0].votes.Nobody Known: no candidate "Nobody Known" in election nec-test'
    ) in lines


def test_unknown_body_is_deferred_when_pack_has_no_bodies() -> None:
    pack = base()
    del pack["bodies"]
    pack["elections"][0]["nominations"][0]["body"] = "Somewhere CLP"
    parsed = parse_pack_json(dumps(pack))  # the server may have it: checked at plan time
    assert parsed.bodies is None and "bodies" not in parsed.kinds


def test_size_limit() -> None:
    pack = base()
    pack["elections"][0]["candidates"] = [{"name": f"Candidate {i}"} for i in range(1001)]
    lines = errors(dumps(pack))
    assert lines == ["pack.json: elections[0].candidates: has 1,001 candidates; at most 1,000 allowed"]


def test_error_message_lists_count_and_says_nothing_imported() -> None:
    pack = base()
    pack["elections"][0]["seats"] = 0
    with pytest.raises(PackError) as info:
        parse_pack_json(dumps(pack))
    assert str(info.value).startswith("1 problem found; nothing was imported:\npack.json: elections[0].seats:")
