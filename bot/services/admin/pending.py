"""Pending changes behind confirmation buttons: stored, checked on every press, answered once.

A button carries only the change's id (see `bot.domain.pending`); this service stores the change with
its expiry, and on a press checks who may answer (refusals audited), claims it atomically so two
presses never both run it, and reopens it when the work then fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.domain.access import Actor
from bot.domain.pending import ALREADY, Approval, PendingChange, PendingState, check_press
from bot.domain.validation import ValidationError
from bot.errors import UserError
from bot.services.admin.core import AdminCore
from bot.store import pending
from bot.store.engine import lock_guild

#: How long a moderator's own "are you sure?" stays answerable.
CONFIRM_TTL = timedelta(minutes=15)
#: How long a two-person change waits for a second moderator.
APPROVAL_TTL = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Gate:
    """The two-person rule's answer to one moderator's call: `confirmed` is the other moderator's
    request this call completes (go ahead; audit both), else `waiting` is the request now on record."""

    confirmed: PendingChange | None = None
    waiting: PendingChange | None = None


class AdminPending:
    """Store and answer pending changes."""

    def __init__(self, core: AdminCore) -> None:
        self.core = core

    async def ask(
        self,
        actor: Actor,
        kind: str,
        payload: dict[str, Any],
        *,
        approval: Approval = Approval.SELF,
        ttl: timedelta | None = None,
    ) -> PendingChange:
        """Store a change awaiting a press; returns it (its id goes in the buttons' custom ids)."""
        assert actor.user_id is not None
        now = self.core.clock.now()
        expires = now + (ttl or (CONFIRM_TTL if approval is Approval.SELF else APPROVAL_TTL))
        body = {**payload, "approval": approval.value}
        async with self.core.db.transaction() as tx:
            await lock_guild(tx, actor.guild_id)
            change_id = await pending.create(
                tx,
                guild_id=actor.guild_id,
                kind=kind,
                payload=body,
                requested_by=actor.user_id,
                requested_name=actor.name,
                created_at=now,
                expires_at=expires,
            )
        return PendingChange(change_id, actor.guild_id, kind, body, actor.user_id, actor.name, now, expires)

    async def get(self, actor: Actor, change_id: int) -> PendingChange:
        """One change of the actor's guild (a sentence when it is gone)."""
        found = await pending.get(self.core.db.reader, actor.guild_id, change_id)
        if found is None:
            raise UserError("This confirmation is no longer available; nothing was changed. Run the command again.")
        return found

    async def open_of_kind(self, guild_id: int, kind: str) -> list[PendingChange]:
        """Open, unexpired changes of one kind in a guild, oldest first."""
        return await pending.open_of_kind(self.core.db.reader, guild_id, kind, self.core.clock.now())

    async def claim(self, actor: Actor, change_id: int, *, cancelling: bool = False) -> PendingChange:
        """Check the presser may answer, then mark the change answered (only one press wins).

        A press by someone who may not answer is audited as refused and raises UserError.
        """
        assert actor.user_id is not None
        change = await self.get(actor, change_id)
        now = self.core.clock.now()
        try:
            check_press(change, actor.user_id, now, cancelling=cancelling)
        except ValidationError as exc:
            if exc.field == "moderator":
                action = change.payload.get("action", change.kind)  # a generic change names its own action
                await self.core.deny(actor, f"{action}.confirm", "another moderator's button")
            raise UserError(exc.message) from None
        state = PendingState.CANCELLED if cancelling else PendingState.DONE
        async with self.core.db.transaction() as tx:
            await lock_guild(tx, actor.guild_id)
            won = await pending.resolve(tx, actor.guild_id, change_id, state, by=actor.user_id, name=actor.name, at=now)
        if not won:
            raise UserError(ALREADY)
        change.state, change.resolved_by, change.resolved_name, change.resolved_at = (
            state,
            actor.user_id,
            actor.name,
            now,
        )
        return change

    async def reopen(self, change: PendingChange) -> None:
        """Undo a claim whose work failed, so the question stays open."""
        async with self.core.db.transaction() as tx:
            await pending.reopen(tx, change.guild_id, change.id)
        change.state = PendingState.OPEN

    async def second_moderator(self, actor: Actor, kind: str, payload: dict[str, Any]) -> Gate:
        """Apply the two-person rule to a change that would alter what members see.

        A different moderator asking for the same change (same kind and payload) confirms the open
        request; the first call, or a repeat by the same moderator, leaves (or keeps) a request
        waiting. Nothing is changed here: the caller makes the change only when `confirmed`.
        """
        assert actor.user_id is not None
        body = {**payload, "approval": Approval.OTHER.value}
        now = self.core.clock.now()
        for change in await self.open_of_kind(actor.guild_id, kind):
            if change.payload != body:
                continue
            if change.requested_by == actor.user_id:
                return Gate(waiting=change)
            async with self.core.db.transaction() as tx:
                await lock_guild(tx, actor.guild_id)
                won = await pending.resolve(
                    tx, actor.guild_id, change.id, PendingState.DONE, by=actor.user_id, name=actor.name, at=now
                )
            if won:
                change.state, change.resolved_by, change.resolved_name = PendingState.DONE, actor.user_id, actor.name
                return Gate(confirmed=change)
        return Gate(waiting=await self.ask(actor, kind, payload, approval=Approval.OTHER))
