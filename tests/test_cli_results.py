"""Results files from spreadsheets, through the `hustings` command line (issue #12 item 3)."""

from __future__ import annotations

import json

from tests.test_cli import hustings


def test_semicolon_csv_with_a_decimal_point_for_thousands_is_refused_with_row_field_and_hint(tmp_path) -> None:
    assert hustings(tmp_path, "demo", "--guild", "7").returncode == 0
    before = hustings(tmp_path, "export", "--guild", "7").stdout
    sheet = tmp_path / "results.csv"
    sheet.write_text(  # what a European spreadsheet writes: ";" between fields, "." between thousands
        "election;round;candidate;votes\n"
        "nec-2018;1;Yasmine Dar;68388\n"
        "nec-2018;1;Jon Lansman;65163\n"
        "nec-2018;1;Sarah Taylor;1.842\n",
        encoding="utf-8",
    )
    result = hustings(tmp_path, "import", str(sheet), "--guild", "7")
    assert result.returncode == 2, result.stdout  # bad input: the problem list, exit 2
    assert "results.csv" in result.stderr and "row 4" in result.stderr and "votes" in result.stderr
    assert "did you mean 1842?" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert hustings(tmp_path, "export", "--guild", "7").stdout == before  # nothing written

    # fractions stay allowed where the count uses them: STV transfers
    stv = tmp_path / "stv.json"
    stv.write_text(
        json.dumps(
            {
                "elections": [
                    {
                        "slug": "exec",
                        "name": "Executive",
                        "seats": 1,
                        "voting_system": "stv",
                        "candidates": [{"name": "Amy Adams"}, {"name": "Ben Baker"}],
                        "results": {
                            "rounds": [{"votes": {"Amy Adams": 10.5, "Ben Baker": 3}, "elected": ["Amy Adams"]}]
                        },
                    }
                ]
            }
        )
    )
    assert hustings(tmp_path, "import", str(stv), "--guild", "7").returncode == 0
