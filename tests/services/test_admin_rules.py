"""Pure moderator rules: timeline order, nomination limits, the publish rule, ids, attachments, diffs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain import admin_rules as rules
from bot.domain.models import Election, ElectionResult, ResultRound, Timeline, VotingSystem
from bot.domain.validation import ValidationError

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_timeline_order() -> None:
    rules.check_timeline(Timeline(nominations_open=NOW, ballot_close=NOW + timedelta(days=30)))
    with pytest.raises(ValidationError) as caught:
        rules.check_timeline(Timeline(nominations_close=NOW, ballot_open=NOW - timedelta(hours=1)))
    assert caught.value.field == "ballot_open"


def test_timeline_order_is_explained_in_the_server_zone() -> None:
    """#18 item 10: times typed in local time are echoed in local time, not UTC."""
    close = datetime(2027, 10, 20, 16, tzinfo=UTC)  # 17:00 in London (BST)
    with pytest.raises(ValidationError) as caught:
        rules.check_timeline(Timeline(nominations_close=close, ballot_open=close - timedelta(days=1)), "Europe/London")
    assert "nominations close (2027-10-20 17:00 BST)" in str(caught.value) and "UTC" not in str(caught.value)


def test_nomination_warnings() -> None:
    e = Election(1, "nec", "NEC", 2, VotingSystem.BLOC, timeline=Timeline(NOW, NOW + timedelta(days=7)))
    assert rules.nomination_warnings(e, already_nominated=1, on=NOW.date()) == []
    assert "2 seat(s)" in rules.nomination_warnings(e, already_nominated=2, on=None)[0]
    assert rules.nomination_warnings(e, already_nominated=2, on=None, already_this_pair=True) == []
    [early] = rules.nomination_warnings(e, already_nominated=0, on=date(2026, 11, 1))
    assert "before nominations open" in early


def test_publish_rule() -> None:
    result = ElectionResult(rounds=[ResultRound({"A": 10, "B": 5})])
    fp = rules.result_fingerprint(result)
    assert rules.decide_publish(two_person=False, actor_id=1, pending=None, fingerprint=fp, now=NOW).publish_now
    assert not rules.decide_publish(two_person=True, actor_id=1, pending=None, fingerprint=fp, now=NOW).publish_now
    request = rules.PublishRequest(7, 1, "mod", NOW, fp)
    with pytest.raises(ValidationError, match="different moderator"):
        rules.decide_publish(two_person=True, actor_id=1, pending=request, fingerprint=fp, now=NOW)
    ok = rules.decide_publish(two_person=True, actor_id=2, pending=request, fingerprint=fp, now=NOW)
    assert ok.publish_now and ok.confirms is request
    stale = rules.decide_publish(two_person=True, actor_id=2, pending=request, fingerprint="other", now=NOW)
    later = NOW + timedelta(days=2)
    old = rules.decide_publish(two_person=True, actor_id=2, pending=request, fingerprint=fp, now=later)
    assert not stale.publish_now and not old.publish_now
    assert fp != rules.result_fingerprint(ElectionResult(rounds=[ResultRound({"A": 10, "B": 6})]))


def test_ids_attachments_and_diffs() -> None:
    assert rules.update_ids([1, 2], add=[2, 3]) == [1, 2, 3]
    assert rules.update_ids([1, 2, 3], remove=[2]) == [1, 3]
    assert rules.check_attachment("Pack.JSON", 10) == "json"
    with pytest.raises(ValidationError, match=r"\.json pack or a \.csv"):
        rules.check_attachment("pack.xlsx", 10)
    with pytest.raises(ValidationError, match="5 MB"):
        rules.check_attachment("a.csv", rules.MAX_ATTACHMENT_BYTES + 1)
    assert rules.diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == [("b", 2, 3), ("c", None, 4)]
    e = Election(1, "nec", "NEC", 2, VotingSystem.STV, timeline=Timeline(results=NOW), id=5)
    snap = rules.snapshot(e)
    assert "id" not in snap and snap["voting_system"] == "stv" and snap["results"] == "2026-11-24T12:00:00+00:00"
    assert rules.echo("**x**\n@everyone", 50) == "\\*\\*x\\*\\* @\u200beveryone"
    assert rules.parse_links("Site https://a.org\nhttps://b.org/x") == {
        "Site": "https://a.org",
        "b.org": "https://b.org/x",
    }
