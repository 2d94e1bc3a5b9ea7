"""Paged replies: Prev/Next buttons for the invoking member and a rate-limited Share button.

The buttons are stateless (`cogs._pages` handles them): each custom id is
`hustings:pg:<page>:<p|l|n|s>:<reply>` (previous, label, next, share), where `<reply>` says which
command with which options drew the reply and who may turn its pages — written out when it fits in
Discord's 100 characters, else the key of a stored row. A press re-reads the data and re-renders the
page, so buttons work after a restart, nothing per reply lives in memory, and no timer edits a reply
after its interaction token has expired.
"""

from __future__ import annotations

import discord

from bot.domain.limits import CUSTOM_ID_MAX
from bot.render.common import Rendered, mark_filled

NOT_YOURS = (
    "Only the member who ran this command can use these buttons — run the command yourself to get your own copy."
)
GONE = "These buttons no longer work; run the command again."

#: Matches the custom ids `page_view` writes.
PAGE_TEMPLATE = r"hustings:pg:(?P<page>\d{1,6}):(?P<act>[plns]):(?P<ref>.{1,80})"


def page_custom_id(key: str, page: int, act: str) -> str:
    """The custom id of one paging button (`key`: the reply, written out or a stored key)."""
    return f"hustings:pg:{page}:{act}:{key}"


def fits(key: str, page_count: int) -> bool:
    """Whether every button of a reply with `page_count` pages can carry `key` in its custom id."""
    return len(page_custom_id(key, max(0, page_count - 1), "p")) <= CUSTOM_ID_MAX


class SentButtons(discord.ui.View):
    """Custom-id buttons that discord.py forgets once sent.

    discord.py keeps every sent view that has not finished (`ViewStore.add_view`, from `send_message`,
    `edit_original_response`, `followup.send`...) and gives an ephemeral reply's view a 15-minute
    timeout: the view and a timer per reply, piling up under a burst. Presses on these buttons are
    routed by their custom id to a registered dynamic item (`cogs._pages.PageButton`), so the view
    object has nothing left to do once drawn.
    """

    def __init__(self) -> None:
        super().__init__(timeout=None)

    def is_finished(self) -> bool:
        """Always: this view takes no presses itself, so discord.py neither stores nor times it."""
        return True


def page_view(key: str | None, page: int, page_count: int, *, share: bool) -> discord.ui.View | None:
    """Prev / page / Next (when there are pages) and Share (when allowed) for page `page` of a reply."""
    if key is None or (page_count <= 1 and not share):
        return None
    view = SentButtons()  # only custom-id buttons: nothing is kept once sent
    style = discord.ButtonStyle.secondary
    if page_count > 1:
        view.add_item(
            discord.ui.Button(label="◀ Prev", style=style, custom_id=page_custom_id(key, page, "p"), disabled=page <= 0)
        )
        view.add_item(
            discord.ui.Button(
                label=f"{page + 1}/{page_count}", style=style, custom_id=page_custom_id(key, page, "l"), disabled=True
            )
        )
        view.add_item(
            discord.ui.Button(
                label="Next ▶",
                style=style,
                custom_id=page_custom_id(key, page, "n"),
                disabled=page >= page_count - 1,
            )
        )
    if share:
        view.add_item(
            discord.ui.Button(
                label="Share", emoji="📣", style=discord.ButtonStyle.primary, custom_id=page_custom_id(key, page, "s")
            )
        )
    return view


def clamp_page(rendered: Rendered, page: int) -> int:
    """A page number within the reply (the data may have shrunk since the buttons were drawn)."""
    return max(0, min(page, rendered.page_count - 1))


def sent(view: discord.ui.View | None) -> None:
    """Let go of a view's buttons once sent: a view and its items reference each other, so otherwise
    every reply leaves cyclic garbage for the collector's passes, which stall the loop in a burst."""
    if view is not None:
        view.clear_items()


async def respond(interaction: discord.Interaction, rendered: Rendered, view: discord.ui.View | None) -> None:
    """Send `rendered`'s first page as the command's ephemeral reply (filling a deferred reply)."""
    try:
        await _respond(interaction, rendered, view)
    finally:
        sent(view)


async def _respond(interaction: discord.Interaction, rendered: Rendered, view: discord.ui.View | None) -> None:
    files = rendered.files()
    shown = view if view is not None else discord.utils.MISSING  # MISSING: no buttons, as if left out
    if interaction.response.is_done():
        await interaction.edit_original_response(
            embeds=rendered.pages[0], attachments=files, view=shown, allowed_mentions=discord.AllowedMentions.none()
        )
        mark_filled(interaction)
    else:
        await interaction.response.send_message(
            embeds=rendered.pages[0],
            files=files,
            view=shown,
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )
