"""The hour-before reminder's rules: when it is due, and its ledger identity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.hustings_reminders import HustingsReminder, due_at, is_due, ledger_id, occurrence, reminder_id

START = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_due_an_hour_before_once_the_cursor_passes_it() -> None:
    r = HustingsReminder(1, 2, 3, checked_until=START - timedelta(days=1))
    assert due_at(START) == START - timedelta(hours=1)
    assert not is_due(r, START, START - timedelta(hours=1, seconds=1))
    assert is_due(r, START, START - timedelta(hours=1))
    r.checked_until = START - timedelta(hours=1)
    assert not is_due(r, START, START)  # planned already


def test_a_moved_hustings_is_another_occurrence_and_ids_never_meet_subscriptions() -> None:
    assert occurrence(2, START) != occurrence(2, START + timedelta(days=1))
    assert ledger_id(5) < 0 and reminder_id(ledger_id(5)) == 5
