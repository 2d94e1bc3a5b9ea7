"""Permission checks inside the bot: every refusal is audited."""

from __future__ import annotations

from bot.clock import Clock
from bot.domain.access import Actor, Level, access_level
from bot.errors import PermissionDenied
from bot.store import audit, meta
from bot.store.database import Database


class AccessService:
    """Decides an actor's level from the guild's configured roles and records denials."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def level(self, actor: Actor) -> Level:
        """The actor's access level in their guild."""
        settings = await meta.get_settings(self.db.reader, actor.guild_id)
        return access_level(actor, settings.moderator_role_ids, settings.organiser_role_ids)

    async def require(self, actor: Actor, needed: Level, action: str, entity: str = "") -> Level:
        """Return the actor's level if it is at least `needed`; else audit the denial and raise."""
        level = await self.level(actor)
        if level >= needed:
            return level
        async with self.db.transaction() as tx:
            await audit.append(
                tx,
                guild_id=actor.guild_id,
                actor_id=actor.user_id,
                actor_name=actor.name,
                action=action,
                entity=entity,
                denied=True,
                at=self.clock.now(),
            )
        article = "an" if needed.label[0] in "aeiou" else "a"
        raise PermissionDenied(
            f"Only {article} {needed.label} can do that here. Ask a moderator if you think you should."
        )
