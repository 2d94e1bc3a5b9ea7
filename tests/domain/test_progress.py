"""Text progress bars."""

from __future__ import annotations

import pytest

from bot.domain.progress import progress_bar


@pytest.mark.parametrize(
    ("value", "target", "bar"),
    [
        (0, 10, "▱▱▱▱▱▱▱▱▱▱"),
        (5, 10, "▰▰▰▰▰▱▱▱▱▱"),
        (10, 10, "▰▰▰▰▰▰▰▰▰▰"),
        (25, 10, "▰▰▰▰▰▰▰▰▰▰"),  # capped
        (1, 40, "▰▱▱▱▱▱▱▱▱▱"),  # any progress shows
        (39, 40, "▰▰▰▰▰▰▰▰▰▱"),  # not full until reached
        (-3, 10, "▱▱▱▱▱▱▱▱▱▱"),
        (3, None, "▱▱▱▱▱▱▱▱▱▱"),  # target unknown
        (0, 0, "▰▰▰▰▰▰▰▰▰▰"),  # nothing required: met
    ],
)
def test_progress_bar(value: float, target: float | None, bar: str) -> None:
    assert progress_bar(value, target) == bar


def test_width_and_chars() -> None:
    assert progress_bar(1, 2, width=4, full="█", empty="░") == "██░░"
    assert progress_bar(1, 2, width=1) == "▱"
    assert progress_bar(2, 2, width=1) == "▰"
    with pytest.raises(ValueError):
        progress_bar(1, 2, width=0)
