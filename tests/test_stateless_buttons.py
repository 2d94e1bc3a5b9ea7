"""The stateless buttons' base (`cogs/_buttons.py`): every button's custom id parses back into the same
button, so a press after a restart finds what the message was sent with; the custom ids are unchanged."""

from __future__ import annotations

import pytest

from cogs._buttons import StatelessButton
from cogs._confirm import PendingButton
from cogs._pages import PageButton
from cogs.hustings import InterestedButton, RemindHourButton, RemindMeButton, StopReminderButton
from cogs.questions import AnswerButton, UpvoteButton
from cogs.sources import HoldButton

BUTTONS: list[tuple[StatelessButton, str]] = [
    (RemindMeButton("nec-2026"), "hustings:rmd:nec-2026"),
    (StopReminderButton(7), "hustings:rmdstop:7"),
    (InterestedButton(3, 12), "hustings:int:3"),
    (RemindHourButton(3), "hustings:rmh:3"),
    (UpvoteButton(12, 4), "q:up:12"),
    (AnswerButton(12), "q:ans:12"),
    (PendingButton("pick", 5, "keep"), "hustings:pick:5:keep"),
    (PageButton(2, "n", "r17"), "hustings:pg:2:n:r17"),
    (HoldButton("apply", 9, "0123456789abcdef99"), "hustings:src:apply:9:0123456789abcdef"),
]


@pytest.mark.parametrize(("button", "custom_id"), BUTTONS, ids=[c for _, c in BUTTONS])
def test_custom_id_parses_back_into_the_same_button(button: StatelessButton, custom_id: str) -> None:
    assert button.custom_id == custom_id
    match = button.template.fullmatch(custom_id)
    assert match is not None
    assert type(button).parse(match).custom_id == custom_id


def test_a_number_button_refuses_what_is_not_its_number() -> None:
    assert UpvoteButton.__discord_ui_compiled_template__.fullmatch("q:up:x") is None
    assert UpvoteButton.__discord_ui_compiled_template__.fullmatch("q:ans:1") is None
