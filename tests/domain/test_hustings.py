"""Hustings rules: validation, the event planner, permissions and calendar-day wording."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.hustings import (
    EventSpec,
    Hustings,
    HustingsInvalid,
    Place,
    PlaceKind,
    StoredEvent,
    check_hustings,
    day_words,
    match_candidates,
    missing_permissions,
    plan_events,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


def hustings(**changes: object) -> Hustings:
    base = Hustings(
        election_id=1,
        title="NEC hustings",
        starts_at=NOW + timedelta(days=2),
        minutes=60,
        place=Place(PlaceKind.VOICE, 5),
    )
    for key, value in changes.items():
        setattr(base, key, value)
    return base


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 101}, "100"),
        ({"starts_at": NOW - timedelta(minutes=1)}, "in the past"),
        ({"minutes": 5}, "between 15"),
        ({"place": Place(PlaceKind.EXTERNAL, location="")}, "link or address"),
        ({"place": Place(PlaceKind.EXTERNAL, location="x" * 101)}, "100"),
        ({"place": Place(PlaceKind.VOICE, None)}, "voice or stage channel"),
    ],
)
def test_bad_hustings_get_one_sentence(changes: dict[str, object], words: str) -> None:
    with pytest.raises(HustingsInvalid, match=words):
        check_hustings(hustings(**changes), NOW)


def spec(key: str, start: datetime, name: str = "Event") -> EventSpec:
    return EventSpec(key, name, "d", start, start + timedelta(hours=1), Place(PlaceKind.EXTERNAL, location="x"))


def test_planner_creates_updates_cancels_and_leaves_started_events_alone() -> None:
    ahead, later, past = NOW + timedelta(days=1), NOW + timedelta(days=3), NOW - timedelta(days=1)
    same = spec("same", ahead)
    stored = [
        StoredEvent("same", 1, same.fingerprint(), ahead),
        StoredEvent("moved", 2, "old", ahead),
        StoredEvent("gone", 3, "x", ahead),
        StoredEvent("over", 4, "x", past),
        StoredEvent("started", 5, "x", past),
    ]
    plan = plan_events([same, spec("moved", later), spec("new", later), spec("started", past, "changed")], stored, NOW)
    assert [s.key for s in plan.create] == ["new"]
    assert [(old.event_id, new.key) for old, new in plan.update] == [(2, "moved")]
    assert [s.event_id for s in plan.cancel] == [3]
    assert [s.event_id for s in plan.forget] == [4]  # passed: nothing to cancel, only forgotten
    assert plan_events([spec("late", past)], [], NOW).empty  # never created in the past


def test_missing_permissions_by_entity_type() -> None:
    assert missing_permissions(PlaceKind.EXTERNAL, {"create_events": True}, {}) == []
    assert missing_permissions(PlaceKind.EXTERNAL, {}, {}) == ["Create Events"]
    voice = {"create_events": True, "view_channel": True}
    assert missing_permissions(PlaceKind.VOICE, {}, voice) == ["Connect"]
    assert missing_permissions(PlaceKind.STAGE, {}, {"create_events": True}) == [
        "Manage Channels",
        "Mute Members",
        "Move Members",
    ]


def test_candidates_match_case_insensitively() -> None:
    assert match_candidates("ann black, JON LANSMAN,, Ann Black, Nobody", ["Ann Black", "Jon Lansman"]) == (
        ["Ann Black", "Jon Lansman"],
        ["Nobody"],
    )


@pytest.mark.parametrize(
    ("now", "then", "words"),
    [
        ("2026-12-10T09:00", "2026-12-10T17:00", "today"),
        ("2026-12-09T18:00", "2026-12-10T17:00", "tomorrow"),  # under 24 hours, yet tomorrow
        ("2026-12-06T23:30", "2026-12-10T00:30", "in 4 days"),
        ("2026-12-11T09:00", "2026-12-10T17:00", "yesterday"),
        ("2026-03-28T23:30", "2026-03-29T23:30", "tomorrow"),  # across the clocks going forward
    ],
)
def test_day_words_count_calendar_days_in_the_server_zone(now: str, then: str, words: str) -> None:
    def local(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=LONDON)

    assert day_words(local(now), local(then), LONDON) == words
