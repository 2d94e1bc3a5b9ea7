"""Interactions the simulator dispatched, what the bot answered, and the handle tests wait on."""

from __future__ import annotations

import asyncio
import base64
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, cast

from bot.sim import payloads
from bot.sim.errors import SimError, Violation
from bot.sim.models import SimChannel, SimGuild, SimMember, SimMessage, SimUser
from bot.sim.payloads import beyond_discordpy

if TYPE_CHECKING:
    from discord.types import channel as dch
    from discord.types import interactions as dint

    from bot.sim.models import World

PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
# Callback types.
CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT, MODAL = 4, 5, 6, 7, 8, 9
ALLOWED_CALLBACKS: dict[int, set[int]] = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL},
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE},
}


def new_token(interaction_id: int) -> str:
    """An interaction token shaped like Discord's (base64 of `interaction:<id>:<random>`)."""
    raw = f"interaction:{interaction_id}:{secrets.token_urlsafe(96)}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@dataclass(eq=False)
class SimModal:
    """A modal the bot opened (callback type 9); pass it to `sim.submit_modal`."""

    custom_id: str
    title: str
    components: list[dict[str, Any]]
    interaction: SimInteraction

    def text_inputs(self) -> list[dict[str, Any]]:
        """The text inputs (type 4) in display order."""
        out: list[dict[str, Any]] = []
        for comp in self.components:
            inner = comp.get("components") or ([comp["component"]] if "component" in comp else [])
            out.extend(c for c in inner if c.get("type") == 4)
        return out


@dataclass(eq=False)
class SimInteraction:
    """Server-side record of one interaction and everything the bot did with it."""

    id: int
    token: str
    type: int
    user: SimUser
    member: SimMember | None
    guild: SimGuild | None
    channel: SimChannel
    data: dict[str, Any]
    created_at: datetime
    command_name: str | None = None
    source_message: SimMessage | None = None
    focused_type: int | None = None
    created_mono: float = field(default_factory=time.monotonic)
    sent_mono: float | None = None
    callback_type: int | None = None
    original: SimMessage | None = None
    followups: list[SimMessage] = field(default_factory=list)
    choices: list[dict[str, Any]] | None = None
    modal: SimModal | None = None
    visible: SimMessage | None = None
    errors: list[Violation] = field(default_factory=list)
    _waiters: list[tuple[Callable[[], bool], asyncio.Future[None]]] = field(default_factory=list)

    def mark_sent(self) -> None:
        """Start the 3-second clock when the INTERACTION_CREATE first goes out on the socket."""
        if self.sent_mono is None:
            self.sent_mono = time.monotonic()

    def elapsed(self) -> float:
        """Real seconds since dispatch."""
        return time.monotonic() - (self.sent_mono or self.created_mono)

    def changed(self) -> None:
        """Wake waiters whose condition now holds."""
        for pred, fut in list(self._waiters):
            if not fut.done() and pred():
                fut.set_result(None)

    async def wait(self, pred: Callable[[], bool], timeout: float, what: str) -> None:  # noqa: ASYNC109 - the test API takes explicit timeouts
        """Wait until `pred()` holds; TimeoutError names what was awaited and any rejections."""
        if pred():
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (pred, fut)
        self._waiters.append(entry)
        try:
            await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            detail = "; ".join(str(e) for e in self.errors) or "no rejected requests"
            raise TimeoutError(
                f"interaction {self.id} ({self.command_name or self.type}): no {what} within {timeout}s "
                f"(callback={self.callback_type}; {detail})"
            ) from None
        finally:
            self._waiters.remove(entry)

    def payload(self, world: World) -> dint.Interaction:
        """The INTERACTION_CREATE body."""
        channel = self.channel
        # typed as a command interaction: the fields every kind shares are checked; `type` and `data`
        # are whatever `sim.invoke`/`click`/`select`/`submit_modal` built for this kind
        body: dint.ApplicationCommandInteraction = {
            "id": str(self.id),
            "application_id": str(world.application_id),
            "type": cast("Literal[2, 4]", self.type),
            "data": cast("dint.ApplicationCommandInteractionData", self.data),
            "token": self.token,
            "version": 1,
            "locale": "en-GB",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "channel_id": str(channel.id),
            "channel": _interaction_channel(channel, 0),
            "authorizing_integration_owners": {},
        }
        if self.guild is not None and self.member is not None:
            bot_member = self.guild.bot_member
            app_perms = bot_member.permissions_in(channel)
            body["guild_id"] = str(self.guild.id)
            body["guild_locale"] = self.guild.locale
            body["guild"] = {"id": str(self.guild.id), "locale": self.guild.locale, "features": []}
            body["channel"] = _interaction_channel(channel, self.member.permissions_in(channel))
            body["app_permissions"] = str(app_perms)
            body["authorizing_integration_owners"] = {"0": str(self.guild.id)}
            body["context"] = 0
            data = beyond_discordpy(
                body, member=payloads.member(self.member, permissions=self.member.permissions_in(channel))
            )
        else:
            body["app_permissions"] = str(0)
            body["authorizing_integration_owners"] = {"0": str(self.user.id)}
            body["context"] = 1
            data = beyond_discordpy(body, user=payloads.user(self.user))
        if self.source_message is not None:
            data = beyond_discordpy(data, message=payloads.message(self.source_message, world))
        return cast("dint.Interaction", data)


def _interaction_channel(
    channel: SimChannel, permissions: int
) -> dch.GuildChannel | dch.InteractionDMChannel | dch.GroupDMChannel:
    """The interaction's channel, with the invoker's computed permissions there."""
    data = payloads.channel(channel, permissions=permissions)
    return cast("dch.GuildChannel | dch.InteractionDMChannel | dch.GroupDMChannel", data)


class InteractionHandle:
    """What a test holds after `sim.invoke`/`click`/`select`/`submit_modal`."""

    def __init__(self, interaction: SimInteraction) -> None:
        self._i = interaction

    def __repr__(self) -> str:
        return f"<InteractionHandle id={self.id} callback={self.callback_type} messages={len(self.messages)}>"

    @property
    def interaction(self) -> SimInteraction:
        """The server-side record."""
        return self._i

    @property
    def id(self) -> int:
        """Interaction id."""
        return self._i.id

    @property
    def callback_type(self) -> int | None:
        """The bot's initial response type (4 message, 5 deferred, 6, 7, 8, 9), None if none yet."""
        return self._i.callback_type

    @property
    def original(self) -> SimMessage | None:
        """The original response message (or the component's message for types 6/7)."""
        return self._i.original

    @property
    def followups(self) -> list[SimMessage]:
        """Follow-up messages, excluding the one that filled a deferred response."""
        return [m for m in self._i.followups if m is not self._i.original]

    @property
    def messages(self) -> list[SimMessage]:
        """Every message this interaction produced: original (if not deleted) then follow-ups."""
        out: list[SimMessage] = []
        original = self._i.original
        produced = original is not None and (
            self._i.callback_type in (CHANNEL_MESSAGE, DEFERRED_MESSAGE) or original.edits > 0
        )
        if original is not None and produced and not original.deleted:
            out.append(original)
        out.extend(m for m in self.followups if not m.deleted)
        return out

    @property
    def errors(self) -> list[Violation]:
        """Rejected requests made with this interaction's id or token."""
        return list(self._i.errors)

    async def acknowledged(self, timeout: float = 5.0) -> int:  # noqa: ASYNC109 - the test API takes explicit timeouts
        """Wait for the initial callback; returns its type."""
        await self._i.wait(lambda: self._i.callback_type is not None, timeout, "initial response")
        assert self._i.callback_type is not None
        return self._i.callback_type

    async def response(self, timeout: float = 5.0) -> SimMessage:  # noqa: ASYNC109 - the test API takes explicit timeouts
        """The first visible message: a message callback, or the edit/follow-up after a deferral."""
        i = self._i
        await i.wait(lambda: i.visible is not None or i.modal is not None, timeout, "visible response")
        if i.visible is None:
            raise SimError("the bot answered with a modal; use `await handle.modal()`")
        return i.visible

    async def modal(self, timeout: float = 5.0) -> SimModal:  # noqa: ASYNC109 - the test API takes explicit timeouts
        """The modal the bot opened."""
        i = self._i
        await i.wait(lambda: i.modal is not None or i.visible is not None, timeout, "modal")
        if i.modal is None:
            raise SimError(f"the bot answered with callback type {i.callback_type}, not a modal")
        return i.modal

    async def choices(self, timeout: float = 5.0) -> list[dict[str, Any]]:  # noqa: ASYNC109 - the test API takes explicit timeouts
        """Autocomplete choices the bot returned (SimError if Discord would have rejected them)."""
        i = self._i
        await i.wait(lambda: i.choices is not None or bool(i.errors), timeout, "autocomplete result")
        if i.choices is None:
            raise SimError(f"the bot's autocomplete answer was rejected: {i.errors[0]}")
        return i.choices

    async def wait_messages(self, count: int, timeout: float = 5.0) -> list[SimMessage]:  # noqa: ASYNC109 - the test API takes explicit timeouts
        """Wait until at least `count` messages exist (original + follow-ups)."""
        await self._i.wait(lambda: len(self.messages) >= count, timeout, f"{count} messages")
        return self.messages

    async def wait_error(self, timeout: float = 5.0) -> Violation:  # noqa: ASYNC109 - the test API takes explicit timeouts
        """Wait until the simulator rejected a request for this interaction; returns the first."""
        await self._i.wait(lambda: bool(self._i.errors), timeout, "rejected request")
        return self._i.errors[0]
