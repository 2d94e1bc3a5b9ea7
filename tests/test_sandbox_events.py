"""The sandbox prints the events the bot puts in the server's Events list, and saves the calendar file."""

from __future__ import annotations

from pathlib import Path

import icalendar

from tests.test_sandbox import sandbox


def test_sandbox_prints_created_events_and_saves_calendar(tmp_path: Path) -> None:
    result = sandbox(
        tmp_path,
        ":as organiser",
        "/hustings schedule title: Members' hustings when: in 3 days channel: hustings-hall",
        "/election calendar",
    )
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "Event created: Members' hustings" in out
    assert "nominations close" in out and "#hustings-hall" in out
    [ics] = list((tmp_path / "out").glob("*.ics"))
    summaries = [str(e["summary"]) for e in icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")]
    assert "Members' hustings" in summaries


def test_sandbox_prints_the_questions_thread(tmp_path: Path) -> None:
    result = sandbox(
        tmp_path,
        ":as organiser",
        "/hustings schedule title: Members' hustings when: in 3 days location: Town hall",
        ":as member",
        "/ask hustings: 1 question: What will you do first?",
    )
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "Thread created: Questions: Members' hustings — in #general" in out
    assert "What will you do first?" in out
