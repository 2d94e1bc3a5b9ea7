"""Permission checks inside the bot: every refusal is audited (repeats collapse into one row)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import Clock
from bot.domain.access import Actor, Level, access_level
from bot.errors import PermissionDenied
from bot.store import audit, meta, pending, replies
from bot.store.database import Database
from bot.store.engine import Connection

#: How often a guild's old audit rows are pruned (on its next audited refusal or change).
PRUNE_EVERY = timedelta(days=1)
#: Expired questions (an import's holds its whole file) are kept a day past expiry, then deleted.
PENDING_KEPT = timedelta(days=1)
#: Stored paged replies (long options only) live a month: ephemeral replies are long gone by then.
REPLIES_KEPT = timedelta(days=30)


class AccessService:
    """Decides an actor's level from the guild's configured roles and records denials."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._pruned: dict[int, datetime] = {}  # guild → when its audit rows were last pruned

    async def level(self, actor: Actor) -> Level:
        """The actor's access level in their guild."""
        settings = await meta.get_settings(self.db.reader, actor.guild_id)
        return access_level(actor, settings.moderator_role_ids, settings.organiser_role_ids)

    async def require(self, actor: Actor, needed: Level, action: str, entity: str = "") -> Level:
        """Return the actor's level if it is at least `needed`; else audit the denial and raise."""
        level = await self.level(actor)
        if level >= needed:
            return level
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await audit.refuse(
                tx,
                guild_id=actor.guild_id,
                actor_id=actor.user_id,
                actor_name=actor.name,
                action=action,
                entity=entity,
                at=now,
            )
            await self.prune_if_due(tx, actor.guild_id, now)
        article = "an" if needed.label[0] in "aeiou" else "a"
        raise PermissionDenied(
            f"Only {article} {needed.label} can do that here. Ask a moderator if you think you should."
        )

    async def prune_if_due(self, tx: Connection, guild_id: int, now: datetime, *, force: bool = False) -> int:
        """Delete the guild's audit rows older than its retention period, at most once a day (or now, `force`);
        returns how many audit rows went. Expired questions and old stored replies go at the same time."""
        last = self._pruned.get(guild_id)
        if not force and last is not None and now - last < PRUNE_EVERY:
            return 0
        self._pruned[guild_id] = now
        await pending.prune(tx, guild_id, now - PENDING_KEPT)
        await replies.prune(tx, guild_id, now - REPLIES_KEPT)
        settings = await meta.get_settings(tx, guild_id)
        return await audit.prune(tx, guild_id, now - timedelta(days=settings.audit_retention_days))
