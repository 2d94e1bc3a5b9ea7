"""Discord's answers as the delivery engine sees them: the outbox classifies status and JSON error code."""

from __future__ import annotations

import pytest

from bot.discord_adapters.outbox import EMBEDS_DROPPED, send_error
from bot.domain.schedule.sending import FailureKind


@pytest.mark.parametrize(
    ("status", "code", "opening_dm", "kind"),
    [
        (503, None, False, FailureKind.TRANSIENT),
        (None, None, False, FailureKind.TRANSIENT),
        (429, None, False, FailureKind.TRANSIENT),
        (403, 50013, False, FailureKind.PERMANENT),
        (404, 10003, False, FailureKind.PERMANENT),
        (403, 50007, False, FailureKind.DM_CLOSED),
        (400, 40003, True, FailureKind.THROTTLED),
        (429, None, True, FailureKind.THROTTLED),
    ],
    ids=[
        "5xx",
        "no-answer",
        "rate-limited",
        "missing-permissions",
        "unknown-channel",
        "dms-closed",
        "40003",
        "429-opening",
    ],
)
def test_a_failure_is_classified_for_retrying(
    status: int | None, code: int | None, opening_dm: bool, kind: FailureKind
):
    assert send_error(status, code, opening_dm=opening_dm).kind is kind


def test_reasons_are_written_for_organisers() -> None:
    assert send_error(403, 50013).reason == "I'm missing permissions to post there (Discord error 50013)"
    assert "Embed Links" in send_error(403, EMBEDS_DROPPED).reason
    assert send_error(None, None, "TimeoutError").reason == "couldn't reach Discord (TimeoutError)"
    assert send_error(403, 50013).status == 403
