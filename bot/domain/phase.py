"""Where an election stands in time: its phase, the next milestone, and which election is "current"."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import NamedTuple

from bot.domain.models import Election, Phase, Timeline

# Member-facing wording for each timeline field, in timeline order.
MILESTONE_LABELS: dict[str, str] = {
    "nominations_open": "Nominations open",
    "nominations_close": "Nominations close",
    "ballot_open": "Ballot opens",
    "ballot_close": "Ballot closes",
    "results": "Results",
}

_EARLIEST = datetime.min.replace(tzinfo=UTC)


class Milestone(NamedTuple):
    """A labelled timeline instant, e.g. ("Ballot closes", 2026-12-01 12:00 UTC)."""

    label: str
    at: datetime


def _check_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("`now` must be a timezone-aware datetime")


def election_phase(timeline: Timeline, now: datetime, results_published: bool = False) -> Phase:
    """The phase a member would say the election is in at `now`.

    The phase is set by the latest known milestone that has passed:

    - RESULTS once results are published (whatever the timeline says);
    - COUNTING from ballot close until results are published — even past the expected results
      date, because members cannot see results until an organiser publishes them;
    - BALLOT from ballot open to ballot close, *and also in the gap between nominations closing and
      the ballot opening*: nominations are final, the list of candidates is the ballot paper, and
      what a member is waiting for next is the vote. Use `ballot_is_open` to tell "ballot opens in
      3 days" from "vote now";
    - NOMINATIONS from nominations open until they close;
    - UPCOMING before any known milestone has passed, including when no dates are known.
    """
    _check_aware(now)
    if results_published:
        return Phase.RESULTS
    if _passed(timeline.ballot_close, now):
        return Phase.COUNTING
    if _passed(timeline.ballot_open, now) or _passed(timeline.nominations_close, now):
        return Phase.BALLOT
    if _passed(timeline.nominations_open, now):
        return Phase.NOMINATIONS
    return Phase.UPCOMING


def ballot_is_open(timeline: Timeline, now: datetime) -> bool:
    """True while members can actually vote: ballot opened (known, passed) and not yet closed."""
    _check_aware(now)
    return _passed(timeline.ballot_open, now) and not _passed(timeline.ballot_close, now)


def next_milestone(timeline: Timeline, now: datetime) -> Milestone | None:
    """The earliest known timeline event strictly after `now`, or None when nothing is ahead.

    Events at the same instant are ordered as in the timeline (nominations before ballot).
    """
    _check_aware(now)
    upcoming = [
        (at, order, MILESTONE_LABELS[name])
        for order, name in enumerate(Timeline.FIELDS)
        if (at := getattr(timeline, name)) is not None and at > now
    ]
    if not upcoming:
        return None
    at, _, label = min(upcoming)
    return Milestone(label, at)


def current_election(elections_with_phase: Iterable[tuple[Election, Phase]]) -> Election | None:
    """The guild's "current" election, for commands that don't name one.

    An election taking nominations or in its ballot phase wins; among several, the one with the
    earliest pending deadline (nominations close / ballot close; unknown deadlines last, then lowest
    id). Otherwise the most recent election: latest known timeline date, then highest id (newest
    created) — so an election with no dates yet only wins against others without dates.
    """
    pairs = list(elections_with_phase)
    if not pairs:
        return None
    active = [(e, p) for e, p in pairs if p in (Phase.NOMINATIONS, Phase.BALLOT)]
    if active:
        return min(active, key=lambda ep: _deadline_key(*ep))[0]
    return max((e for e, _ in pairs), key=_recency_key)


def _passed(at: datetime | None, now: datetime) -> bool:
    return at is not None and now >= at


def _deadline_key(election: Election, phase: Phase) -> tuple[bool, datetime, float]:
    tl = election.timeline
    deadline = tl.nominations_close if phase is Phase.NOMINATIONS else tl.ballot_close
    ident = election.id if election.id is not None else float("inf")
    return (deadline is None, deadline or _EARLIEST, ident)


def _recency_key(election: Election) -> tuple[datetime, int]:
    dates = [d for name in Timeline.FIELDS if (d := getattr(election.timeline, name)) is not None]
    return (max(dates, default=_EARLIEST), election.id if election.id is not None else -1)
