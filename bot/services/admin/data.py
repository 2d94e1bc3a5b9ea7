"""Moderator use-cases for files: preview and apply an import (pack JSON or CSV), export a pack.

An import is two steps. `prepare_import` checks the attachment (type, size), parses it and plans the
change against the guild's current data, writing nothing. `apply_import` carries the plan out in one
transaction (the import service writes the changes, the version bump and ONE audit row together) —
only for the moderator who prepared it, within `IMPORT_TTL` of the preview, and only if nobody
changed the data since (else it asks for a fresh preview).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.cache import Cache
from bot.domain import admin_rules as rules
from bot.domain.access import Actor
from bot.errors import UserError
from bot.packs import ImportPlan, PackError
from bot.services import imports
from bot.services.admin.core import AdminCore, checked
from bot.services.admin.pending import AdminPending
from bot.store import meta

#: How long a previewed import may still be applied.
IMPORT_TTL = timedelta(minutes=10)

#: Problems listed in a refusal (the rest are counted).
SHOWN_PROBLEMS = 8


@dataclass(frozen=True, slots=True)
class PreparedImport:
    """A planned import waiting for its moderator's Apply."""

    token: str
    guild_id: int
    actor_id: int | None
    filename: str
    plan: ImportPlan
    prepared_at: datetime
    dry_run: bool

    @property
    def summary_lines(self) -> list[str]:
        """The diff, one line per kind (added, changed, removed, with the first names)."""
        return self.plan.summary_lines()

    @property
    def large_removal(self) -> str | None:
        """Why applying needs a second, explicit confirmation (a large removal), or None."""
        danger = self.plan.danger()
        return None if danger is None else danger.describe()


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A pack ready to attach."""

    filename: str
    data: bytes


def problems_text(error: PackError, filename: str) -> str:
    """A refusal naming the first problems of a file (escaped: file contents are user text)."""
    lines = [rules.echo(line, 180) for line in error.lines()[:SHOWN_PROBLEMS]]
    more = len(error.issues) - len(lines)
    if more > 0:
        lines.append(f"… and {more} more")
    noun = "problem" if len(error.issues) == 1 else "problems"
    return f"{rules.echo(filename, 80)}: {len(error.issues)} {noun} found; nothing was imported.\n" + "\n".join(
        f"• {line}" for line in lines
    )


def stored_import(prepared: PreparedImport, data: bytes, *, replace: bool) -> dict[str, Any]:
    """What an import's Apply button needs stored to plan the same file again: the file itself
    (never cut), its name, the mode and the data version the preview was made against."""
    return {
        "filename": prepared.filename,
        "data": base64.b64encode(data).decode("ascii"),
        "replace": replace,
        "version": prepared.plan.base_version,
    }


def _bytes(data: bytes) -> Callable[[], Awaitable[bytes]]:
    async def read() -> bytes:
        return data

    return read


class AdminData:
    """Import and export election data files."""

    def __init__(self, core: AdminCore) -> None:
        self.core = core
        self.pending = AdminPending(core)
        #: The guilds' current data as imports compare it, by (guild, data version): repeated previews
        #: of a large file skip re-reading every row.
        self.import_states: imports.States = Cache(16)

    async def prepare_import(
        self,
        actor: Actor,
        *,
        filename: str,
        size: int,
        read: Callable[[], Awaitable[bytes]],
        dry_run: bool = False,
        replace: bool = False,
    ) -> PreparedImport:
        """Check, read and plan an uploaded file; nothing is written.

        By default the import adds and updates; with `replace` it also removes what the file leaves
        out, within the elections it names (`bot.domain.import_rules`).
        """
        await self.core.require(actor, "data.import", filename)
        checked(rules.check_attachment, filename, size)
        data = await read()
        if len(data) > rules.MAX_ATTACHMENT_BYTES:
            raise UserError("`file` is larger than 5 MB.")
        try:
            zone = await imports.guild_zone(self.core.db, actor.guild_id, self.core.default_zone)
            plan = await imports.plan_file(
                self.core.db,
                actor.guild_id,
                lambda: imports.parse_upload(filename, data, zone=zone),
                mode=imports.ImportMode.of(replace),
                states=self.import_states,
            )
        except PackError as exc:
            raise UserError(problems_text(exc, filename)) from None
        return PreparedImport(
            token=secrets.token_hex(8),
            guild_id=actor.guild_id,
            actor_id=actor.user_id,
            filename=filename,
            plan=plan,
            prepared_at=self.core.clock.now(),
            dry_run=dry_run,
        )

    async def apply_import(
        self, actor: Actor, prepared: PreparedImport, *, large_removal_confirmed: bool = False
    ) -> ImportPlan:
        """Apply a previewed import atomically (same moderator, same guild, not expired, data unchanged).

        A large removal (`prepared.large_removal`) is applied only once confirmed a second time.
        """
        await self.core.require(actor, "data.import", prepared.filename)
        if actor.guild_id != prepared.guild_id or actor.user_id != prepared.actor_id:
            await self.core.deny(actor, "data.import", prepared.filename)
            raise UserError("Only the moderator who previewed this import can apply it.")
        if prepared.dry_run:
            raise UserError("That was a dry run: run `/admin data import` again without `dry_run` to apply it.")
        now = self.core.clock.now()
        if now - prepared.prepared_at > IMPORT_TTL:
            raise UserError("This import preview expired; nothing was changed. Upload the file again.")
        if prepared.large_removal and not large_removal_confirmed:
            raise UserError(
                f"This import {prepared.large_removal.removeprefix('it ')}, so it needs a second confirmation; "
                "nothing was changed."
            )
        try:
            applied = await imports.apply_import(
                self.core.db,
                actor.guild_id,
                prepared.plan,
                actor_id=actor.user_id,
                actor_name=actor.name,
                now=now,
                source=f"import: {prepared.filename}",
                states=self.import_states,
            )
        except imports.StaleImportError:
            raise UserError(
                "The data changed since this preview, so nothing was imported: upload the file again to see "
                "the new differences."
            ) from None
        if not prepared.plan.is_empty:
            await self.core.notify_latest(actor, "data.import")
        return applied

    async def replan(self, actor: Actor, stored: dict[str, Any]) -> PreparedImport:
        """Plan a previewed file again from the copy stored with its Apply button (works after a restart).

        Refuses when the guild's data changed since the preview, as applying a stale plan would.
        """
        data = base64.b64decode(stored["data"])
        prepared = await self.prepare_import(
            actor, filename=stored["filename"], size=len(data), read=_bytes(data), replace=bool(stored["replace"])
        )
        if prepared.plan.base_version != stored["version"]:
            raise UserError(
                "The data changed since this preview, so nothing was imported: upload the file again to see "
                "the new differences."
            )
        return prepared

    async def publish_gate(self, actor: Actor, prepared: PreparedImport, stored: dict[str, Any]) -> str | None:
        """The two-person rule for an import that changes results members see (publishing, unpublishing or
        new figures). Returns who asked first when this moderator confirms their request ("" when the
        rule does not apply), or None when the import now waits for a different moderator (audited)."""
        touched = prepared.plan.published_changes()
        settings = await meta.get_settings(self.core.db.reader, actor.guild_id)
        if not touched or not settings.two_person_publish:
            return ""
        digest = hashlib.sha256(stored["data"].encode("ascii")).hexdigest()
        request = {"file": digest, "replace": bool(stored["replace"])}
        gate = await self.pending.second_moderator(actor, "data.import.published", request)
        if gate.confirmed is not None:
            return gate.confirmed.requested_name
        async with self.core.change(actor, "data.import", prepared.filename) as ch:
            ch.after = {"awaiting_second_moderator": True, "published_results": touched}
        return None

    async def export(self, actor: Actor, election_slug: str | None = None) -> ExportFile:
        """The guild's data (or one election's) as a JSON pack file (moderators only: it holds unpublished
        results)."""
        await self.core.require(actor, "data.export", election_slug or "")
        slug = None
        if election_slug:
            slug = (await self.core.election(self.core.db.reader, actor.guild_id, election_slug)).slug
        pack = await imports.export_pack(self.core.db, actor.guild_id, slug)
        stamp = self.core.clock.now().strftime("%Y%m%d-%H%M")
        text = json.dumps(pack, indent=2, ensure_ascii=False, sort_keys=False)
        return ExportFile(f"hustings-{slug or 'all'}-{stamp}.json", text.encode("utf-8"))
