"""`/admin source add|list|sync|pause|resume|remove`: thin adapters over `SourceService`.

The `source` subgroup attaches to the moderator tools' `/admin` group (`cogs.admin` must load first).
This cog also handles the Apply / Keep buttons of a held update (on the alerts that
`bot.discord_adapters.notifier` posts): persistent (they work after a restart), moderator-only,
checked inside the bot on every press.
"""

from __future__ import annotations

import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import HustingsBot
from bot.domain.access import Level
from bot.domain.sources import Outcome, SourceKind, display_url
from bot.errors import UserError
from bot.render import sources as render
from bot.render.common import Rendered, follow_up
from bot.services.sources.commands import SourceService
from bot.services.sources.pipeline import SyncReport
from cogs._access import actor_from, require
from cogs._buttons import StatelessButton
from cogs._pages import Args, PageButton, renders, show

log = logging.getLogger(__name__)

KINDS = [app_commands.Choice(name=k.value, value=k.value) for k in SourceKind]


def sources(interaction: discord.Interaction[HustingsBot]) -> SourceService:
    """The bot's source service."""
    return interaction.client.services.sources


def _guild(interaction: discord.Interaction[HustingsBot]) -> int:
    if interaction.guild_id is None:
        raise UserError("Sources belong to a server: use this command inside one.")
    return interaction.guild_id


class HoldButton(StatelessButton, template=render.HOLD_TEMPLATE):
    """Apply or keep-current for a held update; the custom id carries the source and the held content's hash."""

    acknowledge = "update"  # within 3 s: the checks and the apply may wait for the database

    def __init__(self, act: str, source_id: int, held_hash: str) -> None:
        button = render.hold_button(act, source_id, held_hash)  # the one place the custom id is made
        super().__init__(button.custom_id or "", button.label, style=button.style)
        self.act = act
        self.source_id = source_id
        self.held_hash = held_hash[:16]

    @classmethod
    def parse(cls, match: re.Match[str]) -> HoldButton:
        """The act, the source's id and the held content's hash."""
        return cls(match["act"], int(match["id"]), match["h"])

    async def pressed(self, interaction: discord.Interaction[HustingsBot]) -> None:
        """Check the presser is a moderator (audited), then apply or keep, and retire the buttons."""
        action = f"source.{'confirm' if self.act == 'apply' else 'reject'}"
        await require(interaction, Level.MODERATOR, action, f"#{self.source_id}")
        actor = actor_from(interaction)
        service = sources(interaction)
        if self.act == "apply":
            report = await service.confirm_hold(actor, self.source_id, self.held_hash)
            extra = [render.report_embed(report)]
            text = render.resolved_text(actor.name, True, service.clock.now())
        else:
            await service.reject_hold(actor, self.source_id, self.held_hash)
            extra = []
            text = render.resolved_text(actor.name, False, service.clock.now())
        embeds = [*(interaction.message.embeds[:1] if interaction.message else []), *extra]
        await interaction.edit_original_response(
            content=text, embeds=embeds, view=None, allowed_mentions=render.NO_MENTIONS
        )


@renders("source.list")
async def _list(interaction: discord.Interaction[HustingsBot], args: Args) -> Rendered:
    """The server's sources (moderators only, checked on every page turn)."""
    await require(interaction, Level.MODERATOR, "source.list")
    items = await sources(interaction).for_guild(_guild(interaction))
    return Rendered(pages=[[e] for e in render.list_embeds(items)])


async def source_autocomplete(
    interaction: discord.Interaction[HustingsBot], current: int | str
) -> list[app_commands.Choice[int]]:
    """The guild's sources (moderators only; others see nothing)."""
    if interaction.guild_id is None:
        return []
    service = sources(interaction)
    if service.access is not None and await service.access.level(actor_from(interaction)) < Level.MODERATOR:
        return []
    typed = str(current).strip().lstrip("#").casefold()
    out = []
    for s in await service.for_guild(interaction.guild_id):
        label = f"#{s.id} {s.kind.value} → {s.election} ({display_url(s.url, 50)})"
        if not typed or typed in label.casefold():
            out.append(app_commands.Choice(name=label[:100], value=s.id))
    return out[:25]


async def election_autocomplete(
    interaction: discord.Interaction[HustingsBot], current: str
) -> list[app_commands.Choice[str]]:
    """Elections of this guild (value: the slug)."""
    try:
        from cogs.admin_common import election_autocomplete as admin_elections
    except ImportError:  # the moderator tools are not installed: offer nothing
        return []
    return await admin_elections(interaction, current)


async def _set_paused(interaction: discord.Interaction[HustingsBot], source: int, paused: bool) -> None:
    """Pause or resume a source and say so."""
    found = await sources(interaction).set_paused(actor_from(interaction), source, paused)
    await _reply(interaction, content=render.paused_text(found))


class SourceGroup(app_commands.Group, name="source", description="Sync data from a published sheet or feed"):
    """Sources of this server's data."""

    @app_commands.command(name="add", description="Follow a published sheet or feed")
    @app_commands.describe(
        election="Election it feeds",
        kind="JSON pack or one CSV table",
        url="Published https:// link",
        every="15m (default), 1h, 1d",
        authoritative="Remove rows it no longer lists",
    )
    @app_commands.choices(kind=KINDS)
    @app_commands.autocomplete(election=election_autocomplete)
    async def add(
        self,
        interaction: discord.Interaction[HustingsBot],
        election: str,
        kind: str,
        url: str,
        every: str | None = None,
        authoritative: bool | None = None,
    ) -> None:
        """Add a source; its first read starts at once."""
        source = await sources(interaction).add(
            actor_from(interaction),
            election=election,
            kind=kind,
            url=url,
            every=every,
            authoritative=authoritative,
        )
        await _reply(interaction, embed=render.added_embed(source))

    @app_commands.command(name="list", description="Sources and their state")
    async def list_(self, interaction: discord.Interaction[HustingsBot]) -> None:
        """List the server's sources."""
        await show(interaction, "source.list", {}, share=False)

    @app_commands.command(name="sync", description="Read a source now")
    @app_commands.describe(source="Source")
    @app_commands.autocomplete(source=source_autocomplete)
    async def sync(self, interaction: discord.Interaction[HustingsBot], source: int) -> None:
        """Run a source now; reply with the diff (and Apply / Keep when the update is held)."""
        await require(interaction, Level.MODERATOR, "source.sync", f"#{source}")
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await sources(interaction).sync(_guild(interaction), source, actor_from(interaction))
        await send_report(interaction, report)

    @app_commands.command(name="pause", description="Pause a source")
    @app_commands.describe(source="Source")
    @app_commands.autocomplete(source=source_autocomplete)
    async def pause(self, interaction: discord.Interaction[HustingsBot], source: int) -> None:
        """Pause a source."""
        await _set_paused(interaction, source, True)

    @app_commands.command(name="resume", description="Resume a source")
    @app_commands.describe(source="Source")
    @app_commands.autocomplete(source=source_autocomplete)
    async def resume(self, interaction: discord.Interaction[HustingsBot], source: int) -> None:
        """Resume a source."""
        await _set_paused(interaction, source, False)

    @app_commands.command(name="remove", description="Stop following a source")
    @app_commands.describe(source="Source")
    @app_commands.autocomplete(source=source_autocomplete)
    async def remove(self, interaction: discord.Interaction[HustingsBot], source: int) -> None:
        """Remove a source."""
        found = await sources(interaction).remove(actor_from(interaction), source)
        await _reply(interaction, content=render.removed_text(found))


async def _reply(
    interaction: discord.Interaction[HustingsBot], *, content: str | None = None, embed: discord.Embed | None = None
) -> None:
    """Reply ephemerally without pings — as a follow-up when the command was deferred (e.g. its write
    had to wait for the database)."""
    embeds = [embed] if embed is not None else []
    if interaction.response.is_done():
        await follow_up(interaction, content=content, embeds=embeds)
    else:
        await interaction.response.send_message(
            content, embeds=embeds, ephemeral=True, allowed_mentions=render.NO_MENTIONS
        )


async def send_report(interaction: discord.Interaction[HustingsBot], report: SyncReport) -> None:
    """Follow up a deferred command with a run's report (held: with the Apply / Keep buttons)."""
    view = render.hold_view(report.source) if report.outcome in (Outcome.HELD, Outcome.STILL_HELD) else None
    await follow_up(interaction, embeds=[render.report_embed(report)], view=view)


class Sources(commands.Cog):
    """Attaches `/admin source` and registers the hold buttons."""

    def __init__(self, bot: HustingsBot) -> None:
        self.bot = bot
        self.group: SourceGroup | None = None

    async def cog_load(self) -> None:
        """Attach the subgroup to `/admin` and register the persistent buttons."""
        admin = self.bot.get_cog("Admin")
        parent = getattr(admin, "group", None)
        if isinstance(parent, app_commands.Group):
            self.group = SourceGroup(parent=parent)  # a Group made with a parent adds itself to it
        else:
            log.warning("cogs.admin is not loaded before cogs.sources: /admin source is unavailable")
        self.bot.add_dynamic_items(HoldButton, PageButton)

    async def cog_unload(self) -> None:
        """Detach everything this cog added."""
        admin = self.bot.get_cog("Admin")
        parent = getattr(admin, "group", None)
        if self.group is not None and isinstance(parent, app_commands.Group):
            parent.remove_command(self.group.name)
        self.bot.remove_dynamic_items(HoldButton)


async def setup(bot: HustingsBot) -> None:
    """Load the cog."""
    await bot.add_cog(Sources(bot))
