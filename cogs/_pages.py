"""Paged replies with stateless buttons: every reply is re-rendered from its command and options.

A command calls `show(interaction, kind, args)`; the renderer registered for `kind` (with `renders`,
naming its options in order) draws it from the store. The buttons carry the reply itself —
`i<kind>:<owner>:<share>:<options>` with each option percent-encoded — so a read command writes
nothing; only when that does not fit Discord's 100 characters (a long name) is the reply stored and
carried as `k<row id>`. A press is acknowledged first, checked (only the member who ran the command
turns pages), re-rendered with the same renderer, and the message is edited through Edit Original
Interaction Response with its chart attached again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote, unquote

import discord

from bot.app import HustingsBot
from bot.domain.cooldown import UseKind
from bot.errors import UserError
from bot.render.common import Rendered, follow_up, ts
from bot.render.views import GONE, NOT_YOURS, PAGE_TEMPLATE, clamp_page, fits, page_view, respond, sent
from cogs._buttons import StatelessButton
from cogs._common import ReadContext

log = logging.getLogger(__name__)

Args = dict[str, str | None]
Renderer = Callable[[discord.Interaction[HustingsBot], Args], Awaitable[Rendered]]
#: A renderer that needs only the bot and the guild (those registered with `warm`).
ReadRenderer = Callable[[ReadContext, Args], Awaitable[Rendered]]


@dataclass(frozen=True, slots=True)
class _Kind:
    renderer: Renderer
    fields: tuple[str, ...]
    warm: Args | None = None  # drawn ahead with these options after a change (a view members ask for first)


#: kind → how to draw that reply from the store, and its options in order (registered by the cogs).
RENDERERS: dict[str, _Kind] = {}

_NONE = "!"  # an option left out (percent-encoding never writes a bare "!")


def need(args: Args, name: str) -> str:
    """A required option of a stored reply (every reply kind's required options are always written)."""
    value = args.get(name)
    if value is None:
        raise UserError(GONE)
    return value


def renders(kind: str, *fields: str, warm: Args | None = None) -> Callable[[Renderer], Renderer]:
    """Register the renderer of a reply kind taking the named options (strings or None).

    With `warm`, the view is drawn with those options after every change to a guild's data here
    (`prewarm`), so the first members to ask find it ready; its renderer then takes a `ReadContext`.
    """

    def register(renderer: Renderer) -> Renderer:
        RENDERERS[kind] = _Kind(renderer, fields, warm)
        return renderer

    return register


@dataclass(frozen=True, slots=True)
class _Prewarm:
    """The context of a view drawn ahead of any member's command: the bot and the guild."""

    client: HustingsBot
    guild_id: int | None


async def prewarm(bot: HustingsBot, guild_id: int) -> None:
    """Draw the views registered with `warm` for a guild whose data just changed (best effort): results,
    nominations progress and the candidate list are then ready in the cache before members ask."""
    for kind, entry in list(RENDERERS.items()):
        if entry.warm is None:
            continue
        try:
            await cast(ReadRenderer, entry.renderer)(_Prewarm(bot, guild_id), dict(entry.warm))
        except UserError:
            pass  # nothing to show yet (no elections): members will get the same sentence
        except Exception:
            log.exception("pre-rendering %s for guild %s failed", kind, guild_id)


@dataclass(frozen=True, slots=True)
class Reply:
    """What a paged reply shows and who may turn its pages."""

    kind: str
    owner_id: int
    share: bool
    args: Args


def _inline(reply: Reply) -> str:
    values = [_NONE if reply.args.get(f) is None else quote(str(reply.args[f]), safe="") for f in _fields(reply.kind)]
    return f"i{reply.kind}:{reply.owner_id}:{int(reply.share)}:{','.join(values)}"


def _fields(kind: str) -> tuple[str, ...]:
    return RENDERERS[kind].fields


async def _ref(interaction: discord.Interaction[HustingsBot], reply: Reply, page_count: int) -> str:
    """The reply as its buttons carry it: written out, or stored when too long for a custom id."""
    inline = _inline(reply)
    if fits(inline, page_count):
        return inline
    stored = {**reply.args, "_share": reply.share}
    key = await interaction.client.services.replies.remember(
        interaction.guild_id or 0, reply.owner_id, reply.kind, stored
    )
    return f"k{key}"


async def _resolve(press: discord.Interaction[HustingsBot], ref: str) -> Reply | None:
    """The reply a button names, or None when it is unknown (another guild's key, an old format)."""
    if ref.startswith("k") and ref[1:].isdigit():
        row = await press.client.services.replies.recall(press.guild_id or 0, int(ref[1:]))
        if row is None or row.kind not in RENDERERS:
            return None
        args = {f: row.args.get(f) for f in _fields(row.kind)}
        return Reply(row.kind, row.owner_id, bool(row.args.get("_share")), args)
    match = re.fullmatch(r"i(?P<kind>[a-z.]{1,30}):(?P<owner>\d{1,20}):(?P<share>[01]):(?P<values>.*)", ref)
    if match is None or match["kind"] not in RENDERERS:
        return None
    fields = _fields(match["kind"])
    values = match["values"].split(",") if fields else []
    if len(values) != len(fields):
        return None
    args = {f: None if v == _NONE else unquote(v) for f, v in zip(fields, values, strict=True)}
    return Reply(match["kind"], int(match["owner"]), match["share"] == "1", args)


async def show(interaction: discord.Interaction[HustingsBot], kind: str, args: Args, *, share: bool = True) -> None:
    """Render `kind` with `args` and send it as the command's ephemeral reply with its buttons."""
    rendered = await RENDERERS[kind].renderer(interaction, args)
    key = None
    if rendered.page_count > 1 or share:
        key = await _ref(interaction, Reply(kind, interaction.user.id, share, args), rendered.page_count)
    await respond(interaction, rendered, page_view(key, 0, rendered.page_count, share=share))


class PageButton(StatelessButton, template=PAGE_TEMPLATE):
    """Prev, Next or Share on a paged reply; everything it needs is in its custom id (or the store)."""

    acknowledge = "update"  # within 3 s: re-rendering may take longer

    def __init__(self, page: int, act: str, ref: str) -> None:
        super().__init__(f"hustings:pg:{page}:{act}:{ref}")
        self.page = page
        self.act = act
        self.ref = ref

    @classmethod
    def parse(cls, match: re.Match[str]) -> PageButton:
        """The page on show, the act and the reply's reference."""
        return cls(int(match["page"]), match["act"], match["ref"])

    async def pressed(self, press: discord.Interaction[HustingsBot]) -> None:
        """Check the presser, re-render, then turn the page or share it (a refusal is told by the base)."""
        try:
            await self._pressed(press)
        except UserError:
            raise
        except Exception:
            log.exception("page button %s failed", self.custom_id)
            await follow_up(press, content="Sorry, that button didn't work. Run the command again.")

    async def _pressed(self, press: discord.Interaction[HustingsBot]) -> None:
        reply = await _resolve(press, self.ref)
        if reply is None:
            raise UserError(GONE)
        if press.user.id != reply.owner_id:
            raise UserError(NOT_YOURS)
        if await press.client.cooldown_refusal(press, UseKind.READ):  # the member is told when to try again
            return
        if self.act == "s" and reply.share:
            await self._share(press, reply)
            return
        if self.act not in ("p", "n"):
            return  # the page label, or a Share this reply never offered
        rendered = await RENDERERS[reply.kind].renderer(press, reply.args)
        page = clamp_page(rendered, self.page + (1 if self.act == "n" else -1))
        view = page_view(self.ref, page, rendered.page_count, share=reply.share)
        files = rendered.files()  # the charts go with every page
        try:
            await press.edit_original_response(
                embeds=rendered.pages[page],
                attachments=files,
                view=view,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        finally:
            sent(view)

    async def _share(self, press: discord.Interaction[HustingsBot], reply: Reply) -> None:
        """Post the page on show publicly, within the member's share allowance; a multi-page post gets its
        own Prev/Next buttons that only the sharer can press (and no Share)."""
        limiter = press.client.services.share_limiter
        again = limiter.try_acquire(press.guild_id or 0, press.user.id)
        if again is not None:
            raise UserError(f"You can share {limiter.describe()}. You can share again {ts(again, 'R')}.")
        rendered = await RENDERERS[reply.kind].renderer(press, reply.args)
        page = clamp_page(rendered, self.page)
        view = None
        if rendered.page_count > 1:
            public = Reply(reply.kind, press.user.id, False, reply.args)
            view = page_view(await _ref(press, public, rendered.page_count), page, rendered.page_count, share=False)
        send: dict[str, Any] = {"view": view} if view is not None else {}
        try:
            await press.followup.send(
                content=f"Shared by {press.user.mention}",
                embeds=rendered.pages[page],
                files=rendered.files(),
                allowed_mentions=discord.AllowedMentions.none(),
                ephemeral=False,
                **send,
            )
        finally:
            sent(view)
