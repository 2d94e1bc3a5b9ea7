"""Hustings meetings, the Discord events mirroring them and the election's milestones, and calendar entries.

Plain rules only: what a valid hustings is, which scheduled events a guild should have for an election,
how the stored events differ from those (create / update / cancel), and calendar-day wording.
No discord, no SQL: the service layer reads and writes, the Discord adapter calls the API.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.limits import EVENT_DESCRIPTION_MAX, EVENT_LOCATION_MAX, EVENT_NAME_MAX
from bot.domain.models import Body, Election

#: How long a hustings may run, in minutes (a sanity range, not Discord's).
MIN_MINUTES = 15
MAX_MINUTES = 8 * 60
#: How long a milestone's event lasts: external events need an end time.
MILESTONE_LENGTH = timedelta(hours=1)

#: The milestones that become events, with the words members see.
MILESTONES: tuple[tuple[str, str], ...] = (
    ("nominations_close", "Nominations close"),
    ("ballot_open", "Ballot opens"),
    ("ballot_close", "Ballot closes"),
    ("results", "Results due"),
)


class PlaceKind(StrEnum):
    """Where a hustings happens, as Discord's scheduled-event entity types name it."""

    STAGE = "stage"  # entity type 1: a stage channel of the server
    VOICE = "voice"  # entity type 2: a voice channel of the server
    EXTERNAL = "external"  # entity type 3: a link or an address

    @property
    def entity_type(self) -> int:
        """Discord's entity type value."""
        return {PlaceKind.STAGE: 1, PlaceKind.VOICE: 2, PlaceKind.EXTERNAL: 3}[self]


class HustingsInvalid(ValueError):
    """A hustings as typed cannot be scheduled; the message is one sentence for the organiser."""


@dataclass(frozen=True, slots=True)
class Place:
    """A voice/stage channel of the server, or an external link or address."""

    kind: PlaceKind
    channel_id: int | None = None
    location: str = ""

    def describe(self) -> str:
        """How members join, for embeds (channels as mentions)."""
        if self.kind is PlaceKind.EXTERNAL:
            return self.location
        return f"<#{self.channel_id}>"


@dataclass(slots=True)
class Hustings:
    """One hustings meeting of an election."""

    election_id: int
    title: str
    starts_at: datetime
    minutes: int
    place: Place
    candidates: list[str] = field(default_factory=list)  # empty: everyone on the ballot
    chair: str = ""
    cancelled: bool = False
    id: int | None = None
    guild_id: int | None = None

    @property
    def ends_at(self) -> datetime:
        """When the meeting is due to end."""
        return self.starts_at + timedelta(minutes=self.minutes)


def check_hustings(h: Hustings, now: datetime) -> None:
    """Raise HustingsInvalid with one sentence when `h` cannot be scheduled as it stands."""
    title = h.title.strip()
    if not title:
        raise HustingsInvalid("Give the hustings a title.")
    if len(title) > EVENT_NAME_MAX:
        raise HustingsInvalid(f"The title is {len(title)} characters; keep it to {EVENT_NAME_MAX}.")
    if h.starts_at <= now:
        raise HustingsInvalid("That time is in the past. Pick a time from now on.")
    if not MIN_MINUTES <= h.minutes <= MAX_MINUTES:
        raise HustingsInvalid(f"A hustings lasts between {MIN_MINUTES} and {MAX_MINUTES} minutes.")
    if h.place.kind is PlaceKind.EXTERNAL:
        location = h.place.location.strip()
        if not location:
            raise HustingsInvalid("Say where the hustings is: a voice or stage channel, or a link or address.")
        if len(location) > EVENT_LOCATION_MAX:
            raise HustingsInvalid(f"The link or address is {len(location)} characters; keep it to 100.")
    elif h.place.channel_id is None:
        raise HustingsInvalid("Pick the voice or stage channel the hustings is held in.")
    if len(h.chair) > 100:
        raise HustingsInvalid("Keep the chair's name to 100 characters.")


def taking_part(h: Hustings, on_ballot: Sequence[str]) -> list[str]:
    """The candidates taking part: those named, or everyone on the ballot."""
    return list(h.candidates) if h.candidates else list(on_ballot)


def match_candidates(typed: str, known: Iterable[str]) -> tuple[list[str], list[str]]:
    """Comma-separated names matched (case-insensitively) to the election's candidates: (found, unknown)."""
    by_fold = {name.casefold(): name for name in known}
    found: list[str] = []
    unknown: list[str] = []
    for part in typed.split(","):
        name = " ".join(part.split())
        if not name:
            continue
        hit = by_fold.get(name.casefold())
        if hit is None:
            unknown.append(name)
        elif hit not in found:
            found.append(hit)
    return found, unknown


# --------------------------------------------------------------------------- Discord scheduled events


@dataclass(frozen=True, slots=True)
class EventSpec:
    """One scheduled event the guild should have, keyed by what it mirrors."""

    key: str  # "hustings:<id>" or "milestone:<election id>:<field>"
    name: str
    description: str
    start: datetime
    end: datetime
    place: Place

    def fingerprint(self) -> str:
        """A short hash of everything sent to Discord: a change means the event needs an update."""
        data = [
            self.name,
            self.description,
            self.start.isoformat(),
            self.end.isoformat(),
            self.place.kind.value,
            self.place.channel_id,
            self.place.location,
        ]
        return hashlib.sha256(json.dumps(data).encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A scheduled event the bot created earlier, as it remembers it."""

    key: str
    event_id: int
    fingerprint: str
    start: datetime


@dataclass(slots=True)
class EventPlan:
    """What to do to bring the guild's events in line: create, update, cancel, and rows to forget."""

    create: list[EventSpec] = field(default_factory=list)
    update: list[tuple[StoredEvent, EventSpec]] = field(default_factory=list)
    cancel: list[StoredEvent] = field(default_factory=list)
    forget: list[StoredEvent] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when nothing needs doing."""
        return not (self.create or self.update or self.cancel or self.forget)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def milestone_events(election: Election, location: str) -> list[EventSpec]:
    """An external event per known milestone of the election (past ones too: the planner skips them)."""
    assert election.id is not None
    specs = []
    for name, label in MILESTONES:
        start = getattr(election.timeline, name)
        if start is None:
            continue
        specs.append(
            EventSpec(
                key=f"milestone:{election.id}:{name}",
                name=_clip(f"{election.name}: {label.lower()}", EVENT_NAME_MAX),
                description=_clip(f"{label} for {election.name}. Details: /election info", EVENT_DESCRIPTION_MAX),
                start=start,
                end=start + MILESTONE_LENGTH,
                place=Place(PlaceKind.EXTERNAL, location=_clip(location, EVENT_LOCATION_MAX)),
            )
        )
    return specs


def hustings_event(h: Hustings, election_name: str, speakers: Sequence[str]) -> EventSpec:
    """The scheduled event for one hustings."""
    assert h.id is not None
    lines = [f"A hustings for {election_name}."]
    if speakers:
        lines.append("Taking part: " + ", ".join(speakers) + ".")
    if h.chair:
        lines.append(f"Chair: {h.chair}.")
    lines.append("Details: /hustings info")
    return EventSpec(
        key=f"hustings:{h.id}",
        name=_clip(h.title.strip(), EVENT_NAME_MAX),
        description=_clip(" ".join(lines), EVENT_DESCRIPTION_MAX),
        start=h.starts_at,
        end=h.ends_at,
        place=h.place,
    )


def plan_events(desired: Iterable[EventSpec], stored: Iterable[StoredEvent], now: datetime) -> EventPlan:
    """Compare the events the guild should have with those the bot made.

    Events that have started are left alone (Discord moves them on by itself and refuses to move a
    start into the past); a stored event whose subject went away is cancelled if it is still ahead,
    else only forgotten.
    """
    plan = EventPlan()
    wanted = {spec.key: spec for spec in desired}
    have = {s.key: s for s in stored}
    for key, spec in wanted.items():
        old = have.get(key)
        if old is None:
            if spec.start > now:
                plan.create.append(spec)
        elif old.start > now and spec.start > now and old.fingerprint != spec.fingerprint():
            plan.update.append((old, spec))
        elif old.start > now and spec.start <= now:
            plan.cancel.append(old)  # moved into the past: Discord would refuse the update
    for key, old in have.items():
        if key not in wanted:
            (plan.cancel if old.start > now else plan.forget).append(old)
    return plan


# --------------------------------------------------------------------------- permissions


#: Discord's permissions for creating a scheduled event, by entity type (docs:
#: developers/resources/guild-scheduled-event.mdx, "Guild Scheduled Event Permissions Requirements").
#: Names as Discord's client shows them; the bot only ever edits events it created, for which the same
#: "Create Events" suffices.
EVENT_PERMISSIONS: dict[PlaceKind, tuple[tuple[str, str, bool], ...]] = {
    # (flag name, name shown, needed in the channel rather than server-wide)
    PlaceKind.EXTERNAL: (("create_events", "Create Events", False),),
    PlaceKind.VOICE: (
        ("create_events", "Create Events", True),
        ("view_channel", "View Channel", True),
        ("connect", "Connect", True),
    ),
    PlaceKind.STAGE: (
        ("create_events", "Create Events", True),
        ("manage_channels", "Manage Channels", True),
        ("mute_members", "Mute Members", True),
        ("move_members", "Move Members", True),
    ),
}


def missing_permissions(
    kind: PlaceKind, guild_flags: Mapping[str, bool], channel_flags: Mapping[str, bool]
) -> list[str]:
    """The names of the permissions the bot lacks for events of this kind (empty: it may)."""
    missing = []
    for flag, shown, in_channel in EVENT_PERMISSIONS[kind]:
        flags = channel_flags if in_channel else guild_flags
        if not flags.get(flag, False):
            missing.append(shown)
    return missing


def missing_sentence(missing: Sequence[str], where: str = "this server") -> str:
    """One sentence naming the permissions the bot needs to keep events in Discord's Events list."""
    names = (
        " and ".join(f"**{m}**" for m in missing)
        if len(missing) < 3
        else (", ".join(f"**{m}**" for m in missing[:-1]) + f" and **{missing[-1]}**")
    )
    noun = "permission" if len(missing) == 1 else "permissions"
    return f"I need the {names} {noun} in {where} to put events in the server's Events list; ask an admin to grant it."


# --------------------------------------------------------------------------- calendars


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One calendar event: a stable UID so a re-import updates rather than duplicates."""

    uid: str
    summary: str
    start: datetime
    end: datetime
    description: str = ""
    location: str = ""


def election_calendar(
    election: Election, hustings: Iterable[Hustings], guild_id: int, where: Mapping[int, str]
) -> list[CalendarEntry]:
    """The election's milestones and live hustings as calendar entries (`where`: channel id → name)."""
    entries = []
    for spec in milestone_events(election, election.name):
        entries.append(
            CalendarEntry(
                uid=f"{spec.key.replace(':', '-')}-{guild_id}@hustings",
                summary=spec.name,
                start=spec.start,
                end=spec.end,
                description=f"{spec.name}.",
            )
        )
    for h in hustings:
        if h.cancelled or h.id is None:
            continue
        place = h.place.location if h.place.kind is PlaceKind.EXTERNAL else where.get(h.place.channel_id or 0, "")
        entries.append(
            CalendarEntry(
                uid=f"hustings-{h.id}-{guild_id}@hustings",
                summary=h.title,
                start=h.starts_at,
                end=h.ends_at,
                description=f"A hustings for {election.name}.",
                location=place,
            )
        )
    return sorted(entries, key=lambda e: e.start)


def meeting_calendar(body: Body, guild_id: int, length: timedelta = timedelta(hours=2)) -> list[CalendarEntry]:
    """A branch's next nomination meeting as a calendar entry (none when it has no meeting date)."""
    if body.meeting is None:
        return []
    ident = body.id if body.id is not None else hashlib.sha256(body.name.encode()).hexdigest()[:12]
    return [
        CalendarEntry(
            uid=f"meeting-{ident}-{guild_id}@hustings",
            summary=f"{body.name}: nomination meeting",
            start=body.meeting,
            end=body.meeting + length,
            description=f"{body.name}'s nomination meeting.",
        )
    ]


# --------------------------------------------------------------------------- calendar-day wording


def days_between(now: datetime, then: datetime, zone: ZoneInfo) -> int:
    """Calendar days from `now` to `then` in the server's zone (0: the same day; negative: past)."""
    today: date = now.astimezone(zone).date()
    return (then.astimezone(zone).date() - today).days


def day_words(now: datetime, then: datetime, zone: ZoneInfo) -> str:
    """'today', 'tomorrow', 'in 4 days', 'yesterday', '3 days ago' by calendar day in the server's zone."""
    days = days_between(now, then, zone)
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"
