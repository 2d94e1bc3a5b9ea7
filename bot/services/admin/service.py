"""The moderator tools' service: one object holding the admin use-cases, built on one `AdminCore`."""

from __future__ import annotations

from bot.clock import Clock
from bot.services.access import AccessService
from bot.services.admin.config import AdminConfig
from bot.services.admin.core import AdminCore, NeedsConfirmation, Outcome
from bot.services.admin.data import AdminData
from bot.services.admin.elections import AdminElections
from bot.services.admin.lookup import AdminLookup
from bot.services.admin.pending import AdminPending
from bot.services.admin.results import AdminResults, PublishPending
from bot.store.database import Database

__all__ = ["AdminService", "NeedsConfirmation", "Outcome", "PublishPending"]


class AdminService:
    """Moderator use-cases, grouped as the `/admin` command groups are."""

    def __init__(self, db: Database, clock: Clock, access: AccessService, default_zone: str = "Europe/London") -> None:
        self.core = AdminCore(db, clock, access, default_zone)
        self.elections = AdminElections(self.core)
        self.results = AdminResults(self.core)
        self.config = AdminConfig(self.core)
        self.lookup = AdminLookup(self.core)
        self.data = AdminData(self.core)
        self.pending = AdminPending(self.core)
