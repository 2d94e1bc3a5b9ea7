""" "Remind me 1 h before" on a hustings: one DM per member an hour before it starts, exactly once.

The marks live in the database (`bot/store/hustings_reminders.py`) and their DMs go through the delivery
ledger like every reminder: `ReminderService` plans and prepares them with its member subscriptions (the
ledger's 'subscription' source, with the reminder's id negated so it never meets a subscription's id), so a
restart, a crash mid-send or a retry never sends one twice. A hustings moved to another time is reminded of
at its new time (the old row is skipped); a cancelled one is not reminded of.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.domain.hustings import Place
from bot.domain.hustings_reminders import (
    HustingsReminder,
    due_at,
    is_due,
    ledger_id,
    occurrence,
    reminder_id,
)
from bot.domain.schedule.ledger import Delivery, DeliveryStatus, Lane, Source
from bot.errors import NotFound, UserError
from bot.services.delivery.engine import DeliveryEngine
from bot.services.delivery.ports import Skip
from bot.services.hustings import HustingsService
from bot.store import deliveries
from bot.store import hustings_reminders as repo
from bot.store.database import Database
from bot.store.engine import Connection

#: The `detail["kind"]` of the ledger rows this module plans.
KIND = "hustings"


@dataclass(frozen=True, slots=True)
class HustingsReminderPost:
    """The DM an hour before a hustings."""

    guild_id: int
    title: str
    election: str
    starts_at: datetime
    minutes: int
    place: Place


@dataclass(frozen=True, slots=True)
class HourReminder:
    """A press of Remind me 1 h before: whether the reminder now stands, and when its DM comes."""

    on: bool
    title: str
    starts_at: datetime

    @property
    def dm_at(self) -> datetime:
        """When the DM is sent."""
        return due_at(self.starts_at)


class HustingsReminders:
    """Members' hour-before reminders: the button's toggle, and the planning ReminderService delegates here."""

    def __init__(self, db: Database, clock: Clock, hustings: HustingsService, engine: DeliveryEngine) -> None:
        self.db = db
        self.clock = clock
        self.hustings = hustings
        self.engine = engine

    async def toggle(self, guild_id: int, user_id: int, hustings_id: int) -> HourReminder:
        """Set the member's reminder for a hustings, or (set already) take it back."""
        h = (await self.hustings.info(guild_id, hustings_id)).hustings  # cancelled or another guild's: NotFound
        now = self.clock.now()
        existing = await repo.find(self.db.reader, hustings_id, user_id)
        if existing is not None and existing.id is not None:
            gone = existing.id
            async with self.db.transaction() as tx:
                await repo.delete(tx, gone)
                await deliveries.cancel_open(tx, Source.SUBSCRIPTION, [ledger_id(gone)], "the member stopped it")
            return HourReminder(False, h.title, h.starts_at)
        if h.starts_at <= now:
            raise UserError(f"{h.title} has already started, so there is nothing to remind you of.")
        if due_at(h.starts_at) <= now:
            raise UserError(
                f"{h.title} starts <t:{int(h.starts_at.timestamp())}:R>, sooner than an hour from now, "
                "so there is no time left to remind you before it."
            )
        async with self.db.transaction() as tx:
            if await repo.find(tx, hustings_id, user_id) is None:  # (a double press lands once)
                await repo.add(tx, HustingsReminder(guild_id, hustings_id, user_id, checked_until=now), now)
        self.engine.kick()
        self.engine.open_dm_soon(user_id)  # while they are here, so the hour-before fan-out needn't
        return HourReminder(True, h.title, h.starts_at)

    # ------------------------------------------------------------------ planning (through ReminderService)

    async def plan(self, tx: Connection, now: datetime) -> list[Delivery]:
        """Ledger rows for the reminders whose hour-before instant came since the last pass."""
        rows = [
            Delivery(
                guild_id=r.guild_id,
                source=Source.SUBSCRIPTION,
                source_id=ledger_id(r.id),
                occurrence=occurrence(r.hustings_id, starts_at),
                due_at=due_at(starts_at),
                lane=Lane.DM,
                target_id=r.user_id,
                detail={"kind": KIND, "hustings_id": r.hustings_id},
            )
            for r, starts_at in await repo.active(tx)
            if r.id is not None and is_due(r, starts_at, now)
        ]
        await repo.advance(tx, now)
        return rows

    async def next_due(self, conn: Connection, now: datetime) -> datetime | None:
        """The next hour-before instant after `now`."""
        return min((due_at(s) for r, s in await repo.active(conn) if due_at(s) > now), default=None)

    async def prepare(self, delivery: Delivery) -> HustingsReminderPost:
        """The DM, checked against today's data (stopped, cancelled or moved: skipped)."""
        reminder = await repo.get(self.db.reader, reminder_id(delivery.source_id))
        if reminder is None:
            raise Skip("the member stopped the reminder", DeliveryStatus.CANCELLED)
        try:
            view = await self.hustings.info(delivery.guild_id, reminder.hustings_id)
        except NotFound:
            raise Skip("the hustings was cancelled", DeliveryStatus.CANCELLED) from None
        h = view.hustings
        if occurrence(reminder.hustings_id, h.starts_at) != delivery.occurrence:
            raise Skip("the hustings moved to another time")
        return HustingsReminderPost(delivery.guild_id, h.title, view.election_name, h.starts_at, h.minutes, h.place)
