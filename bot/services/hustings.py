"""Hustings meetings and the Discord scheduled events kept for them and for each election's milestones.

Organisers schedule, edit and cancel hustings; members list them. After every change (and at start)
`sync` compares the events the guild should have with those the bot made (ids kept in the database)
and creates, updates or cancels only the difference, so an event is never duplicated.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from bot.clock import Clock
from bot.domain.access import Actor, Level
from bot.domain.audit import AuditEntry
from bot.domain.hustings import (
    CalendarEntry,
    EventSpec,
    Hustings,
    HustingsInvalid,
    Place,
    PlaceKind,
    StoredEvent,
    check_hustings,
    election_calendar,
    hustings_event,
    match_candidates,
    milestone_events,
    missing_sentence,
    plan_events,
    taking_part,
)
from bot.domain.models import CandidateStatus
from bot.domain.standing import ON_BALLOT_STANDINGS
from bot.domain.timeparse import TimeParseError, parse_time
from bot.errors import NotFound, UserError
from bot.services.access import AccessService
from bot.services.audit_trail import record_change, switch_election_flag
from bot.services.read.model import ReadModel
from bot.services.read.snapshot import ElectionData
from bot.store import hustings as repo
from bot.store import meta
from bot.store.database import Database
from bot.store.engine import Connection

log = logging.getLogger(__name__)


class EventGateway(Protocol):
    """Discord's scheduled events, as the service needs them (the real adapter or a test's)."""

    async def existing(self, guild_id: int) -> set[int] | None:
        """Ids of the guild's scheduled events (None: the guild cannot be read now)."""
        ...

    async def create(self, guild_id: int, spec: EventSpec) -> int:
        """Create an event; returns its id."""
        ...

    async def edit(self, guild_id: int, event_id: int, spec: EventSpec) -> None:
        """Bring an event in line with `spec`."""
        ...

    async def cancel(self, guild_id: int, event_id: int) -> None:
        """Mark an event cancelled (members who were interested see it cancelled)."""
        ...

    def missing(self, guild_id: int, kind: PlaceKind, channel_id: int | None) -> list[str] | None:
        """Permissions the bot lacks for events of this kind (None: the guild is not known yet)."""
        ...


@dataclass(frozen=True, slots=True)
class HustingsView:
    """One hustings as members see it."""

    hustings: Hustings
    election_name: str
    election_slug: str
    speakers: tuple[str, ...]
    event_id: int | None
    post_note: str = ""  # for the organiser who scheduled it: why it was not announced, when it wasn't


class PostHook(Protocol):
    """The public hustings post (`bot/services/hustings_posts.py`): queued with a new hustings, edited after."""

    async def queue(self, tx: Connection, h: Hustings, now: datetime) -> str:
        """Queue the post in the hustings' transaction; '' or the organiser's one sentence."""
        ...

    def kick(self) -> None:
        """Wake the delivery engine."""
        ...

    async def changed(self, guild_id: int, hustings_id: int) -> None:
        """Edit the post to match the hustings (edited or cancelled)."""
        ...


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one sync did, for logs, the sandbox and tests."""

    created: int = 0
    updated: int = 0
    cancelled: int = 0
    failed: int = 0


class HustingsService:
    """Hustings use-cases and the scheduled-events reconciler."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        reads: ReadModel,
        access: AccessService,
        default_zone: str,
        *,
        gateway: EventGateway | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.reads = reads
        self.access = access
        self.default_zone = default_zone
        self.gateway = gateway  # Discord's scheduled events (None: nothing to mirror, e.g. the command line)
        self._locks: dict[int, asyncio.Lock] = {}
        #: The public hustings post, announced and kept up to date (None: no posts, e.g. the command line).
        self.posts: PostHook | None = None

    # ------------------------------------------------------------------ helpers

    async def _zone(self, guild_id: int) -> str:
        settings = await meta.get_settings(self.db.reader, guild_id)
        return settings.timezone or self.default_zone

    async def _election(self, guild_id: int, election: str | None) -> ElectionData:
        snap = await self.reads.snapshot(guild_id)
        return self.reads.resolve_election(snap, election, self.clock.now())

    def _on_ballot(self, data: ElectionData) -> list[str]:
        """Who takes part by default: those on the ballot, or before it is known everyone still standing."""
        on_ballot = [c.name for c in data.candidates if self.reads.row(data, c).status in ON_BALLOT_STANDINGS]
        return on_ballot or [c.name for c in data.candidates if c.status is not CandidateStatus.WITHDRAWN]

    def speakers(self, data: ElectionData) -> list[str]:
        """The candidates who speak for an election: those on the ballot (or, before it is known, standing)."""
        return self._on_ballot(data)

    async def _get(self, guild_id: int, hustings_id: int) -> Hustings:
        found = await repo.get(self.db.reader, guild_id, hustings_id)
        if found is None or found.cancelled:
            raise NotFound("There's no such hustings here. Pick one from the list (`/hustings list`).")
        return found

    def _check_permissions(self, guild_id: int, place: Place) -> None:
        """Refuse, naming the permission, when events are on and the bot could not create this one."""
        if self.gateway is None:
            return
        missing = self.gateway.missing(guild_id, place.kind, place.channel_id)
        if missing:
            where = "that channel" if place.kind is not PlaceKind.EXTERNAL else "this server"
            raise UserError(
                missing_sentence(missing, where) + " Or switch events off with `/hustings events state: off`."
            )

    def _place(self, channel_id: int | None, channel_kind: PlaceKind | None, location: str | None) -> Place:
        if channel_id is not None and location:
            raise UserError("Give either a channel or a link/address, not both.")
        if channel_id is not None:
            return Place(channel_kind or PlaceKind.VOICE, channel_id=channel_id)
        return Place(PlaceKind.EXTERNAL, location=(location or "").strip())

    @staticmethod
    def _taking_part(data: ElectionData, text: str) -> list[str]:
        """The candidates named in `text` (comma-separated), refused if any does not stand in the election."""
        found, unknown = match_candidates(text, [c.name for c in data.candidates])
        if unknown:
            raise UserError(f"No candidate called {', '.join(unknown)} stands in {data.election.name}.")
        return found

    def _when(self, text: str, zone: str, now: datetime) -> datetime:
        try:
            return parse_time(text, zone, now)
        except TimeParseError as exc:
            raise UserError(f"`when`: {exc}") from None

    # ------------------------------------------------------------------ organisers

    async def schedule(
        self,
        actor: Actor,
        *,
        election: str | None,
        title: str,
        when: str,
        minutes: int,
        channel_id: int | None = None,
        channel_kind: PlaceKind | None = None,
        location: str | None = None,
        candidates: str | None = None,
        chair: str | None = None,
    ) -> HustingsView:
        """Store a new hustings (checked first: nothing is stored on bad input) and mirror it as an event."""
        await self.access.require(actor, Level.ORGANISER, "hustings.schedule")
        guild_id = actor.guild_id
        now = self.clock.now()
        data = await self._election(guild_id, election)
        assert data.election.id is not None
        names = self._taking_part(data, candidates) if candidates else []
        h = Hustings(
            election_id=data.election.id,
            title=" ".join(title.split()),
            starts_at=self._when(when, await self._zone(guild_id), now),
            minutes=minutes,
            place=self._place(channel_id, channel_kind, location),
            candidates=names,
            chair=" ".join((chair or "").split()),
            guild_id=guild_id,
        )
        _check(h, now)
        if await repo.events_on(self.db.reader, data.election.id):
            self._check_permissions(guild_id, h.place)
        note = ""
        async with self.db.transaction() as tx:
            h.id = await repo.insert(tx, guild_id, h, now)
            if self.posts is not None:
                note = await self.posts.queue(tx, h, now)
            await record_change(tx, actor, "hustings.schedule", f"hustings #{h.id}", after=_audit_row(h), at=now)
        if self.posts is not None:
            self.posts.kick()
        await self.sync(guild_id)
        return replace(await self.info(guild_id, h.id), post_note=note)

    async def edit(
        self,
        actor: Actor,
        hustings_id: int,
        *,
        title: str | None = None,
        when: str | None = None,
        minutes: int | None = None,
        channel_id: int | None = None,
        channel_kind: PlaceKind | None = None,
        location: str | None = None,
        candidates: str | None = None,
        chair: str | None = None,
    ) -> HustingsView:
        """Change what was given; the event follows."""
        await self.access.require(actor, Level.ORGANISER, "hustings.edit", f"hustings #{hustings_id}")
        guild_id = actor.guild_id
        now = self.clock.now()
        old = await self._get(guild_id, hustings_id)
        if old.ends_at <= now:
            raise UserError("That hustings has already taken place.")
        new = replace(old)
        if title is not None:
            new.title = " ".join(title.split())
        if when is not None:
            new.starts_at = self._when(when, await self._zone(guild_id), now)
        if minutes is not None:
            new.minutes = minutes
        if channel_id is not None or location:
            new.place = self._place(channel_id, channel_kind, location)
        if candidates is not None:
            snap = await self.reads.snapshot(guild_id)
            data = next(d for d in snap.elections if d.election.id == old.election_id)
            new.candidates = self._taking_part(data, candidates)  # "" clears the list: everyone on the ballot
        if chair is not None:
            new.chair = " ".join(chair.split())
        _check(new, now if new.starts_at != old.starts_at else min(now, old.starts_at))
        if new.place != old.place and await repo.events_on(self.db.reader, old.election_id):
            self._check_permissions(guild_id, new.place)
        async with self.db.transaction() as tx:
            await repo.update(tx, new)
            await record_change(
                tx,
                actor,
                "hustings.edit",
                f"hustings #{hustings_id}",
                before=_audit_row(old),
                after=_audit_row(new),
                at=now,
            )
        await self.sync(guild_id)
        if self.posts is not None:
            await self.posts.changed(guild_id, hustings_id)
        return await self.info(guild_id, hustings_id)

    async def cancel(self, actor: Actor, hustings_id: int) -> Hustings:
        """Cancel a hustings; its event is cancelled too."""
        await self.access.require(actor, Level.ORGANISER, "hustings.cancel", f"hustings #{hustings_id}")
        old = await self._get(actor.guild_id, hustings_id)
        new = replace(old, cancelled=True)
        async with self.db.transaction() as tx:
            await repo.update(tx, new)
            await record_change(
                tx, actor, "hustings.cancel", f"hustings #{hustings_id}", before=_audit_row(old), at=self.clock.now()
            )
        await self.sync(actor.guild_id)
        if self.posts is not None:
            await self.posts.changed(actor.guild_id, hustings_id)
        return new

    async def switch_events(self, actor: Actor, election: str | None, on: bool) -> tuple[str, SyncReport]:
        """Switch an election's Discord events on (the bot's permission checked first) or off."""
        await self.access.require(actor, Level.ORGANISER, "hustings.events")
        data = await self._election(actor.guild_id, election)
        assert data.election.id is not None
        if on:
            self._check_permissions(actor.guild_id, Place(PlaceKind.EXTERNAL, location="-"))
            for h in await repo.list_for_guild(self.db.reader, actor.guild_id):
                if h.election_id == data.election.id and h.starts_at > self.clock.now():
                    self._check_permissions(actor.guild_id, h.place)
        await switch_election_flag(
            self.db,
            actor,
            "hustings.events",
            data.election.slug,
            "events",
            data.election.id,
            on,
            read=repo.events_on,
            write=repo.set_events_on,
            at=self.clock.now(),
        )
        return data.election.name, await self.sync(actor.guild_id)

    # ------------------------------------------------------------------ members

    async def upcoming(self, guild_id: int, election: str | None = None) -> list[HustingsView]:
        """Upcoming (and running) hustings, of one election when named."""
        now = self.clock.now()
        snap = await self.reads.snapshot(guild_id)
        only = self.reads.resolve_election(snap, election, now).election.id if election else None
        events = {e.key: e.event_id for e in await repo.stored_events(self.db.reader, guild_id)}
        by_id = {d.election.id: d for d in snap.elections}
        out = []
        for h in await repo.list_for_guild(self.db.reader, guild_id):
            data = by_id.get(h.election_id)
            if data is None or h.ends_at <= now or (only is not None and h.election_id != only):
                continue
            out.append(self._view(h, data, events))
        return out

    async def info(self, guild_id: int, hustings_id: int) -> HustingsView:
        """One hustings with who takes part and how to join."""
        h = await self._get(guild_id, hustings_id)
        snap = await self.reads.snapshot(guild_id)
        data = next((d for d in snap.elections if d.election.id == h.election_id), None)
        if data is None:
            raise NotFound("There's no such hustings here. Pick one from the list (`/hustings list`).")
        events = {e.key: e.event_id for e in await repo.stored_events(self.db.reader, guild_id)}
        return self._view(h, data, events)

    async def view_of(self, guild_id: int, h: Hustings) -> HustingsView:
        """A hustings as members see it, cancelled or not (its post shows a cancellation)."""
        snap = await self.reads.snapshot(guild_id)
        data = next((d for d in snap.elections if d.election.id == h.election_id), None)
        if data is None:
            raise NotFound("There's no such hustings here. Pick one from the list (`/hustings list`).")
        events = {e.key: e.event_id for e in await repo.stored_events(self.db.reader, guild_id)}
        return self._view(h, data, events)

    def _view(self, h: Hustings, data: ElectionData, events: dict[str, int]) -> HustingsView:
        return HustingsView(
            hustings=h,
            election_name=data.election.name,
            election_slug=data.election.slug,
            speakers=tuple(taking_part(h, self._on_ballot(data))),
            event_id=events.get(f"hustings:{h.id}"),
        )

    async def complete(self, guild_id: int, current: str) -> list[tuple[str, str]]:
        """Autocomplete: (label, id) of upcoming hustings matching what was typed."""
        views = await self.upcoming(guild_id)
        typed = current.casefold().strip()
        pairs = []
        for v in views:
            label = f"{v.hustings.title} · {v.hustings.starts_at:%d %b %H:%M} UTC"
            if typed in label.casefold():
                pairs.append((label, str(v.hustings.id)))
        return pairs[:25]

    async def calendar(
        self, guild_id: int, election: str | None, where: Mapping[int, str] | None = None
    ) -> tuple[str, str, list[CalendarEntry]]:
        """(election name, slug, entries): milestones and hustings for an `.ics` file (`where`: channel names)."""
        data = await self._election(guild_id, election)
        hustings = [h for h in await repo.list_for_guild(self.db.reader, guild_id) if h.election_id == data.election.id]
        entries = election_calendar(data.election, hustings, guild_id, where or {})
        return data.election.name, data.election.slug, entries

    # ------------------------------------------------------------------ scheduled events

    async def desired(self, guild_id: int) -> list[EventSpec]:
        """Every event the guild should have: milestones and hustings of elections whose events are on."""
        snap = await self.reads.snapshot(guild_id)
        hustings = await repo.list_for_guild(self.db.reader, guild_id)
        specs: list[EventSpec] = []
        for data in snap.elections:
            assert data.election.id is not None
            if not await repo.events_on(self.db.reader, data.election.id):
                continue
            specs.extend(milestone_events(data.election, "Details: /election info"))
            speakers = self._on_ballot(data)
            for h in hustings:
                if h.election_id == data.election.id:
                    specs.append(hustings_event(h, data.election.name, taking_part(h, speakers)))
        return specs

    async def sync(self, guild_id: int, *, reconcile: bool = False) -> SyncReport:
        """Create, update and cancel the guild's events so they match the data (one sync per guild at a time).

        With `reconcile` (at start) the guild's event list is read first, so an event deleted by hand in
        Discord is made again rather than edited in vain.
        """
        gateway = self.gateway
        if gateway is None:
            return SyncReport()
        lock = self._locks.setdefault(guild_id, asyncio.Lock())
        async with lock:
            stored = await repo.stored_events(self.db.reader, guild_id)
            if not stored and gateway.missing(guild_id, PlaceKind.EXTERNAL, None) != []:
                return SyncReport()  # no permission (or guild not seen yet) and nothing to keep up: no calls
            if reconcile:
                present = await gateway.existing(guild_id)
                if present is None:
                    return SyncReport()
                gone = [s for s in stored if s.event_id not in present]
                if gone:
                    async with self.db.transaction() as tx:
                        for s in gone:
                            await repo.forget_event(tx, guild_id, s.key)
                    stored = [s for s in stored if s.event_id in present]
            now = self.clock.now()
            plan = plan_events(await self.desired(guild_id), stored, now)
            return await self._apply(gateway, guild_id, plan.create, plan.update, plan.cancel, plan.forget)

    async def _apply(
        self,
        gateway: EventGateway,
        guild_id: int,
        create: Sequence[EventSpec],
        update: Sequence[tuple[StoredEvent, EventSpec]],
        cancel: Sequence[StoredEvent],
        forget: Sequence[StoredEvent],
    ) -> SyncReport:
        created = updated = cancelled = failed = 0
        for spec in create:
            if gateway.missing(guild_id, spec.place.kind, spec.place.channel_id):
                failed += 1  # Discord would refuse it: try again at the next sync
                continue
            try:
                event_id = await gateway.create(guild_id, spec)
            except Exception:  # one refused event must not stop the others; the next sync retries
                log.warning("could not create the scheduled event %s in guild %s", spec.key, guild_id, exc_info=True)
                failed += 1
                continue
            row = StoredEvent(spec.key, event_id, spec.fingerprint(), spec.start)
            await self._remember(guild_id, row)
            created += 1
        for old, spec in update:
            try:
                await gateway.edit(guild_id, old.event_id, spec)
            except Exception:
                log.warning("could not update the scheduled event %s in guild %s", spec.key, guild_id, exc_info=True)
                failed += 1
                continue
            row = StoredEvent(spec.key, old.event_id, spec.fingerprint(), spec.start)
            await self._remember(guild_id, row)
            updated += 1
        for old in cancel:
            try:
                await gateway.cancel(guild_id, old.event_id)
            except Exception:
                log.warning("could not cancel the scheduled event %s in guild %s", old.key, guild_id, exc_info=True)
                failed += 1
                continue
            await self._forget(guild_id, old.key)
            cancelled += 1
        for old in forget:
            await self._forget(guild_id, old.key)
        return SyncReport(created, updated, cancelled, failed)

    async def _remember(self, guild_id: int, row: StoredEvent) -> None:
        async with self.db.transaction() as tx:
            await repo.remember_event(tx, guild_id, row)

    async def _forget(self, guild_id: int, key: str) -> None:
        async with self.db.transaction() as tx:
            await repo.forget_event(tx, guild_id, key)

    async def reconcile_all(self, guild_ids: Sequence[int]) -> None:
        """At start: bring every guild's events in line (best effort per guild)."""
        for guild_id in guild_ids:
            try:
                await self.sync(guild_id, reconcile=True)
            except Exception:
                log.exception("could not reconcile scheduled events in guild %s", guild_id)

    async def after_audit(self, entry: AuditEntry) -> None:
        """An admin change was made (an audit listener): the guild's scheduled events follow the data."""
        if not entry.denied:
            await self.after_change(entry.guild_id)

    async def after_change(self, guild_id: int) -> None:
        """Data changed elsewhere (an admin edit, an import, a source): the events follow."""
        try:
            await self.sync(guild_id)
        except Exception:
            log.exception("could not sync scheduled events in guild %s", guild_id)


def _audit_row(h: Hustings) -> dict[str, object]:
    return {
        "title": h.title,
        "starts_at": h.starts_at.isoformat(),
        "minutes": h.minutes,
        "place": h.place.kind.value,
        "channel_id": h.place.channel_id,
        "location": h.place.location,
        "candidates": h.candidates,
        "chair": h.chair,
    }


def _check(h: Hustings, now: datetime) -> None:
    """Refuse a hustings the domain rules reject, in the organiser's words (`check_hustings`)."""
    try:
        check_hustings(h, now)
    except HustingsInvalid as exc:
        raise UserError(str(exc)) from None
