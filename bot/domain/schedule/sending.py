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
#: How long a process's claim on a send lasts: longer than a send may take (the engine gives up on
#: Discord's answer after 30 s) plus recording it, and well inside NONCE_TRUST, so the retry of a send
#: whose process died or lost the lead usually still relies on the nonce (and reconciles first if not).
CLAIM_LEASE = timedelta(seconds=45)


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
