"""The public hustings post: when an organiser schedules a hustings, the bot announces it in the guild's
announcement channel, with **Interested (N)**, **Remind me 1 h before** and the election's **Remind me**.

The post is a delivery ledger row (source 'election', the election's id, occurrence `hustings-post:<id>`)
written in the same transaction as the hustings itself, so it goes out exactly once, nonce and all, across
a crash or a restart; `ReminderService` (the 'election' producer) hands its rows here to prepare. The sent
message's id is kept on the hustings row, so an edit or a cancellation edits the post to match. A post
deleted in Discord is forgotten quietly (logged, never alerted on each edit).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.clock import Clock
from bot.domain.hustings import Hustings
from bot.domain.schedule.ledger import Delivery, DeliveryStatus, Lane, Source
from bot.errors import NotFound
from bot.services.delivery.engine import DeliveryEngine
from bot.services.delivery.ports import Outgoing, Skip
from bot.services.hustings import HustingsService, HustingsView
from bot.store import deliveries, meta
from bot.store import hustings as repo
from bot.store import questions as questions_repo
from bot.store.database import Database
from bot.store.engine import TOPIC_DELIVERY, Connection

log = logging.getLogger(__name__)

#: The `detail["kind"]` of the ledger rows this module plans.
KIND = "hustings_post"

#: The organiser's one sentence when there is nowhere to post.
NO_CHANNEL = (
    "No announcement channel is set, so I didn't post this hustings: set one with "
    "`/admin config channels announce:` and later hustings are announced there."
)


@dataclass(frozen=True, slots=True)
class HustingsPost:
    """The public post about one hustings: what `/hustings info` shows, and its Interested count."""

    view: HustingsView
    interested: int
    cancelled: bool = False


class PostEditor(Protocol):
    """Edits a message the bot posted (the Discord adapter)."""

    async def edit(self, channel_id: int, message_id: int, message: Outgoing) -> bool:
        """Edit it to `message`; False when the message is gone (deleted in Discord)."""
        ...


def _occurrence(hustings_id: int) -> str:
    return f"hustings-post:{hustings_id}"


class HustingsPosts:
    """Queues, prepares and keeps up to date each hustings' public post."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        hustings: HustingsService,
        engine: DeliveryEngine,
        *,
        editor: PostEditor | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.hustings = hustings
        self.engine = engine
        self.editor = editor  # None: posts are never edited (e.g. the command line)
        hustings.posts = self

    async def queue(self, tx: Connection, h: Hustings, now: datetime) -> str:
        """Add the post's ledger row in the hustings' own transaction; '' or the organiser's one sentence."""
        assert h.id is not None and h.guild_id is not None
        if not await repo.posts_on(tx, h.election_id):
            return ""
        settings = await meta.get_settings(tx, h.guild_id)
        if settings.announce_channel_id is None:
            return NO_CHANNEL
        row = Delivery(
            guild_id=h.guild_id,
            source=Source.ELECTION,
            source_id=h.election_id,
            occurrence=_occurrence(h.id),
            due_at=now,
            lane=Lane.CHANNEL,
            target_id=settings.announce_channel_id,
            detail={"kind": KIND, "hustings_id": h.id},
        )
        await deliveries.add_many(tx, [row])
        await tx.notify(TOPIC_DELIVERY, h.guild_id)  # the sender may be another process: it hears on commit
        return ""

    def kick(self) -> None:
        """Something was queued: wake the engine."""
        self.engine.kick()

    async def _post(self, guild_id: int, hustings_id: int) -> HustingsPost:
        """The post as it should read now (a cancelled hustings: marked so)."""
        h = await repo.get(self.db.reader, guild_id, hustings_id)
        if h is None:
            raise NotFound("There's no such hustings here.")
        view = await self.hustings.view_of(guild_id, h)
        count = await questions_repo.interest_count(self.db.reader, hustings_id)
        return HustingsPost(view, count, cancelled=h.cancelled)

    # ------------------------------------------------------------------ the delivery (through ReminderService)

    async def prepare(self, delivery: Delivery) -> HustingsPost:
        """The post at send time; a hustings cancelled (or gone) before it went out is not posted."""
        try:
            post = await self._post(delivery.guild_id, int(delivery.detail["hustings_id"]))
        except NotFound:
            raise Skip("the hustings was deleted", DeliveryStatus.CANCELLED) from None
        if post.cancelled:
            raise Skip("the hustings was cancelled before it was announced", DeliveryStatus.CANCELLED)
        return post

    async def on_sent(self, tx: Connection, delivery: Delivery) -> None:
        """Keep the post's message id on the hustings, so edits follow."""
        assert delivery.id is not None
        await repo.record_post(tx, int(delivery.detail["hustings_id"]), delivery.id)

    def failed_alert(self, delivery: Delivery, reason: str) -> str:
        """The organisers' alert when the post could not be made."""
        return (
            f"⚠️ The post announcing a hustings could not be made in <#{delivery.target_id}>: {reason}. "
            "Check the announcement channel and my permissions there (`/admin config channels`)."
        )

    # ------------------------------------------------------------------ keeping the post up to date

    async def changed(self, guild_id: int, hustings_id: int) -> None:
        """The hustings was edited or cancelled: edit its post to match (quietly, if it is gone)."""
        spot = await repo.post_of(self.db.reader, hustings_id)
        if spot is None or self.editor is None or self.engine.composer is None:
            return
        try:
            message = await self.engine.composer(await self._post(guild_id, hustings_id))
            if not await self.editor.edit(*spot, message):
                log.info("the post of hustings %s was deleted in Discord; no longer editing it", hustings_id)
                async with self.db.transaction() as tx:
                    await repo.forget_post(tx, hustings_id)
        except Exception:  # the organiser's change stands; the post catches up at the next change
            log.warning("could not edit the post of hustings %s", hustings_id, exc_info=True)
