"""Sources: keep a guild's data in step with a published sheet or feed, on a schedule, safely.

One run of a source: fetch (conditional, bounded) → unchanged? stop, nothing written → parse and
validate in full → plan the import restricted to the kinds the source declares (and its election)
→ hold it for a moderator if it would drop too many rows (or publish results under the two-person
rule) → apply through the same import service as `/admin data import`: one transaction, one audit
row (actor = the source) carrying the diff, one data-version bump → milestone check.

A failed run keeps the last good data, backs off (exponential, capped) and alerts the guild's alert
channel once per failure streak, and again on recovery. The schedule lives in the `sources` table
(`next_run_at`) and is driven by the shared clock: advancing a `ManualClock` wakes the scheduler.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.clock import Clock
from bot.config import Settings
from bot.domain.access import Actor
from bot.domain.sources import (
    DEFAULT_MAX_DROP_SHARE,
    Outcome,
    Source,
    SourceKind,
    clip_error,
    content_free_problem,
    may_remove_bodies,
    next_run,
)
from bot.errors import NotFound, UserError
from bot.packs import ElectionEntry, Loc
from bot.services.fetch import Fetched, Fetcher, FetchError, FetchLimits
from bot.services.imports import (
    ImportMode,
    ImportPlan,
    Pack,
    PackError,
    StaleImportError,
    apply_import,
    guild_zone,
    parse_csv,
    parse_pack_json,
    plan_import,
)
from bot.store import meta
from bot.store import sources as store
from bot.store.database import Database

log = logging.getLogger(__name__)


class SourceNotifier(Protocol):
    """Delivers source alerts to a guild's alert channel (the Discord side implements it)."""

    async def source_alert(self, channel_id: int, alert: SourceAlert) -> None:
        """Post `alert` in the channel (no pings)."""
        ...


@dataclass(slots=True)
class SourceAlert:
    """Something moderators should hear about a source: failing, recovered, or a run held for them."""

    kind: str  # "failing" | "recovered" | "held"
    source: Source
    reason: str = ""
    lines: list[str] = field(default_factory=list)


@dataclass(slots=True)
class SyncReport:
    """What one run of a source did, for the `sync` reply, the CLI and tests."""

    source: Source
    outcome: Outcome
    lines: list[str] = field(default_factory=list)  # the diff summary (applied / held / no changes)
    error: str | None = None
    reason: str = ""  # why a run was held, in plain words
    changes: int = 0  # rows added, changed or removed
    version: int | None = None  # data version after an apply
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        """True unless the run failed."""
        return self.outcome is not Outcome.FAILED


class _RunFailed(Exception):
    """A run failed for a reason moderators can read."""


def _ensure_election_column(data: bytes, slug: str) -> bytes:
    """Add an `election` column (the source's election) to a CSV sheet that has none.

    A sheet per election is the common case, so moderators need not repeat the slug on every row.
    Anything unreadable is returned as it is, for the CSV reader to report properly.
    """
    from bot.packs.csv_format import detect_delimiter, normalise_header

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data
    delimiter = detect_delimiter(text)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        return data
    if not rows or "election" in {normalise_header(h) for h in rows[0]}:
        return data
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["election", *rows[0]])
    for row in rows[1:]:
        writer.writerow([slug if any(c.strip() for c in row) else "", *row])
    return out.getvalue().encode("utf-8")


class SourcePipeline:
    """One run of a source: fetch → parse → plan → hold or apply → record, and the alerts it raises."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        *,
        limits: FetchLimits | None = None,
        max_drop_share: float = DEFAULT_MAX_DROP_SHARE,
        notifier: SourceNotifier | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.fetcher = Fetcher(limits, folder=settings.source_folder, allow_private=settings.source_allow_private)
        self.max_drop_share = max_drop_share
        #: Where alerts go (the Discord adapter); None on the command line, which has no channel to tell.
        self.notifier = notifier
        #: Called with the guild id after a run changed data (the reminders' milestone check).
        self.after_apply: list[Callable[[int], Awaitable[Any]]] = []
        self._locks: dict[int, asyncio.Lock] = {}

    def _lock(self, source_id: int) -> asyncio.Lock:
        return self._locks.setdefault(source_id, asyncio.Lock())

    async def run(
        self, source_id: int, *, manual: bool = False, confirm: tuple[Actor, str | None] | None = None
    ) -> SyncReport:
        """Run one source: fetch, validate, plan, hold or apply, record. Never raises for source trouble."""
        async with self._lock(source_id):
            source = await store.get(self.db.reader, source_id)
            if source is None:
                raise NotFound(f"There is no source #{source_id}.")
            if not manual and (source.paused or (source.next_run_at and source.next_run_at > self.clock.now())):
                return SyncReport(source, Outcome.SKIPPED)
            started = asyncio.get_running_loop().time()
            try:
                report = await self._run(source, confirm)
            except _RunFailed as exc:
                report = await self._failed(source, str(exc))
            except UserError:
                raise
            except Exception:
                ref = secrets.token_hex(4)
                log.exception("source #%s run failed (ref %s)", source.id, ref)
                report = await self._failed(source, f"an internal error in the bot (ref {ref}); tell its host")
            report.elapsed = asyncio.get_running_loop().time() - started
            return report

    async def _run(self, source: Source, confirm: tuple[Actor, str | None] | None) -> SyncReport:
        now = self.clock.now()
        source.last_attempt_at = now
        if confirm is not None:
            hold = await store.get_hold(self.db.reader, source.id)
            held_hash = confirm[1]
            if hold is None or (held_hash and not hold.content_hash.startswith(held_hash)):
                raise UserError("That held update is no longer waiting (it was already handled or replaced).")
            fetched = Fetched(
                not_modified=False,
                body=hold.content,
                etag=hold.etag,
                last_modified=hold.last_modified,
                content_hash=hold.content_hash,
            )
        else:
            try:
                fetched = await self.fetcher.fetch(source.url, etag=source.etag, last_modified=source.last_modified)
            except FetchError as exc:
                raise _RunFailed(str(exc)) from None
        if fetched.not_modified or fetched.content_hash == source.content_hash:
            source.etag = fetched.etag or source.etag
            source.last_modified = fetched.last_modified or source.last_modified
            # Back to the content last applied: any held update is moot.
            return await self._succeeded(source, SyncReport(source, Outcome.UNCHANGED), clear_hold=True)
        if fetched.content_hash == source.held_hash and confirm is None:
            return await self._succeeded(
                source, SyncReport(source, Outcome.STILL_HELD, lines=[source.held_summary or ""], reason="held")
            )
        assert fetched.body is not None and fetched.content_hash is not None
        # Parsing a large sheet takes a while: keep it off the event loop.
        zone = await guild_zone(self.db, source.guild_id, self.settings.timezone)
        pack, rows = await asyncio.to_thread(self._parse, source, fetched.body, fetched.content_type, zone)
        for attempt in range(3):
            plan = await self._plan(source, pack)
            if confirm is None:
                reason, lines = await self._hold_reason(source, plan)
                if reason:
                    return await self._hold(source, fetched, reason, lines)
            if plan.is_empty:
                break
            try:
                applied = await self._apply(source, plan, confirm[0] if confirm else None)
                break
            except StaleImportError:
                # Someone edited the data between plan and apply: plan again against what is there now.
                if attempt == 2:
                    raise _RunFailed("the data kept changing while the source was being applied") from None
        source.etag, source.last_modified = fetched.etag, fetched.last_modified
        source.content_hash = fetched.content_hash
        source.rows = rows
        if plan.is_empty:
            report = SyncReport(source, Outcome.NO_CHANGES, lines=plan.summary_lines())
            return await self._succeeded(source, report, clear_hold=True)
        changes = sum(sum(c.values()) for c in applied.counts().values())
        source.rows_applied += changes
        source.last_change_at = self.clock.now()
        report = SyncReport(
            source, Outcome.APPLIED, lines=applied.summary_lines(), changes=changes, version=applied.applied_version
        )
        report = await self._succeeded(source, report, clear_hold=True)
        await self._after_apply(source.guild_id)
        return report

    def _parse(self, source: Source, body: bytes, content_type: str, zone: str | None = None) -> tuple[Pack, int]:
        """Parse and validate the content in full, scoped to the source's election; any problem fails the run.
        Date-times without an offset are read in `zone`, the server's time zone."""
        name = f"source #{source.id}"
        looks_html = "html" in content_type.lower() or body.lstrip()[:15].lower().startswith((b"<!doctype", b"<html"))
        if looks_html:
            raise _RunFailed(
                "the link returned a web page, not data: publish the sheet to the web as CSV "
                "(File → Share → Publish to web) and use that link"
            )
        try:
            if source.kind is SourceKind.PACK:
                pack = parse_pack_json(body, f"{name}.json", zone=zone)
            else:
                if source.kind is not SourceKind.BODIES:
                    body = _ensure_election_column(body, source.election)
                pack = parse_csv(source.kind.value, body, f"{name}.csv", zone=zone)
        except PackError as exc:
            raise _RunFailed(self._issues(exc)) from None
        others = [slug for slug in pack.slugs if slug != source.election]
        if others and source.kind is not SourceKind.PACK:
            # Counted, not named: what the sheet says is never repeated back (see `content_free_problem`).
            raise _RunFailed(
                f"the sheet has rows for {len(others)} other election{'s' if len(others) != 1 else ''}, "
                f"but this source feeds only {source.election}"
            )
        entry = pack.entry(source.election)
        if entry is None and source.kind.is_csv and source.kind is not SourceKind.BODIES:
            # A sheet with a header and no rows still speaks for its election: it lists none.
            entry = ElectionEntry(slug=source.election, loc=Loc(pack.source, "row 1"), slug_field="election")
            if source.kind is SourceKind.RESULTS:
                entry.result_given = True
            else:
                setattr(entry, source.kind.value, [])
        if source.kind is SourceKind.PACK and entry is None and others:
            raise _RunFailed(f"the pack has no election {source.election}")
        scoped = Pack(source=pack.source, bodies=pack.bodies, elections=[entry] if entry is not None else [])
        return scoped, self._row_count(scoped)

    async def _plan(self, source: Source, pack: Pack) -> ImportPlan:
        """Plan the import against the guild's current data, only for the kinds the source declares."""
        try:
            plan = await plan_import(
                self.db,
                source.guild_id,
                pack,
                kinds=self._kinds(source, pack),
                mode=ImportMode.of(source.authoritative),
            )
        except PackError as exc:
            raise _RunFailed(self._issues(exc)) from None
        bodies = plan.diffs.get("bodies")
        if bodies and bodies.removed:
            others = await store.list_for_guild(self.db.reader, source.guild_id)
            if not may_remove_bodies(source, others):
                bodies.removed = []  # bodies are shared by the guild: another source decides them
                plan.removals = [r for r in plan.removals if r.kind != "bodies"]
                plan.target = None  # no longer the exact state applying leaves behind
        return plan

    @staticmethod
    def _kinds(source: Source, pack: Pack) -> set[str]:
        """The kinds a run may write: what the source declares (a pack: what it carries)."""
        if source.kind is SourceKind.PACK:
            return set(pack.kinds)
        return {source.kind.value}

    @staticmethod
    def _row_count(pack: Pack) -> int:
        total = len(pack.bodies or [])
        for e in pack.elections:
            total += int(e.election is not None) + len(e.slates or []) + len(e.candidates or [])
            total += len(e.nominations or [])
            if e.result is not None:
                total += sum(len(r.get("votes", {})) for r in e.result.data.get("rounds", []))
        return total

    @staticmethod
    def _issues(exc: Exception) -> str:
        """The problems in plain words that quote nothing from the fetched data."""
        issues = getattr(exc, "issues", None)
        if not issues:
            return "the data could not be read"
        shown = "; ".join(content_free_problem(i.where, i.field, i.message) for i in issues[:3])
        more = f" (and {len(issues) - 3} more)" if len(issues) > 3 else ""
        return clip_error(
            f"the data has {len(issues)} problem{'s' if len(issues) != 1 else ''}: {shown}{more}. "
            "To see each one in full, download the sheet and preview it with `/admin data import`"
        )

    async def _hold_reason(self, source: Source, plan: ImportPlan) -> tuple[str, list[str]]:
        """Why this run must wait for a moderator ("" when it need not)."""
        lines = plan.summary_lines()
        danger = plan.danger(self.max_drop_share)  # the one rule every import follows
        if danger is not None:
            return (
                f"the source suddenly lists fewer rows: {danger.describe()}. A broken sheet must not wipe the "
                "data, so nothing was changed",
                lines,
            )
        cascades = plan.cascades()
        if cascades:
            # A source never changes kinds it does not declare: removing or renaming a row would take
            # the rows that refer to it (e.g. a candidate's nominations and votes) with it.
            return (
                f"it would also change {' and '.join(cascades)}, which this source does not provide "
                "(a row it removes or renames takes them with it)",
                lines,
            )
        published = plan.published_changes()
        if published:
            return (
                f"it would change the published results of {', '.join(published)}, which members can see",
                lines,
            )
        return "", lines

    async def _apply(self, source: Source, plan: ImportPlan, confirmer: Actor | None) -> ImportPlan:
        """Apply through the import service: one transaction, one audit row (actor = the source), one bump."""
        actor_id = confirmer.user_id if confirmer else None
        actor_name = f"{confirmer.name} (confirming {source.actor_name})" if confirmer else source.actor_name
        return await apply_import(
            self.db,
            source.guild_id,
            plan,
            actor_id=actor_id,
            actor_name=actor_name[:200],
            now=self.clock.now(),
            source=f"source #{source.id}",
        )

    async def _hold(self, source: Source, fetched: Fetched, reason: str, lines: list[str]) -> SyncReport:
        """Keep the data as it is and ask a moderator: store the exact content and alert once."""
        assert fetched.body is not None and fetched.content_hash is not None
        now = self.clock.now()
        summary = "\n".join([reason, *lines])
        async with self.db.transaction() as tx:
            await store.put_hold(
                tx,
                store.Hold(
                    source_id=source.id,
                    guild_id=source.guild_id,
                    content=fetched.body,
                    content_hash=fetched.content_hash,
                    etag=fetched.etag,
                    last_modified=fetched.last_modified,
                    summary=summary,
                    created_at=now,
                ),
            )
        source.held_hash, source.held_at, source.held_summary = fetched.content_hash, now, summary
        report = await self._succeeded(source, SyncReport(source, Outcome.HELD, lines=lines, reason=reason))
        await self._notify(source, SourceAlert("held", source, reason=reason, lines=lines))
        return report

    async def _succeeded(self, source: Source, report: SyncReport, *, clear_hold: bool = False) -> SyncReport:
        """Record a healthy run: the streak ends (with a recovery alert if a failure was alerted)."""
        now = self.clock.now()
        recovered = source.failures > 0 and source.alerted
        streak = source.failures
        source.last_success_at = now
        source.failures = 0
        source.alerted = False
        source.next_run_at = next_run(now, source.every)
        async with self.db.transaction() as tx:
            if clear_hold and source.held_hash is not None:
                await store.clear_hold(tx, source.id)
            await store.save_state(tx, source)
        if clear_hold:
            source.held_hash = source.held_at = source.held_summary = None
        if recovered:
            await self._notify(
                source,
                SourceAlert(
                    "recovered",
                    source,
                    reason=f"after {streak} failed run{'s' if streak != 1 else ''}",
                    lines=report.lines if report.outcome is Outcome.APPLIED else [],
                ),
            )
        return report

    async def _failed(self, source: Source, reason: str) -> SyncReport:
        """Record a failed run: keep the data, back off, alert once per streak."""
        now = self.clock.now()
        reason = clip_error(reason)
        source.last_attempt_at = now
        source.failures += 1
        source.last_error, source.last_error_at = reason, now
        source.next_run_at = next_run(now, source.every, source.failures)
        alert = not source.alerted and self.notifier is not None  # the command line has no channel to tell
        source.alerted = source.alerted or alert
        async with self.db.transaction() as tx:
            await store.save_state(tx, source)
        log.info("source #%s failed (%d in a row): %s", source.id, source.failures, reason)
        if alert:
            await self._notify(source, SourceAlert("failing", source, reason=reason))
        return SyncReport(source, Outcome.FAILED, error=reason)

    async def _notify(self, source: Source, alert: SourceAlert) -> None:
        if self.notifier is None:
            return
        try:
            settings = await meta.get_settings(self.db.reader, source.guild_id)
            if settings.alert_channel_id is None:
                log.info("source #%s: %s, but guild %s has no alert channel", source.id, alert.kind, source.guild_id)
                return
            await self.notifier.source_alert(settings.alert_channel_id, alert)
        except Exception:
            log.warning("could not deliver a source alert for #%s", source.id, exc_info=True)

    async def _after_apply(self, guild_id: int) -> None:
        for hook in list(self.after_apply):
            try:
                await hook(guild_id)
            except Exception:
                log.warning("after-sync hook %r failed for guild %s", hook, guild_id, exc_info=True)
