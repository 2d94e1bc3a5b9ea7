"""The moderators' use-cases behind `/admin source`: add, list, sync, pause, resume, remove, confirm or
reject a held update, and how current a source-fed election is."""

from __future__ import annotations

from typing import Any

from bot.clock import Clock
from bot.config import Settings
from bot.domain.access import Actor, Level
from bot.domain.sources import (
    DEFAULT_MAX_DROP_SHARE,
    Freshness,
    Source,
    SourceKind,
    SourceRuleError,
    freshness,
    parse_every,
    rival_for,
)
from bot.domain.validation import ValidationError, validate_slug
from bot.errors import NotFound, UserError
from bot.services.access import AccessService
from bot.services.audit_trail import record_change
from bot.services.fetch import FetchError, FetchLimits, validate_url
from bot.services.sources.pipeline import SourceNotifier, SyncReport
from bot.services.sources.scheduler import CONCURRENCY, SourceScheduler
from bot.store import elections, meta
from bot.store import sources as store
from bot.store.database import Database


class SourceService(SourceScheduler):
    """Source commands (add, list, sync, pause, resume, remove, confirm a hold), on the pipeline and scheduler."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        access: AccessService | None = None,
        *,
        limits: FetchLimits | None = None,
        max_drop_share: float = DEFAULT_MAX_DROP_SHARE,
        concurrency: int = CONCURRENCY,
        notifier: SourceNotifier | None = None,
    ) -> None:
        super().__init__(
            db,
            clock,
            settings,
            limits=limits,
            max_drop_share=max_drop_share,
            notifier=notifier,
            concurrency=concurrency,
        )
        self.access = access

    # --------------------------------------------------------------------------------- commands

    async def _require(self, actor: Actor, action: str, entity: str = "") -> None:
        if self.access is not None:
            await self.access.require(actor, Level.MODERATOR, action, entity)

    async def add(
        self,
        actor: Actor,
        *,
        election: str,
        kind: str,
        url: str,
        every: str | None = None,
        authoritative: bool | None = None,
    ) -> Source:
        """Add a source feeding `election`; its first run is due at once. Refusals are plain sentences."""
        await self._require(actor, "source.add", url[:200])
        try:
            source_kind = SourceKind(kind.strip().lower())
        except ValueError:
            raise UserError(
                f"{kind!r} isn't a source kind: choose pack, candidates, bodies, nominations or results."
            ) from None
        try:
            interval = parse_every(every)
            url = validate_url(url, self.settings.source_folder, self.settings.source_allow_private)
            await self.fetcher.check_link(url)
        except (SourceRuleError, FetchError) as exc:
            raise UserError(str(exc)) from None
        try:  # a pack source may name an election it will create, so check the slug's shape here
            slug = validate_slug(election.strip().lower(), "election")
        except ValidationError as exc:
            raise UserError(exc.message) from None
        guild_id = actor.guild_id
        if source_kind is not SourceKind.PACK and await elections.get_by_slug(self.db.reader, guild_id, slug) is None:
            raise NotFound(
                f"There is no election `{slug}` here: create it first, or use a `pack` source that defines it."
            )
        existing = await store.list_for_guild(self.db.reader, guild_id)
        if len(existing) >= self.settings.max_sources:
            raise UserError(
                f"This server already has {self.settings.max_sources} sources, the most this bot allows per server. "
                "Remove one you no longer need (`/admin source list`, then `/admin source remove`) first."
            )
        if any(s.election == slug and s.kind is source_kind and s.url == url for s in existing):
            raise UserError("That source is already set up for this election: see `/admin source list`.")
        rival = rival_for(slug, source_kind, existing)
        if authoritative is None:
            authoritative = rival is None
        elif authoritative and rival is not None:
            raise UserError(
                f"Source #{rival.id} ({rival.kind.value}) already decides which rows this election has. Add this "
                "one with `authoritative: False` (it will add and update rows, never remove them), or remove "
                f"#{rival.id} first."
            )
        now = self.clock.now()
        source = Source(
            id=0,
            guild_id=guild_id,
            election=slug,
            kind=source_kind,
            url=url,
            every=interval,
            authoritative=authoritative,
            created_by=actor.user_id,
            created_at=now,
            next_run_at=now,
        )
        async with self.db.transaction() as tx:
            source.id = await store.add(tx, source)
            await record_change(tx, actor, "source.add", source.label, after=self._describe(source), at=now)
        self.wake()
        return source

    async def for_guild(self, guild_id: int) -> list[Source]:
        """A guild's sources, oldest first."""
        return await store.list_for_guild(self.db.reader, guild_id)

    async def get(self, guild_id: int, source_id: int) -> Source:
        """One of the guild's sources, or a plain NotFound."""
        source = await store.get(self.db.reader, source_id, guild_id)
        if source is None:
            raise NotFound(f"There is no source #{source_id} on this server: see `/admin source list`.")
        return source

    async def set_paused(self, actor: Actor, source_id: int, paused: bool) -> Source:
        """Pause a source (no scheduled runs) or resume it (runs at once)."""
        action = "source.pause" if paused else "source.resume"
        await self._require(actor, action, f"#{source_id}")
        async with self._lock(source_id):
            source = await self.get(actor.guild_id, source_id)
            if source.paused == paused:
                return source
            before = self._describe(source)
            now = self.clock.now()
            source.paused = paused
            if not paused:
                source.next_run_at = now
            async with self.db.transaction() as tx:
                await store.save_state(tx, source)
                await record_change(
                    tx, actor, action, source.label, before=before, after=self._describe(source), at=now
                )
        self.wake()
        return source

    async def remove(self, actor: Actor, source_id: int) -> Source:
        """Stop following a source. The data it brought in stays."""
        await self._require(actor, "source.remove", f"#{source_id}")
        async with self._lock(source_id):
            source = await self.get(actor.guild_id, source_id)
            async with self.db.transaction() as tx:
                await store.delete(tx, source.id)
                await record_change(
                    tx, actor, "source.remove", source.label, before=self._describe(source), at=self.clock.now()
                )
        self._locks.pop(source_id, None)
        return source

    async def sync(self, guild_id: int, source_id: int, actor: Actor | None = None) -> SyncReport:
        """Run one source now (paused or not) and report what it did."""
        if actor is not None:
            await self._require(actor, "source.sync", f"#{source_id}")
        await self.get(guild_id, source_id)
        return await self.run(source_id, manual=True)

    async def confirm_hold(self, actor: Actor, source_id: int, held_hash: str | None = None) -> SyncReport:
        """Apply a held run as a moderator confirmed it (the exact content they were shown)."""
        await self._require(actor, "source.confirm", f"#{source_id}")
        source = await self.get(actor.guild_id, source_id)
        settings = await meta.get_settings(self.db.reader, actor.guild_id)
        if settings.two_person_publish and source.created_by is not None and source.created_by == actor.user_id:
            # Two-person rule: whoever set the source up is its requester; a different moderator approves.
            async with self.db.transaction() as tx:
                await record_change(
                    tx,
                    actor,
                    "source.confirm",
                    f"#{source_id} (own source, two-person rule)",
                    denied=True,
                    at=self.clock.now(),
                )
            raise UserError(
                "Two-person publish is on and you set up this source, so a **different** moderator must apply "
                "its held update."
            )
        return await self.run(source_id, manual=True, confirm=(actor, held_hash))

    async def reject_hold(self, actor: Actor, source_id: int, held_hash: str | None = None) -> Source:
        """Keep the current data: the held content is marked seen, so it is not offered again."""
        await self._require(actor, "source.reject", f"#{source_id}")
        async with self._lock(source_id):
            source = await self.get(actor.guild_id, source_id)
            hold = await store.get_hold(self.db.reader, source_id)
            if hold is None or (held_hash and not hold.content_hash.startswith(held_hash)):
                raise UserError("That held update is no longer waiting (it was already handled or replaced).")
            source.content_hash, source.etag, source.last_modified = hold.content_hash, hold.etag, hold.last_modified
            async with self.db.transaction() as tx:
                await store.clear_hold(tx, source_id)
                await store.save_state(tx, source)
                await record_change(
                    tx, actor, "source.reject", source.label, before={"held": hold.summary}, at=self.clock.now()
                )
            source.held_hash = source.held_at = source.held_summary = None
        return source

    async def source_freshness(self, guild_id: int, election: int | str) -> Freshness:
        """How current an election's source-fed data is (by election id or slug), for member views.

        `Freshness.sources == 0` means no source feeds it (show nothing); else `describe()` gives the
        footer text, e.g. "Checked against its source 4 min ago — may be out of date".
        """
        slug = election
        if isinstance(election, int):
            listed = await elections.list_for_guild(self.db.reader, guild_id)
            slug = next((e.slug for e in listed if e.id == election), "")
        items = await store.list_for_election(self.db.reader, guild_id, str(slug))
        return freshness(items, self.clock.now())

    @staticmethod
    def _describe(source: Source) -> dict[str, Any]:
        return {
            "election": source.election,
            "kind": source.kind.value,
            "url": source.url,
            "every_minutes": int(source.every.total_seconds() // 60),
            "authoritative": source.authoritative,
            "paused": source.paused,
        }
