"""The base of the bot's stateless buttons (discord.py `DynamicItem`s): the custom id carries everything a
press needs, so a press works after a restart and no per-message object lives in memory.

A button subclasses `StatelessButton` with its own `template=` (the custom id's regex), builds itself in
`__init__` through `super().__init__(custom_id, label, style=…, emoji=…)`, rebuilds itself from a
template match in `parse`, and does its work in `pressed`. The base acknowledges the press first (as
`acknowledge` says, after the optional `cooldown`), runs `pressed`, and turns a `UserError` into one
ephemeral sentence for the member.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Literal, Self

import discord

from bot.app import HustingsBot
from bot.discordpy_private import release_interaction
from bot.domain.cooldown import UseKind
from bot.errors import UserError
from bot.render.admin import NO_MENTIONS
from bot.render.common import follow_up
from cogs._common import on_hustings

#: How a press is acknowledged before its work: "thinking" (an ephemeral "thinking…" reply that the work
#: fills), "update" (the message the button sits on may be edited), or None (the work answers itself,
#: e.g. with a form, which must be the first answer).
Acknowledge = Literal["thinking", "update"] | None

# The base is never registered, so its own template matches nothing; each button declares its own.
_NOTHING = r"(?!)"


class StatelessButton(discord.ui.DynamicItem[discord.ui.Button], ABC, template=_NOTHING):
    """A button whose custom id says what to do: acknowledge, do the work, and say what went wrong."""

    acknowledge: ClassVar[Acknowledge] = "thinking"
    #: What a press counts against in the member's cooldown (None: nothing).
    cooldown: ClassVar[UseKind | None] = None

    def __init__(
        self,
        custom_id: str,
        label: str | None = None,
        *,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        emoji: str | None = None,
    ) -> None:
        super().__init__(discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=custom_id))

    @classmethod
    @abstractmethod
    def parse(cls, match: re.Match[str]) -> Self:
        """The button its custom id describes (the template's groups as the constructor's arguments)."""

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from its custom id (after a restart too)."""
        return cls.parse(match)

    async def callback(self, interaction: discord.Interaction) -> None:
        """Check the cooldown, acknowledge within Discord's 3 seconds, then do the work."""
        press = on_hustings(interaction)
        await self._handle(press)
        release_interaction(press)  # handled: freed by reference counting, not left to the cyclic collector

    async def _handle(self, press: discord.Interaction[HustingsBot]) -> None:
        if self.cooldown is not None and await press.client.cooldown_refusal(press, self.cooldown):
            return
        if self.acknowledge == "thinking":
            await press.response.defer(ephemeral=True, thinking=True)  # acknowledge first: the work may wait
        elif self.acknowledge == "update":
            await press.response.defer()
        try:
            await self.pressed(press)
        except UserError as exc:
            await refuse(press, str(exc))

    @abstractmethod
    async def pressed(self, press: discord.Interaction[HustingsBot]) -> None:
        """The press's work (the press is acknowledged already unless `acknowledge` is None)."""


async def refuse(press: discord.Interaction[HustingsBot], text: str) -> None:
    """Tell the presser, and only them, what went wrong: the first answer, or a follow-up."""
    if not press.response.is_done():
        await press.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        return
    await follow_up(press, content=text)


class IdButton(StatelessButton, template=_NOTHING):
    """A stateless button whose custom id is a prefix and one number (a question's, a hustings', a reminder's).

    A subclass names its prefix in its class statement (`class Upvote(IdButton, prefix="q:up:")`): the
    template and the parse follow from it.
    """

    prefix: ClassVar[str]

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(template=re.escape(prefix) + r"(?P<id>\d+)", **kwargs)
        cls.prefix = prefix

    def __init__(
        self,
        number: int,
        label: str | None = None,
        *,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        emoji: str | None = None,
    ) -> None:
        super().__init__(f"{self.prefix}{number}", label, style=style, emoji=emoji)

    @classmethod
    def parse(cls, match: re.Match[str]) -> Self:
        """The button for the number in its custom id."""
        return cls(int(match["id"]))
