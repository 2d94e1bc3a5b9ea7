"""Rules for sending a ledger row: lateness, failures and retries, back-off, reconciling, fair turns."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from bot.domain.sources import backoff_delay


class Lateness(StrEnum):
    """How late an occurrence is when the bot gets to it."""

    ON_TIME = "on time"
    LATE = "late"
    MISSED = "missed"


ON_TIME_TOLERANCE = timedelta(minutes=1)


def lateness(due: datetime, now: datetime, grace: timedelta) -> Lateness:
    """On time within a minute, late within the grace window, missed beyond it."""
    behind = now - due
    if behind <= ON_TIME_TOLERANCE:
        return Lateness.ON_TIME
    if behind <= grace:
        return Lateness.LATE
    return Lateness.MISSED


class FailureKind(StrEnum):
    """What a failed send means for retrying."""

    TRANSIENT = "transient"  # 5xx, timeouts, connection errors: retry with backoff
    PERMANENT = "permanent"  # unknown channel, missing access/permissions: stop, alert once
    DM_CLOSED = "dm_closed"  # the member doesn't accept DMs from us: pause their reminders
    THROTTLED = "throttled"  # opening DMs too fast: the whole DM lane backs off; never the member's fault


#: Discord JSON error codes that will not go away by retrying.
PERMANENT_CODES: dict[int, str] = {
    10003: "the channel no longer exists",
    10013: "the member no longer exists",
    50001: "I can't see that channel (missing access)",
    50013: "I'm missing permissions to post there",
    50035: "Discord refused the message as invalid",
}
DM_CLOSED_CODES: dict[int, str] = {
    50007: "Discord won't let me DM you (DMs from server members are off, or you blocked the bot)",
    50278: "Discord won't let me DM you",
}


#: "You are opening direct messages too fast" (Discord's JSON error codes): a lane-wide back-off.
DM_THROTTLED_CODE = 40003


def classify_failure(status: int | None, code: int | None, *, opening_dm: bool = False) -> FailureKind:
    """Decide from an HTTP status and Discord error code (None for timeouts / connection errors).

    Only 50007/50278 are about the member; 40003, or a 429 while opening a DM channel, is about our
    pace of opening DMs, so it throttles the lane and never pauses anyone.
    """
    if code in DM_CLOSED_CODES:
        return FailureKind.DM_CLOSED
    if code == DM_THROTTLED_CODE or (opening_dm and status == 429):
        return FailureKind.THROTTLED
    if status is None or status >= 500 or status == 429 or status == 408:
        return FailureKind.TRANSIENT
    return FailureKind.PERMANENT


#: Not a Discord code: the bot saw Discord accept a post but drop its embeds (no Embed Links there).
EMBEDS_DROPPED = -50013


def failure_reason(status: int | None, code: int | None, text: str = "") -> str:
    """Organiser-facing reason for a failure."""
    if code == EMBEDS_DROPPED:
        return "I'm missing Embed Links there, so Discord dropped the post's embeds (I removed the broken post)"
    if code in DM_CLOSED_CODES:
        return DM_CLOSED_CODES[code]
    if code == DM_THROTTLED_CODE:
        return "Discord asked me to open direct messages more slowly; I'll try again shortly"
    if code in PERMANENT_CODES:
        return f"{PERMANENT_CODES[code]} (Discord error {code})"
    if status is None:
        return f"couldn't reach Discord ({text or 'timeout'})"
    if status >= 500:
        return f"Discord had a server error ({status})"
    return f"Discord refused it ({status}{f', error {code}' if code else ''})"


RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(minutes=10)


def retry_delay(attempts: int) -> timedelta:
    """Backoff after `attempts` failed tries: 30 s, 1 min, 2 min, … capped at 10 min."""
    return backoff_delay(RETRY_BASE, max(1, attempts), RETRY_CAP)


THROTTLE_BASE = timedelta(minutes=1)
THROTTLE_CAP = timedelta(minutes=15)


def throttle_delay(strikes: int) -> timedelta:
    """How long the DM lane stops opening channels after its `strikes`-th 40003 in a row: 1, 2, 4 … 15 min."""
    return backoff_delay(THROTTLE_BASE, max(1, strikes), THROTTLE_CAP)


#: Discord de-duplicates an enforced nonce only "in the past few minutes" (Create Message,
#: `enforce_nonce`). Within this margin of an attempt a retry may rely on the nonce; later, an
#: attempt whose outcome is unknown must be reconciled against the channel's messages first.
NONCE_TRUST = timedelta(minutes=2)
#: Read the channel from this long before the first attempt: our clock and Discord's may disagree.
CLOCK_SKEW = timedelta(minutes=1)


def needs_reconcile(first_attempt_at: datetime | None, now: datetime) -> bool:
    """True when an earlier attempt may have posted and the nonce can no longer be trusted to say so."""
    return first_attempt_at is not None and now - first_attempt_at > NONCE_TRUST


def message_marker(content: str, embeds: Iterable[tuple[str | None, str | None]]) -> str:
    """A fingerprint of what a message says (its text and its embeds' titles and descriptions).

    Discord does not return a message's nonce when the channel is read, so a post is recognised by
    what it says; each attempt's fingerprint is kept, since a live view may render differently.
    """
    parts = [content.strip()] + [f"{(title or '').strip()}\x1e{(text or '').strip()}" for title, text in embeds]
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).hexdigest()


K = TypeVar("K")
R = TypeVar("R")


def round_robin(items: Iterable[R], key: Callable[[R], K]) -> list[R]:
    """Interleave items by key (one of each key in turn), keeping each key's own order.

    The channel lane takes rows guild by guild, so one guild's long queue never delays another's post.
    """
    queues: dict[K, list[R]] = {}
    for item in items:
        queues.setdefault(key(item), []).append(item)
    out: list[R] = []
    depth = 0
    while len(out) < sum(len(q) for q in queues.values()):
        out.extend(q[depth] for q in queues.values() if depth < len(q))
        depth += 1
    return out
