"""A source's problems are told without repeating anything the fetched file contained."""

from __future__ import annotations

from bot.domain.sources import content_free_problem


def test_place_and_kind_kept_values_left_out() -> None:
    assert content_free_problem("elections[0]", "seats", 'must be a number, not "hunter2"') == (
        "elections[0], seats: must be a number"
    )
    assert content_free_problem("elections[0]", "seats", "must be between 1 and 100, not 1,234") == (
        "elections[0], seats: must be between 1 and 100"
    )
    assert content_free_problem("", "", "more than 1000 candidates in secret-slug") == "more than 1000 candidates"
    assert content_free_problem("row 1", "root:x:0:0", "unknown column for candidates; columns are: name") == (
        "row 1: unknown column for candidates; columns are: name"
    )
    assert content_free_problem("", "aws_secret_key", "unknown field") == "unknown field"
    assert content_free_problem("row 3", "name", '"Ann Secret" is listed twice') == "row 3: a value isn't valid"
    assert content_free_problem("line 2, column 10", "", "invalid JSON: Expecting value") == (
        "line 2, column 10: invalid JSON: Expecting value"
    )
    # A place that is not one the parser builds (it could carry a key from the file) is dropped.
    assert content_free_problem("elections.SECRET", "", "is required") == "is required"
