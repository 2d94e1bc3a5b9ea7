"""Stateless confirmation buttons: the custom id carries a pending change's id, the database the rest.

`hustings:ok:<id>` confirms, `hustings:no:<id>` cancels and `hustings:pick:<id>:<value>` picks one of
several ways forward. Each press is acknowledged first (within Discord's 3 seconds), then the change is
claimed (only the right moderator, only once, only before it expires), then the handler registered for
its kind re-runs the use-case (permission and rules checked again), and the message is edited with the
outcome through Edit Original Interaction Response. Nothing lives in memory, so a press after a
restart works, and no timer edits the message after the command's token has expired.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import discord

from bot.app import HustingsBot
from bot.domain.pending import ALREADY, EXPIRED, PendingChange
from bot.errors import UserError
from bot.render import admin as render
from bot.render.views import SentButtons
from cogs._access import actor_from
from cogs._buttons import StatelessButton

log = logging.getLogger(__name__)

CONFIRM_TEMPLATE = r"hustings:(?P<act>ok|no|pick):(?P<id>\d{1,19})(?::(?P<v>[a-z0-9_]{1,40}))?"


@dataclass(slots=True)
class Reply:
    """What a confirmed change shows in place of the question, and what to do after."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    then: Callable[[discord.Interaction[HustingsBot]], Awaitable[None]] | None = None


Handler = Callable[[discord.Interaction[HustingsBot], PendingChange, str | None], Awaitable[Reply]]

#: kind → the function that carries out a confirmed change of that kind (registered by the cogs).
HANDLERS: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Register the handler for a pending change kind."""

    def register(handler: Handler) -> Handler:
        HANDLERS[kind] = handler
        return handler

    return register


class PendingButton(StatelessButton, template=CONFIRM_TEMPLATE):
    """A Confirm, Cancel or choice button for one stored pending change."""

    acknowledge = "update"  # within 3 s, before any database work

    def __init__(
        self,
        act: str,
        change_id: int,
        value: str | None = None,
        *,
        label: str = "Confirm",
        style: discord.ButtonStyle = discord.ButtonStyle.danger,
    ) -> None:
        custom_id = f"hustings:{act}:{change_id}" + (f":{value}" if value else "")
        super().__init__(custom_id, render.clip(label, 80), style=style)
        self.act = act
        self.change_id = change_id
        self.value = value

    @classmethod
    def parse(cls, match: re.Match[str]) -> PendingButton:
        """The act, the change's id and the value picked."""
        return cls(match["act"], int(match["id"]), match["v"])

    async def pressed(self, press: discord.Interaction[HustingsBot]) -> None:
        """Claim the change, run it, and replace the question with the outcome."""
        pending = press.client.services.admin.pending
        cancelling = self.act == "no"
        try:
            change = await pending.claim(actor_from(press), self.change_id, cancelling=cancelling)
        except UserError as exc:
            if str(exc) in (EXPIRED, ALREADY):
                await _edit(press, Reply(content=str(exc)))
            else:
                await _tell(press, str(exc))
            return
        if cancelling:
            await _edit(press, Reply(content=render.CANCELLED))
            return
        handler = HANDLERS.get(change.kind)
        try:
            if handler is None:
                raise RuntimeError(f"no handler for pending change kind {change.kind!r}")
            reply = await handler(press, change, self.value)
        except UserError as exc:
            await pending.reopen(change)  # a fixable refusal leaves the question open
            await _tell(press, str(exc))
            return
        except Exception:
            await pending.reopen(change)
            log.exception("confirmation %s (%s) failed", change.id, change.kind)
            await _tell(press, "Sorry, that didn't work; nothing was changed. Try again, or run the command again.")
            return
        await _edit(press, reply)
        if reply.then is not None:
            await reply.then(press)


async def _tell(press: discord.Interaction[HustingsBot], text: str) -> None:
    try:
        await press.followup.send(text, ephemeral=True, allowed_mentions=render.NO_MENTIONS)
    except discord.HTTPException:
        log.debug("could not answer a button press", exc_info=True)


async def _edit(press: discord.Interaction[HustingsBot], reply: Reply) -> None:
    """Replace the button's message through Edit Original Interaction Response (its token is fresh)."""
    await press.edit_original_response(
        content=reply.content,
        embeds=reply.embeds,
        view=reply.view,
        allowed_mentions=render.NO_MENTIONS,
    )


def confirm_view(change: PendingChange, label: str = "Confirm", *, danger: bool = True) -> discord.ui.View:
    """Confirm / Cancel buttons for a stored change (nothing kept in memory once sent)."""
    view = SentButtons()
    style = discord.ButtonStyle.danger if danger else discord.ButtonStyle.success
    view.add_item(PendingButton("ok", change.id, label=label, style=style))
    view.add_item(PendingButton("no", change.id, label="Cancel", style=discord.ButtonStyle.secondary))
    return view


def choice_view(change: PendingChange, choices: Sequence[tuple[str, str]]) -> discord.ui.View:
    """One button per (value, label) choice plus Cancel, for a stored change."""
    view = SentButtons()
    for index, (value, label) in enumerate(choices):
        style = discord.ButtonStyle.primary if index == 0 else discord.ButtonStyle.secondary
        view.add_item(PendingButton("pick", change.id, value, label=label, style=style))
    view.add_item(PendingButton("no", change.id, label="Cancel", style=discord.ButtonStyle.secondary))
    return view
