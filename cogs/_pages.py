"""Paged replies with stateless buttons: every reply is re-rendered from its stored command and options.

A command calls `show(interaction, kind, args)`; the renderer registered for `kind` (with `renders`)
draws it from the store, a reply key (owner, kind, args) is stored when it has buttons, and the
buttons carry that key and the page (`bot.render.views`). A press is acknowledged first, checked
(only the member who ran the command turns pages), re-rendered with the same renderer, and the
message is edited through Edit Original Interaction Response with its chart attached again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.app import HustingsBot
from bot.errors import UserError
from bot.render.common import Rendered, follow_up, ts
from bot.render.views import GONE, NOT_YOURS, PAGE_TEMPLATE, clamp_page, page_view, respond
from cogs._common import on_hustings

log = logging.getLogger(__name__)

Renderer = Callable[[discord.Interaction[HustingsBot], dict[str, Any]], Awaitable[Rendered]]

#: kind → how to draw that reply from the store (registered by the cogs).
RENDERERS: dict[str, Renderer] = {}


def renders(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the renderer of a reply kind."""

    def register(renderer: Renderer) -> Renderer:
        RENDERERS[kind] = renderer
        return renderer

    return register


async def show(
    interaction: discord.Interaction[HustingsBot], kind: str, args: dict[str, Any], *, share: bool = True
) -> None:
    """Render `kind` with `args` and send it as the command's ephemeral reply with its buttons."""
    rendered = await RENDERERS[kind](interaction, args)
    key = await _key(interaction, interaction.user.id, kind, {**args, "_share": share}, share, rendered)
    await respond(interaction, rendered, page_view(key, 0, rendered.page_count, share=share))


async def _key(
    interaction: discord.Interaction[HustingsBot],
    owner_id: int,
    kind: str,
    args: dict[str, Any],
    share: bool,
    rendered: Rendered,
) -> int | None:
    if rendered.page_count <= 1 and not share:
        return None  # no buttons, nothing to remember
    replies = interaction.client.services.replies
    return await replies.remember(interaction.guild_id or 0, owner_id, kind, args)


class PageButton(discord.ui.DynamicItem[discord.ui.Button], template=PAGE_TEMPLATE):
    """Prev, Next or Share on a paged reply; everything it needs is in its custom id and the store."""

    def __init__(self, key: int, page: int, act: str) -> None:
        super().__init__(discord.ui.Button(custom_id=f"hustings:pg:{key}:{page}:{act}"))
        self.key = key
        self.page = page
        self.act = act

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PageButton:
        """Rebuild the button from its custom id (after a restart too)."""
        return cls(int(match["key"]), int(match["page"]), match["act"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Acknowledge, check the presser, re-render, then turn the page or share it."""
        press = on_hustings(interaction)
        await interaction.response.defer()  # within 3 s: re-rendering may take longer
        try:
            await self._pressed(press)
        except UserError as exc:
            await follow_up(press, content=str(exc))
        except Exception:
            log.exception("page button %s failed", self.custom_id)
            await follow_up(press, content="Sorry, that button didn't work. Run the command again.")

    async def _pressed(self, press: discord.Interaction[HustingsBot]) -> None:
        services = press.client.services
        guild_id = press.guild_id or 0
        reply = await services.replies.recall(guild_id, self.key)
        if reply is None or reply.kind not in RENDERERS:
            raise UserError(GONE)
        if press.user.id != reply.owner_id:
            raise UserError(NOT_YOURS)
        may_share = bool(reply.args.get("_share"))
        if self.act == "s" and may_share:
            await self._share(press, reply.kind, reply.args)
            return
        if self.act not in ("p", "n"):
            return  # the page label, or a Share this reply never offered
        rendered = await RENDERERS[reply.kind](press, reply.args)
        page = clamp_page(rendered, self.page + (1 if self.act == "n" else -1))
        view = page_view(self.key, page, rendered.page_count, share=may_share)
        files = [rendered.chart.to_file()] if rendered.chart else []  # the chart goes with every page
        await press.edit_original_response(
            embeds=rendered.pages[page], attachments=files, view=view, allowed_mentions=discord.AllowedMentions.none()
        )

    async def _share(self, press: discord.Interaction[HustingsBot], kind: str, args: dict[str, Any]) -> None:
        """Post the page on show publicly, within the member's share allowance; a multi-page post gets its
        own Prev/Next buttons that only the sharer can press."""
        limiter = press.client.services.share_limiter
        again = limiter.try_acquire(press.guild_id or 0, press.user.id)
        if again is not None:
            raise UserError(f"You can share {limiter.describe()}. You can share again {ts(again, 'R')}.")
        rendered = await RENDERERS[kind](press, args)
        page = clamp_page(rendered, self.page)
        public_args = {**args, "_share": False}  # a shared post is not shared again
        key = await _key(press, press.user.id, kind, public_args, False, rendered)
        view = page_view(key, page, rendered.page_count, share=False)
        send: dict[str, Any] = {"view": view} if view is not None else {}
        await press.followup.send(
            content=f"Shared by {press.user.mention}",
            embeds=rendered.pages[page],
            files=[rendered.chart.to_file()] if rendered.chart else [],
            allowed_mentions=discord.AllowedMentions.none(),
            ephemeral=False,
            **send,
        )
