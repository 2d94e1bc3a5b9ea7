"""#18 item 12: what the audit log and lists show is written for people, not the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.audit import AuditEntry
from bot.domain.schedule.reminders import describe_offsets
from bot.render.admin import audit_line, change_lines


def test_change_lines_show_mentions_timestamps_words_and_no_ids() -> None:
    after = {
        "channel": 1576952427184259076,
        "election_id": 2,
        "first": "2026-12-01T18:00:00+00:00",
        "offsets": {"ballot_close": ["1 day"], "nominations_close": ["7 days", "1 day"]},
    }
    text = "\n".join(change_lines(None, after))
    assert "**channel**: <#1576952427184259076>" in text
    assert "election_id" not in text and "election id" not in text
    assert "<t:1796148000:F>" in text and "2026-12-01T18" not in text
    assert "ballot closes: 1 day; nominations close: 7 days, 1 day" in text
    assert "[" not in text and "'" not in text


def test_audit_line_says_what_was_done() -> None:
    entry = AuditEntry(
        id=1,
        denied=False,
        guild_id=1,
        actor_id=2,
        actor_name="mo",
        action="announce.schedule",
        entity="3",
        before=None,
        after={"channel": 5},
        at=datetime(2026, 12, 1, tzinfo=UTC),
    )
    line = audit_line(entry)
    assert "**mo** scheduled announcement **3**" in line and "announce.schedule" not in line


def test_offsets_read_as_words_in_timeline_order() -> None:
    text = describe_offsets(
        {"ballot_close": (timedelta(days=1),), "nominations_close": (timedelta(days=7), timedelta(hours=1))}
    )
    assert text == "nominations close: 7 days, 1 hour before · ballot closes: 1 day before"
    assert describe_offsets({"ballot_open": (timedelta(0),)}) == "ballot opens: at the time"


def test_history_names_the_candidate_of_a_milestone() -> None:
    from bot.domain.schedule.ledger import Delivery, DeliveryStatus, Lane, Source
    from bot.render.announcements import history_line

    row = Delivery(
        guild_id=1,
        source=Source.ELECTION,
        source_id=2,
        occurrence="milestone:Zoë Example",
        due_at=datetime(2026, 12, 1, tzinfo=UTC),
        lane=Lane.CHANNEL,
        channel_id=3,
        detail={"kind": "milestone", "candidate": "Zoë Example"},
        status=DeliveryStatus.SKIPPED,
        reason="already past when reminders were switched on",
    )
    assert "milestone: Zoë Example reached the threshold" in history_line(row)
