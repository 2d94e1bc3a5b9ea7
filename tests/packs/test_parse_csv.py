"""CSV parsing: header handling, per-row/field errors, and the partial packs CSVs make."""

from __future__ import annotations

import pytest

from bot.packs import PackError
from bot.services.imports import parse_csv, parse_upload


def errors(kind: str, text: str | bytes, filename: str) -> list[str]:
    with pytest.raises(PackError) as info:
        parse_csv(kind, text, filename)
    return info.value.lines()


def test_bom_and_loose_headers() -> None:
    data = "\ufeff Election , Body ,CANDIDATE,Nominated-On\r\nnec-2018,Hove CLP,Yasmine Dar,2017-11-10\r\n\r\n"
    pack = parse_csv("nominations", data.encode("utf-8"), "nominations.csv")
    [entry] = pack.elections
    assert pack.kinds == {"nominations"}
    assert entry.slug == "nec-2018"
    [row] = entry.nominations
    assert row.key == ("Hove CLP", "Yasmine Dar") and row.data == {"date": "2017-11-10"}


def test_semicolon_separated_and_thousands() -> None:
    data = "election;round;candidate;votes;elected\nnec-2018;1;Yasmine Dar;68,388;yes\nnec-2018;1;Sarah Taylor;7011;\n"
    pack = parse_csv("results", data, "results.csv")
    [entry] = pack.elections
    assert entry.result is not None
    [rnd] = entry.result.data["rounds"]
    assert rnd["votes"] == {"Yasmine Dar": 68388, "Sarah Taylor": 7011}
    assert rnd["elected"] == ["Yasmine Dar"]
    assert "published" not in entry.result.data  # column absent: the stored flag is kept


def test_wrong_columns() -> None:
    lines = errors("nominations", "election,bodie,candidate,extra\n", "noms.csv")
    assert (
        'noms.csv: row 1: bodie: unknown column for nominations (did you mean "body"?); '
        "columns are: election, body, candidate, date" in lines
    )
    assert "noms.csv: row 1: body: missing column; nominations files need: election, body, candidate" in lines
    assert any(line.startswith("noms.csv: row 1: extra: unknown column") for line in lines)


def test_bad_numbers_name_row_and_field() -> None:
    data = (
        "election,round,candidate,votes,elected\n"
        "nec-2018,1,Yasmine Dar,lots,yes\n"
        "nec-2018,one,Jon Lansman,65163,no\n"
        "nec-2018,1,Rachel Garnham,-5,maybe\n"
        "nec-2018,1,Eddie Izzard,,\n"
    )
    lines = errors("results", data, "results.csv")
    assert lines == [
        'results.csv: row 2: votes: "lots" is not a number',
        'results.csv: row 3: round: "one" is not a number',
        "results.csv: row 4: votes: must be a number of votes ≥ 0, not -5",
        'results.csv: row 4: elected: must be true or false, not "maybe"',
        "results.csv: row 5: votes: is required",
    ]


def test_bodies_csv_errors_are_all_collected() -> None:
    data = (
        "name,kind,region,members,meeting\n"
        "Hove CLP,CLP,South East,3100,2026-12-02T19:30:00+00:00\n"
        "hove clp,CLP,South East,10,\n"
        ",CLP,,,\n"
        "Leeds Central CLP,CLP,Yorkshire,12.5,2026-12-02 19:30\n"
    )
    lines = errors("bodies", data, "bodies.csv")
    assert lines == [
        'bodies.csv: row 3: name: "hove clp" is the same name as “Hove CLP”, already listed on row 2',
        "bodies.csv: row 4: name: is required",
        "bodies.csv: row 5: members: must be a whole number, not 12.5",
        'bodies.csv: row 5: meeting: "2026-12-02 19:30" has no UTC offset; add one, e.g. '
        '"2026-12-02T19:30:00+00:00" or "Z"',
    ]


def test_candidates_csv_links_and_slug_check() -> None:
    data = (
        "election,name,slate,bio,links\n"
        "nec-2018,Yasmine Dar,CLGA,A bio,site=https://example.org/?a=b | x=https://x.example\n"
        "NEC 2018,Jon Lansman,,,\n"
        "nec-2018,Eddie Izzard,,,notalink\n"
    )
    lines = errors("candidates", data, "candidates.csv")
    assert lines[0].startswith('candidates.csv: row 3: election: "NEC 2018" must be 1–64 lower-case')
    assert lines[1] == 'candidates.csv: row 4: links: "notalink" must be written label=https://…'
    good = parse_csv("candidates", data.splitlines()[0] + "\n" + data.splitlines()[1] + "\n", "c.csv")
    row = good.elections[0].candidates[0]
    assert row.data["links"] == {"site": "https://example.org/?a=b", "x": "https://x.example"}
    assert row.data["slate"] == "CLGA"


def test_results_round_gaps_and_duplicates() -> None:
    data = "election,round,candidate,votes\nstv-x,1,A,10\nstv-x,3,A,12\nstv-x,1,a,3\n"
    lines = errors("results", data, "results.csv")
    assert 'results.csv: row 4: candidate: "a" already has votes in round 1 of stv-x on row 2' in lines
    assert "results.csv: row 2: round: rounds of stv-x must run 1, 2, 3… without gaps; found 1, 3" in lines


def test_ragged_rows_and_empty_file() -> None:
    assert errors("bodies", "", "b.csv") == ["b.csv: the file is empty; the first row must name the columns"]
    lines = errors("bodies", "name\nA,extra\n", "b.csv")
    assert lines == ["b.csv: row 2: has 2 cells but the header names 1 columns"]


def test_parse_upload_picks_the_reader() -> None:
    assert parse_upload("my-nominations.csv", "election,body,candidate\nx,B,C\n").kinds == {"nominations"}
    assert parse_upload("sheet.csv", "election,round,candidate,votes\nx,1,C,3\n").kinds == {"results"}
    assert parse_upload("pack.json", '{"bodies": []}').kinds == {"bodies"}
    with pytest.raises(PackError, match="can't tell"):
        parse_upload("sheet.csv", "a,b\n1,2\n")
