"""Interactive message views: Prev/Next paging for the invoking member and a rate-limited Share button.

`respond` sends a `Rendered` view as the ephemeral reply to a slash command (editing the deferred
"thinking" message when the command deferred first). Pages only turn for the member who ran the
command; anyone else pressing a button gets an ephemeral refusal. When the view times out its buttons
are disabled by editing the reply, so stale buttons never fail silently.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import weakref
from collections import OrderedDict

import discord

from bot.domain.cooldown import UseKind
from bot.render.common import Rendered, ts
from bot.services.read_share import ShareLimiter

log = logging.getLogger(__name__)

#: Seconds a reply's buttons stay live (interaction tokens last 15 minutes, so stay well under that).
PAGE_TIMEOUT: float = 600.0
#: Replies whose buttons are live at once, per bot. Each live reply holds its rendered pages and its
#: interaction; beyond this the oldest expire early (buttons disabled, as on a timeout), so a burst of
#: thousands of commands cannot pile up memory and garbage-collector pauses that stall the bot.
MAX_LIVE_VIEWS: int = 500

_LIVE: weakref.WeakKeyDictionary[discord.Client, OrderedDict[int, PagedView]] = weakref.WeakKeyDictionary()
_EXPIRING: set[asyncio.Task[None]] = set()

NOT_YOURS = (
    "Only the member who ran this command can use these buttons — run the command yourself to get your own copy."
)


class PagedView(discord.ui.View):
    """Prev/Next buttons (owner only) and a Share button that posts the current page publicly."""

    def __init__(
        self,
        rendered: Rendered,
        *,
        owner_id: int,
        guild_id: int,
        limiter: ShareLimiter | None,
        timeout: float | None = None,
        page: int = 0,
    ) -> None:
        super().__init__(timeout=timeout if timeout is not None else PAGE_TIMEOUT)
        self.rendered = rendered
        self.owner_id = owner_id
        self.guild_id = guild_id
        self.limiter = limiter
        self.page = max(0, min(page, rendered.page_count - 1))
        self.origin: discord.Interaction | None = None
        # Unique custom ids per view, so two replies on screen never answer for each other.
        token = secrets.token_hex(6)
        for name in ("prev_page", "page_label", "next_page", "share"):
            getattr(self, name).custom_id = f"hustings:{token}:{name}"
        if rendered.page_count <= 1:
            self.remove_item(self.prev_page)
            self.remove_item(self.next_page)
            self.remove_item(self.page_label)
        if limiter is None:
            self.remove_item(self.share)
        self._sync_buttons()

    # ------------------------------------------------------------------------------------------ state

    @property
    def current(self) -> list[discord.Embed]:
        """The embeds of the page on show."""
        return self.rendered.pages[self.page]

    def _sync_buttons(self) -> None:
        self.prev_page.disabled = self.page <= 0
        self.next_page.disabled = self.page >= self.rendered.page_count - 1
        self.page_label.label = f"{self.page + 1}/{self.rendered.page_count}"

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the invoking member may press; others are told so, ephemerally."""
        if interaction.user.id == self.owner_id:
            # The bot's one cooldown path for commands and buttons (HustingsBot.cooldown_refusal).
            refused = getattr(interaction.client, "cooldown_refusal", None)
            return refused is None or not await refused(interaction, UseKind.READ)
        await interaction.response.send_message(
            NOT_YOURS, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )
        return False

    def keep_live(self, client: discord.Client) -> None:
        """Count this reply among the bot's live ones; expire the oldest beyond MAX_LIVE_VIEWS."""
        live = _LIVE.setdefault(client, OrderedDict())
        self._live = live
        live[id(self)] = self
        while len(live) > MAX_LIVE_VIEWS:
            _, oldest = live.popitem(last=False)
            if not oldest.is_finished():
                oldest.stop()
                task = asyncio.get_running_loop().create_task(oldest.on_timeout())
                _EXPIRING.add(task)
                task.add_done_callback(_EXPIRING.discard)

    async def on_timeout(self) -> None:
        """Disable every button by editing the reply (the interaction token is still valid)."""
        live = getattr(self, "_live", None)
        if live is not None:
            live.pop(id(self), None)
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.origin is None:
            return
        try:
            await self.origin.edit_original_response(view=self)
        except discord.HTTPException:
            log.debug("could not disable buttons of an expired view", exc_info=True)

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item) -> None:
        """A button failure is logged and the member gets a plain sentence."""
        log.error("view button %r failed", getattr(item, "custom_id", item), exc_info=error)
        text = "Sorry, that button didn't work. Run the command again."
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException:
            pass

    # ---------------------------------------------------------------------------------------- buttons

    @discord.ui.button(label="◀ Prev", style=discord.ButtonStyle.secondary, row=0)
    async def prev_page(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Show the previous page."""
        self.page = max(0, self.page - 1)
        self._sync_buttons()
        await interaction.response.edit_message(embeds=self.current, view=self)

    @discord.ui.button(label="1/1", style=discord.ButtonStyle.secondary, disabled=True, row=0)
    async def page_label(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """A disabled label showing the page number."""
        await interaction.response.defer()

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary, row=0)
    async def next_page(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Show the next page."""
        self.page = min(self.rendered.page_count - 1, self.page + 1)
        self._sync_buttons()
        await interaction.response.edit_message(embeds=self.current, view=self)

    @discord.ui.button(label="Share", emoji="📣", style=discord.ButtonStyle.primary, row=0)
    async def share(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Post the page on show publicly in the channel, within the member's share allowance.

        A multi-page view is posted with its own Prev/Next buttons that only the sharer can press.
        """
        assert self.limiter is not None
        again = self.limiter.try_acquire(self.guild_id, interaction.user.id)
        if again is not None:
            await interaction.response.send_message(
                f"You can share {self.limiter.describe()}. You can share again {ts(again, 'R')}.",
                ephemeral=True,
            )
            return
        public = PagedView(
            self.rendered,
            owner_id=interaction.user.id,
            guild_id=self.guild_id,
            limiter=None,
            timeout=self.timeout,
            page=self.page,
        )
        paged = self.rendered.page_count > 1
        await interaction.response.send_message(
            content=f"Shared by {interaction.user.mention}",
            embeds=self.current,
            files=[self.rendered.chart.to_file()] if self.rendered.chart else [],
            allowed_mentions=discord.AllowedMentions.none(),
            view=public if paged else discord.utils.MISSING,  # MISSING: no view, as if left out
        )
        if paged:
            public.origin = interaction
        else:
            public.stop()


async def respond(
    interaction: discord.Interaction,
    rendered: Rendered,
    *,
    limiter: ShareLimiter | None,
    timeout: float | None = None,  # noqa: ASYNC109 - the view's idle timeout, not a call timeout
) -> PagedView:
    """Send `rendered` as the command's ephemeral reply with paging and Share buttons; returns the view."""
    view = PagedView(
        rendered,
        owner_id=interaction.user.id,
        guild_id=interaction.guild_id or 0,
        limiter=limiter,
        timeout=timeout,
    )
    files = [rendered.chart.to_file()] if rendered.chart else []
    if interaction.response.is_done():
        await interaction.edit_original_response(embeds=view.current, attachments=files, view=view)
    else:
        await interaction.response.send_message(
            embeds=view.current,
            files=files,
            view=view,
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )
    view.origin = interaction
    view.keep_live(interaction.client)
    return view
