"""Issue #12 through `hustings import`: add/update by default, `--replace` with `--yes` for large removals,
and every problem of a bad file on stderr (exit 2, no traceback), with the database left as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import hustings

NAMES = ["Ann Black", "Yasmine Dar", "Jon Lansman"]


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    """A server (guild 7) with 12 branches, of which 10 nominated one candidate each, for a 1-seat election."""
    bodies = [{"name": f"Branch {i:02d}"} for i in range(1, 13)]
    election = {
        "slug": "nec",
        "name": "NEC",
        "seats": 1,
        "voting_system": "fptp",
        "candidates": [{"name": n} for n in NAMES],
        "nominations": [{"body": b["name"], "candidates": [NAMES[i % 3]]} for i, b in enumerate(bodies[:10])],
    }
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"bodies": bodies, "elections": [election]}))
    result = hustings(tmp_path, "import", str(seed), "--guild", "7")
    assert result.returncode == 0, result.stderr
    return tmp_path


def export(tmp_path: Path) -> dict:
    result = hustings(tmp_path, "export", "--guild", "7")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_bad_references_are_a_problem_list_not_a_traceback(seeded: Path) -> None:
    """#12.10: an unknown candidate and a branch nominating more candidates than seats."""
    before = export(seeded)
    csv = write(
        seeded,
        "nominations.csv",
        "election,body,candidate\nnec,Branch 11,Ann Blak\nnec,Branch 12,Ann Black\nnec,Branch 12,Jon Lansman\n",
    )
    result = hustings(seeded, "import", csv, "--guild", "7")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "PackError" not in result.stderr
    assert "nominations.csv: 2 problems found; nothing was imported:" in result.stderr
    assert 'nominations.csv: row 2: candidate: no candidate "Ann Blak" in election nec' in result.stderr
    assert "row 4: body:" in result.stderr and "more than its 1 seat" in result.stderr
    assert export(seeded) == before


def test_file_and_reference_problems_come_in_one_pass(seeded: Path) -> None:
    """#12.10: a bad date (the file itself) and an unknown branch (the server's data), reported together."""
    before = export(seeded)
    csv = write(
        seeded,
        "nominations.csv",
        "election,body,candidate,date\nnec,Branch 11,Ann Black,2026-13-40\nnec,Nowhere,Ann Black,\n",
    )
    result = hustings(seeded, "import", csv, "--guild", "7")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "nominations.csv: 2 problems found; nothing was imported:"
    assert "row 2: date" in lines[1] and 'row 3: body: no body "Nowhere"' in lines[2]
    assert export(seeded) == before


def test_a_weeks_csv_adds_and_replace_needs_yes(seeded: Path) -> None:
    """#12.6: the default adds and updates; `--replace` removing more than 20% needs `--yes`."""
    week = write(seeded, "nominations.csv", "election,body,candidate\nnec,Branch 11,Ann Black\n")
    added = hustings(seeded, "import", week, "--guild", "7")
    assert added.returncode == 0, added.stderr
    assert "nominations: +1 ~0 -0" in added.stdout
    assert len(export(seeded)["elections"][0]["nominations"]) == 11

    before = export(seeded)
    refused = hustings(seeded, "import", week, "--guild", "7", "--replace")
    assert refused.returncode == 2
    assert "nominations: +0 ~0 -10" in refused.stdout
    assert "This import would remove 10 of 11 nominations in nec (91%)" in refused.stderr and "--yes" in refused.stderr
    assert export(seeded) == before

    dry = hustings(seeded, "import", week, "--guild", "7", "--replace", "--dry-run")
    assert dry.returncode == 0 and "will need --yes" in dry.stdout

    done = hustings(seeded, "import", week, "--guild", "7", "--replace", "--yes")
    assert done.returncode == 0, done.stderr
    assert [n["body"] for n in export(seeded)["elections"][0]["nominations"]] == ["Branch 11"]


def test_demo_and_round_trip_still_change_nothing(tmp_path: Path) -> None:
    assert hustings(tmp_path, "demo", "--guild", "7").returncode == 0
    again = hustings(tmp_path, "demo", "--guild", "7")
    assert again.returncode == 0 and "nothing to change" in again.stdout
    pack = write(tmp_path, "all.json", hustings(tmp_path, "export", "--guild", "7").stdout)
    for extra in ((), ("--replace",)):
        result = hustings(tmp_path, "import", pack, "--guild", "7", *extra)
        assert result.returncode == 0 and "nothing to change" in result.stdout, result.stderr


def test_a_csv_named_anything_is_read_by_its_header(seeded: Path) -> None:
    week = write(seeded, "week 48.csv", "election,body,candidate\nnec,Branch 11,Ann Black\n")
    result = hustings(seeded, "import", week, "--guild", "7", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "nominations: +1 ~0 -0" in result.stdout


def test_a_spreadsheet_headed_branch_and_curly_apostrophes(seeded: Path) -> None:
    """#18 item 11: a "Branch" column is the body; the kind comes from the header; O’Neill matches O'Neill."""
    sheet = write(seeded, "export.csv", "Election,Branch,Candidate\nnec,Branch 11,Ann Black\n")
    result = hustings(seeded, "import", sheet, "--guild", "7", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "nominations: +1 ~0 -0" in result.stdout
    branches = write(seeded, "list.csv", "Branch,Region\nBranch 13,North\n")
    result = hustings(seeded, "import", branches, "--guild", "7", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "bodies: +1" in result.stdout
    people = write(seeded, "people.csv", "election,name\nnec,Jo O'Neill\n")
    assert hustings(seeded, "import", people, "--guild", "7").returncode == 0
    curly = write(seeded, "curly.csv", "election,branch,candidate\nnec,Branch 12,Jo O’Neill\n")
    result = hustings(seeded, "import", curly, "--guild", "7", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "Branch 12 → Jo O'Neill" in result.stdout and "candidates" not in result.stdout
