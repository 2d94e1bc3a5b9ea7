"""The sandbox's view of the server's Events list: what the bot created, changed or cancelled."""

from __future__ import annotations

from datetime import tzinfo

from bot.sandbox.terminal import local_text
from bot.sim.models import SimChannel
from bot.sim.rest_events import CANCELED, EXTERNAL, SimScheduledEvent
from bot.sim.rest_threads import THREAD_TYPES

Seen = dict[int, tuple[object, ...]]

STATUS = {1: "scheduled", 2: "happening now", 3: "over", 4: "cancelled"}


def _state(event: SimScheduledEvent) -> tuple[object, ...]:
    return (event.name, event.start, event.end, event.entity_type, event.channel_id, event.location, event.status)


def event_changes(
    seen: Seen, events: list[SimScheduledEvent], channel_names: dict[int, str], zone: tzinfo | None = None
) -> list[str]:
    """One line per event created, changed or cancelled since the last call (updates `seen`)."""
    lines = []
    for event in sorted(events, key=lambda e: (e.start, e.id)):
        state = _state(event)
        before = seen.get(event.id)
        if before == state:
            continue
        seen[event.id] = state
        where = event.location if event.entity_type == EXTERNAL else "#" + channel_names.get(event.channel_id or 0, "?")
        when = local_text(event.start, zone=zone)  # in the server's zone, as members see it
        if before is None:
            verb = "created"
        elif event.status == CANCELED:
            verb = "cancelled"
        else:
            verb = "updated"
        lines.append(f"Event {verb}: {event.name} — {when} — {where} ({STATUS.get(event.status, '?')})")
    return lines


def thread_changes(seen: set[int], channels: list[SimChannel], channel_names: dict[int, str]) -> list[str]:
    """One line per thread the bot started since the last call (updates `seen`)."""
    lines = []
    for thread in sorted((c for c in channels if c.type in THREAD_TYPES), key=lambda c: c.id):
        if thread.id in seen:
            continue
        seen.add(thread.id)
        lines.append(f"Thread created: {thread.name} — in #{channel_names.get(thread.parent_id or 0, '?')}")
    return lines
