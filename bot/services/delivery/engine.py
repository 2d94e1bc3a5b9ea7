"""The delivery engine: every announcement, reminder and alert goes out exactly once.

The database is the truth. Producers (announcements, election reminders, member subscriptions)
turn their stored items into ledger rows — one per (item, occurrence) — for everything due up to
`clock.now()`; the engine then sends the pending rows and records each message id. Nothing lives
only in memory, so a restart rebuilds everything from the tables.

- **Exactly once**: a row is claimed (`sending`, by this process, for `CLAIM_LEASE`) before the
  request and carries a nonce derived from its (item, occurrence) key with `enforce_nonce`, so a crash
  between Discord accepting the message and the ledger recording it re-sends with the same nonce and
  Discord returns the first message.
  Discord only remembers nonces for a few minutes, so a retry later than `NONCE_TRUST` after the
  first attempt first *reconciles*: it reads the channel's messages since that attempt and, finding
  our post (by what it says: the nonce is not returned there), records it instead of sending again.
- **Claims**: each write after a send is fenced on the claim (`claimed_by`), so a leader that lost its
  lock without noticing yet can't overwrite a row another process took over. A row whose process died
  goes back to pending when its lease lapses; on SQLite (one process) at once when the engine starts.
- **Stopping**: `drain` stops taking rows, lets sends in flight finish for a bounded wait, and puts
  any it must cut off back to pending, so SIGTERM never leaves a row `sending`.
- **Missed while down**: an occurrence up to the guild's grace window late is sent and marked late;
  older ones are marked missed and summarised in one alert per guild.
- **Failures**: transient ones (5xx, timeouts) back off and retry until the grace window runs out;
  permanent ones (unknown channel, missing access/permissions) fail at once with one alert per
  failing streak; a member's closed DMs pause their reminders. A guard keeps refused requests far
  below Discord's invalid-request limit.
- **Lanes**: channel posts and DMs are sent by separate tasks; the DM lane is paced and bounded so
  a fan-out to thousands never starves interactive commands or channel posts. Channel posts go to
  different channels concurrently (one at a time per channel, Discord's per-route limit), taken
  guild by guild in turn so one guild's queue never delays another's. Opening a DM channel is paced
  far below Discord's limit and a 40003 ("opening direct messages too fast") backs the whole lane
  off; members' DM channels are opened when they subscribe and kept.
- **Removed from a guild**: its rows wait (data kept) until the bot is invited back.
- **Clock**: the engine wakes through its `Waker` (`bot/services/waker.py`, the one timer mechanism):
  at the next due instant (at the latest after `safety_interval`) when real time moves the clock, on
  every move of a clock moved by hand, and when a service kicks it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock, MovableClock
from bot.domain.schedule.ledger import Delivery, DeliveryStatus, Lane, Source
from bot.domain.schedule.sending import (
    CLAIM_LEASE,
    CLOCK_SKEW,
    FailureKind,
    Lateness,
    lateness,
    needs_reconcile,
    retry_delay,
    round_robin,
    throttle_delay,
)
from bot.services.delivery.pacing import InvalidRequestGuard, Pacer
from bot.services.delivery.ports import (
    AlertPost,
    Composer,
    Outbox,
    Producer,
    SendError,
    Sent,
    Skip,
    outgoing_marker,
)
from bot.services.delivery.writes import ShieldedWrites
from bot.services.waker import Waker
from bot.store import deliveries, meta
from bot.store.database import Database, storage_refuses_writes
from bot.store.engine import SQLITE, Connection

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- the engine


@dataclass(slots=True)
class EngineStats:
    """Counters for logs, tests and benchmarks."""

    sent: int = 0
    late: int = 0
    missed: int = 0
    failed: int = 0
    retried: int = 0
    skipped: int = 0
    alerts: int = 0
    reconciled: int = 0  # posts found already sent when a retry looked before sending
    throttled: int = 0  # 40003s (DM lane backed off)


class DeliveryEngine:
    """Plans due occurrences into the ledger and sends them, on a timer or when a manual clock moves."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        dm_rate: float = 40.0,  # requests a second: under Discord's global 50/s, leaving room for replies
        dm_concurrency: int = 8,
        # New DM channels a second: Discord answers bursts of openings with 40003. Paced with a margin: the
        # pacer counts when a send takes its token, Discord when the request arrives, and the store's work
        # in between varies (more on PostgreSQL, a network round trip per statement), bunching openings up.
        dm_open_rate: float = 0.9,
        channel_concurrency: int = 8,  # channels posted to at once (one post at a time per channel)
        send_timeout: float = 30.0,
        safety_interval: timedelta = timedelta(minutes=5),
        outbox: Outbox | None = None,
        composer: Composer | None = None,
        writes: ShieldedWrites | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.dm_rate = dm_rate
        self.dm_concurrency = dm_concurrency
        self.channel_concurrency = channel_concurrency
        self.send_timeout = send_timeout
        self.safety_interval = safety_interval
        self.writes = writes or ShieldedWrites(db)
        self.stats = EngineStats()
        #: Who this engine's claims name (`claimed_by`): the host, the process and a token of this engine.
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.guard = InvalidRequestGuard()
        #: How post specs become messages (the render layer's job) and where they are sent (the Discord adapter).
        self.composer = composer
        self.outbox = outbox
        self._producers: dict[Source, Producer] = {}
        self._unique_producers: list[Producer] = []
        self._plan_needed = asyncio.Event()
        self._lane_wake = {Lane.CHANNEL: asyncio.Event(), Lane.DM: asyncio.Event()}
        self._busy = 0
        self._changed = asyncio.Event()  # set whenever a task finishes a round of work
        self._tasks: list[asyncio.Task] = []
        self._waker = Waker(clock, self._plan_needed.set, name="delivery")
        self._pacer = Pacer(dm_rate, burst=dm_concurrency)
        self._open_pacer = Pacer(dm_open_rate, burst=1)
        self._open_hold: datetime | None = None  # no new DM channels before this instant (after a 40003)
        self._throttle_strikes = 0
        self._openers: set[asyncio.Task[None]] = set()
        self._inflight = 0  # sends claimed and not yet recorded
        self._accepting = True
        self._running = False
        #: Wall-clock time (Unix seconds) the planner last finished a pass: `hustings health` checks it.
        self.last_tick: float | None = None
        #: Since when (engine clock) planning failed because the database refused writes, and the back-off.
        self._unsaved_since: datetime | None = None
        self._planned_at: datetime | None = None
        self._backoff = 0.0

    # ---------------------------------------------------------------- wiring

    def register(self, producer: Producer) -> None:
        """Add a producer for the sources it declares."""
        for source in producer.sources:
            self._producers[source] = producer
        if producer not in self._unique_producers:
            self._unique_producers.append(producer)

    def set_dm_rate(self, rate: float) -> None:
        """Change how many DMs a second the DM lane sends (each first DM to a member costs two requests)."""
        self.dm_rate = rate
        self._pacer = Pacer(rate, burst=self.dm_concurrency)

    def set_dm_open_rate(self, rate: float) -> None:
        """Change how many new DM channels a second the bot opens."""
        self._open_pacer = Pacer(rate, burst=1)

    def open_dm_soon(self, user_id: int) -> None:
        """Open a member's DM channel in the background (they just subscribed), paced; best effort."""
        if self.outbox is None or not self._accepting:
            return
        task = asyncio.create_task(self._open_dm(user_id), name="delivery-open-dm")
        self._openers.add(task)
        task.add_done_callback(self._opened)

    def _opened(self, task: asyncio.Task[None]) -> None:
        self._openers.discard(task)
        self._changed.set()

    async def _open_dm(self, user_id: int) -> None:
        assert self.outbox is not None
        try:
            if await self.outbox.dm_requests(user_id) == 1 or self._opening_held():
                return  # open already, or backing off: the first reminder opens it, paced
            await self._open_pacer.take()
            if self._opening_held():
                return
            await self.outbox.open_dm(user_id)
            self._throttle_strikes = 0
        except SendError as exc:
            self.guard.record(exc.status)
            if exc.kind is FailureKind.THROTTLED:
                self._throttle()
            else:  # closed DMs and the like show up, and are handled, when a reminder is sent
                log.info("could not open a DM channel with member %s yet: %s", user_id, exc)
        except Exception as exc:
            if storage_refuses_writes(exc):  # the database logs that once per streak; the first reminder retries
                log.info("could not record the DM channel of member %s: the database refuses writes", user_id)
                return
            log.exception("opening a DM channel with member %s failed", user_id)

    def _opening_held(self) -> bool:
        return self._open_hold is not None and self.clock.now() < self._open_hold

    def _throttle(self) -> datetime:
        """Discord said we open DMs too fast: stop opening any for a while (longer each time in a row)."""
        self.stats.throttled += 1
        if self._opening_held():  # an answer to an opening already under way: one strike per hold
            assert self._open_hold is not None
            return self._open_hold
        self._throttle_strikes += 1
        self._open_hold = self.clock.now() + throttle_delay(self._throttle_strikes)
        log.warning(
            "Discord says I'm opening direct messages too fast: opening no new ones until %s",
            self._open_hold.isoformat(),
        )
        return self._open_hold

    async def guild_removed(self, guild_id: int) -> None:
        """The bot was removed from a guild: its posts and DMs wait (data kept) until a re-invite."""
        if await self.writes.run(lambda tx: deliveries.mark_guild_removed(tx, guild_id, self.clock.now())):
            log.warning(
                "removed from server %s: pausing its announcements and reminder DMs (its data is kept; "
                "inviting me back resumes them)",
                guild_id,
            )

    async def guilds_present(self, present: set[int], owned: Callable[[int], bool] = lambda _guild: True) -> None:
        """At connect: a guild with deliveries waiting that the bot is no longer in removed it while it was down.

        `owned` says which guilds this process would see (its shards'): another process's are not judged.
        """
        for guild_id in await deliveries.guilds_with_deliveries(self.db.reader) - present:
            if owned(guild_id):
                await self.guild_removed(guild_id)

    async def guild_back(self, guild_id: int) -> None:
        """The bot is in the guild again: resume what waited (anything now past its grace is missed)."""
        if await self.writes.run(lambda tx: deliveries.mark_guild_back(tx, guild_id)):
            log.warning("back in server %s: resuming its announcements and reminder DMs", guild_id)
            self.kick()

    async def start(self) -> None:
        """Recover interrupted sends, then run the planner and both lanes until `stop`."""
        if self._running:
            return
        if self.db.engine == SQLITE:  # one process per file (the run lock): whatever is `sending` was cut off
            recovered = await self.writes.run(deliveries.recover_interrupted)
        else:  # another process may still be sending them: their claims lapse instead
            recovered = await self.writes.run(lambda tx: deliveries.expire_leases(tx, self.clock.now()))
        if recovered:
            log.warning("%d send(s) were interrupted by a stop; retrying them with their nonces", recovered)
        self._running = True
        self._accepting = True
        self._waker.start()
        self._tasks = [
            asyncio.create_task(self._planner(), name="delivery-planner"),
            asyncio.create_task(self._lane(Lane.CHANNEL), name="delivery-channel-lane"),
            asyncio.create_task(self._lane(Lane.DM), name="delivery-dm-lane"),
        ]
        self.kick()

    async def drain(self, within: float) -> None:
        """Stop taking new rows and give sends in flight up to `within` seconds to finish, then stop.

        A send still in flight then is cut off and its row put back to pending (never left
        `sending`); the next start retries it with its nonce, reconciling first if it is old.
        """
        self._accepting = False
        for task in list(self._openers):
            task.cancel()
        try:
            async with asyncio.timeout(within):
                while self._inflight:
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            log.warning(
                "%d send(s) still in flight after %.0fs; stopping them (retried on restart)", self._inflight, within
            )
        await self.stop()

    async def stop(self) -> None:
        """Stop the tasks and the timer (a send in flight is cut off and its row put back to pending)."""
        self._running = False
        self._accepting = False
        for task in list(self._openers):
            task.cancel()
        self._waker.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        await self.writes.finish()

    def kick(self) -> None:
        """Something changed (time moved, an item was added): plan again soon. Safe from any thread."""
        self._waker.kick()

    def _quiet(self) -> bool:
        return not (
            self._plan_needed.is_set()
            or self._busy
            or self._openers
            or any(e.is_set() for e in self._lane_wake.values())
        )

    async def settled(self, within: float = 30.0) -> None:
        """Wait until nothing is planned, in flight or waiting to be sent (tests and the sandbox)."""
        async with asyncio.timeout(within):
            while True:
                while not self._quiet():
                    self._changed.clear()
                    await self._changed.wait()
                for _ in range(3):  # let wake-ups scheduled from callbacks land
                    await asyncio.sleep(0)
                if self._quiet():
                    return

    async def run_for(self, delta: timedelta, *, step: timedelta = timedelta(hours=1)) -> None:
        """Let time pass on a manual clock as it would for a running bot (tests, sandbox).

        The clock stops at every instant the real timer would wake the engine (and at least every
        `step`), and the engine settles at each stop, so nothing is made late by a big jump.
        """
        assert isinstance(self.clock, MovableClock), "run_for needs a clock moved by hand"
        advance = self.clock.advance
        end = self.clock.now() + delta
        while (now := self.clock.now()) < end:
            wake = await self.next_wake()
            advance(min(end, now + step, wake if wake and wake > now else end) - now)
            await self.settled()

    # ---------------------------------------------------------------- planning

    async def _planner(self) -> None:
        while True:
            await self._plan_needed.wait()
            self._plan_needed.clear()
            self._busy += 1
            try:
                await self.plan_once()
                await self._arm_timer()
                self.last_tick = time.time()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if storage_refuses_writes(exc):  # the database logs this once per streak: back off quietly
                    if self._unsaved_since is None:  # what fell due since the last good pass was never planned
                        self._unsaved_since = self._planned_at or self.clock.now()
                    self._backoff = min(60.0, self._backoff * 2 or 1.0)
                else:
                    log.exception("delivery planning failed; will try again")
                    self._backoff = 1.0
                await asyncio.sleep(self._backoff)
                self._plan_needed.set()
            finally:
                self._busy -= 1
                self._changed.set()

    async def plan_once(self) -> int:
        """Put everything due up to now into the ledger; summarise new misses; wake the lanes."""
        now = self.clock.now()
        unsaved_since = self._unsaved_since

        async def work(tx: Connection) -> int:
            graces: dict[int, timedelta] = {}
            rows: list[Delivery] = []
            expired = await deliveries.expire_leases(tx, now)
            if expired:
                log.warning("%d send(s) were interrupted elsewhere; retrying them with their nonces", expired)
            for producer in self._unique_producers:
                rows.extend(await producer.plan(tx, now))
            for row in rows:
                grace = await self._grace(tx, row.guild_id, graces)
                if row.status is DeliveryStatus.PENDING and lateness(row.due_at, now, grace) is Lateness.MISSED:
                    row.status = DeliveryStatus.MISSED
                    row.reason = (
                        "the bot couldn't save to its database when it was due (disk full or read-only)"
                        if unsaved_since is not None and row.due_at > unsaved_since
                        else "the bot was offline when it was due"
                    )
                    self.stats.missed += 1
            added = await deliveries.add_many(tx, rows)
            await self._summarise_missed(tx, now)
            return added

        added = await self.writes.run(work)
        self._unsaved_since, self._backoff, self._planned_at = None, 0.0, now
        for lane, event in self._lane_wake.items():
            if await deliveries.ready(self.db.reader, lane, now, 1):
                event.set()
        return added

    async def _grace(self, conn: Connection, guild_id: int, cache: dict[int, timedelta]) -> timedelta:
        if guild_id not in cache:
            settings = await meta.get_settings(conn, guild_id)
            cache[guild_id] = timedelta(minutes=settings.grace_minutes)
        return cache[guild_id]

    async def _summarise_missed(self, tx: Connection, now: datetime) -> None:
        """One alert per guild for the channel posts newly marked missed (never one per post)."""
        missed = await deliveries.unalerted_missed(tx)
        by_guild: dict[int, list[Delivery]] = {}
        for row in missed:
            by_guild.setdefault(row.guild_id, []).append(row)
        for guild_id, rows in by_guild.items():
            first, last = rows[0], rows[-1]
            unsaved = all((r.reason or "").startswith("the bot couldn't save") for r in rows)
            cause = "I couldn't save to my database (disk full or read-only)" if unsaved else "I was offline"
            text = (
                f"⚠️ {cause}, so {len(rows)} scheduled post{'s' if len(rows) != 1 else ''} due between "
                f"<t:{int(first.due_at.timestamp())}:f> and <t:{int(last.due_at.timestamp())}:f> "
                f"{'were' if len(rows) != 1 else 'was'} not sent (more than the grace window late). "
                "See `/announce history` for the list."
            )
            await self._alert(tx, guild_id, f"missed:{rows[0].id}-{rows[-1].id}", text, now)
            await deliveries.mark_alerted(tx, [r.id for r in rows if r.id is not None])

    async def alert(self, guild_id: int, key: str, text: str) -> None:
        """Queue one alert to the guild's organisers now (once per `key`)."""
        now = self.clock.now()
        await self.writes.run(lambda tx: self._alert(tx, guild_id, key, text, now))
        self.kick()

    async def _alert(self, tx: Connection, guild_id: int, key: str, text: str, now: datetime) -> None:
        """Queue one alert to the guild's alert channel (skipped, but recorded, when none is set)."""
        settings = await meta.get_settings(tx, guild_id)
        channel = settings.alert_channel_id
        row = Delivery(
            guild_id=guild_id,
            source=Source.ALERT,
            source_id=guild_id,
            occurrence=key,
            due_at=now,
            lane=Lane.CHANNEL,
            target_id=channel,
            detail={"text": text},
        )
        if channel is None:
            row.status, row.reason = DeliveryStatus.SKIPPED, "no alert channel is set"
        if await deliveries.add_many(tx, [row]):
            self.stats.alerts += 1

    async def next_wake(self) -> datetime | None:
        """The next instant anything becomes due: an occurrence, a reminder, or a retry."""
        now = self.clock.now()
        candidates = [await deliveries.next_attempt(self.db.reader)]
        for producer in self._unique_producers:
            candidates.append(await producer.next_due(self.db.reader, now))
        return min((c for c in candidates if c is not None), default=None)

    async def _arm_timer(self) -> None:
        """Wake at the next instant anything becomes due, or after `safety_interval` at the latest.

        Only when real time moves the clock: a clock moved by hand wakes the engine on each move.
        """
        if not self._waker.timed:
            return
        upcoming = await self.next_wake()
        latest = self.clock.now() + self.safety_interval
        self._waker.wake_at(latest if upcoming is None else min(upcoming, latest))

    # ---------------------------------------------------------------- sending

    async def _lane(self, lane: Lane) -> None:
        wake = self._lane_wake[lane]
        limit = self.dm_concurrency * 4 if lane is Lane.DM else self.channel_concurrency * 4
        semaphore = asyncio.Semaphore(self.dm_concurrency if lane is Lane.DM else self.channel_concurrency)
        while True:
            await wake.wait()
            self._busy += 1
            wake.clear()
            try:
                processed = 0
                while self.composer is not None and self._accepting:
                    per_target = 1 if lane is Lane.DM else 5  # a channel's posts go in order, one at a time
                    rows = await deliveries.ready(
                        self.db.reader, lane, self.clock.now(), limit * 10, per_target=per_target, per_guild=limit
                    )
                    if not rows:
                        break
                    rows = self._batch(rows, limit)
                    graces: dict[int, timedelta] = {}
                    channels: dict[int | None, asyncio.Lock] = {}
                    await asyncio.gather(*(self._guarded(row, lane, semaphore, graces, channels) for row in rows))
                    processed += len(rows)
                if processed:
                    self.kick()  # retries or misses may need planning / a new timer
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivery lane %s failed; will try again", lane)
                await asyncio.sleep(1)
                wake.set()
            finally:
                self._busy -= 1
                self._changed.set()

    @staticmethod
    def _batch(rows: list[Delivery], limit: int) -> list[Delivery]:
        """The next rows to send: guild by guild in turn (each guild's own oldest first)."""
        return round_robin(rows, key=lambda r: r.guild_id)[:limit]

    async def _guarded(
        self,
        row: Delivery,
        lane: Lane,
        semaphore: asyncio.Semaphore,
        graces: dict[int, timedelta],
        channels: dict[int | None, asyncio.Lock],
    ) -> None:
        # One post at a time per channel (Discord limits each channel's route), many channels at once.
        async with channels.setdefault(row.target_id, asyncio.Lock()), semaphore:
            if not self._accepting:
                return  # stopping: the row stays pending for the next start
            if (hold := self.guard.wait_time()) > 0:
                log.warning("holding sends for %.0fs: too many refused requests recently", hold)
                await asyncio.sleep(hold)
            if lane is Lane.DM:
                # pace by requests, not messages: a first DM also opens the channel
                requests = 1
                if self.outbox is not None and row.target_id is not None:
                    requests = await self.outbox.dm_requests(row.target_id)
                if requests > 1:
                    if not self._opening_held():
                        await self._open_pacer.take()
                    if self._opening_held():  # (again: a 40003 may have come back while this one waited)
                        await self._defer(row, "waiting: Discord asked me to open direct messages more slowly")
                        return
                await self._pacer.take(requests)
                if not self._accepting:
                    return  # a stop came while this one waited its turn
            try:
                await self.deliver(row, await self._grace(self.db.reader, row.guild_id, graces))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivering %s failed unexpectedly", row.key)
                await self._finish(row, DeliveryStatus.FAILED, "unexpected error (see logs)")

    async def deliver(self, row: Delivery, grace: timedelta) -> None:
        """Send one pending row (or decide it is missed, skipped or failed) and record the outcome."""
        assert self.outbox is not None and self.composer is not None
        # Ledger rows are stored (so have an id), and a row planned without a target is stored as
        # skipped, so a pending one always has somewhere to go.
        row_id, target = row.id, row.target_id
        assert row_id is not None and target is not None
        now = self.clock.now()
        if needs_reconcile(row.first_attempt_at, now):
            # An earlier attempt may have posted, and Discord has forgotten its nonce by now: look first.
            try:
                found = await self._reconcile(row, target)
            except SendError as exc:
                await self._failed(row, exc, grace)
                return
            if found is not None:
                log.info("%s was already posted (message %s); recorded it instead of sending again", row.key, found)
                self.stats.reconciled += 1
                await self._record(row, found, grace)
                return
        if lateness(row.due_at, now, grace) is Lateness.MISSED:
            status = DeliveryStatus.FAILED if row.attempts else DeliveryStatus.MISSED
            reason = row.reason if row.attempts and row.reason else "it was more than the grace window late"
            await self._finish(row, status, reason)
            self.stats.missed += status is DeliveryStatus.MISSED
            self.stats.failed += status is DeliveryStatus.FAILED
            return
        try:
            spec = (
                AlertPost(row.detail.get("text", ""))
                if row.source is Source.ALERT
                else (await self._producers[row.source].prepare(row))
            )
            message = await self.composer(spec)
        except Skip as skip:
            await self._finish(row, skip.status, skip.reason)
            self.stats.skipped += 1
            return
        mark = outgoing_marker(message)
        marks = row.marks if mark in row.marks else [*row.marks, mark]
        lease = now + CLAIM_LEASE
        try:
            claimed = await self.writes.run(
                lambda tx: deliveries.claim(tx, row_id, now, marks, owner=self.owner, lease_until=lease)
            )
        except asyncio.CancelledError:  # a stop (or a lost lead) while the claim was written: give it back
            await self.writes.run(lambda tx: deliveries.release(tx, row_id, "interrupted by a stop", owner=self.owner))
            raise
        if not claimed:
            return  # someone else took it, or it was cancelled meanwhile
        row.attempts += 1
        row.first_attempt_at = row.first_attempt_at or now
        row.marks = marks
        self._inflight += 1
        try:
            async with asyncio.timeout(self.send_timeout):
                if row.lane is Lane.DM:
                    sent = await self.outbox.dm(target, message, row.nonce)
                else:
                    sent = await self.outbox.post(target, message, row.nonce)
        except TimeoutError:
            await self._failed(
                row, SendError(None, FailureKind.TRANSIENT, "couldn't reach Discord (no answer in time)"), grace
            )
            return
        except SendError as exc:
            await self._failed(row, exc, grace)
            return
        except asyncio.CancelledError:
            # A stop cut the send off: its outcome is unknown, so back to pending (reconciled if late).
            await self.writes.run(lambda tx: deliveries.release(tx, row_id, "interrupted by a stop", owner=self.owner))
            raise
        finally:
            self._inflight -= 1
            self._changed.set()
        if row.lane is Lane.DM:
            self._throttle_strikes = 0
        await self._record(row, sent, grace)

    async def _reconcile(self, row: Delivery, target: int) -> Sent | None:
        """Our post of this row if an earlier attempt made it (one no other ledger row holds)."""
        assert self.outbox is not None and row.first_attempt_at is not None
        after = row.first_attempt_at - CLOCK_SKEW
        for sent in await self.outbox.find_sent(row.lane, target, after, set(row.marks)):
            if not await deliveries.message_recorded(self.db.reader, sent.message_id):
                return sent
        return None

    async def _defer(self, row: Delivery, reason: str) -> None:
        row_id = row.id
        assert row_id is not None and self._open_hold is not None
        hold = self._open_hold
        await self.writes.run(lambda tx: deliveries.defer(tx, row_id, hold, reason))

    async def _record(self, row: Delivery, sent: Sent, grace: timedelta) -> None:
        row_id = row.id
        assert row_id is not None
        sent_at = self.clock.now()
        late = lateness(row.due_at, sent_at, grace) is not Lateness.ON_TIME

        async def record(tx: Connection) -> bool:
            if not await deliveries.record_sent(
                tx,
                row_id,
                late=late,
                at=sent_at,
                channel_id=sent.channel_id,
                message_id=sent.message_id,
                owner=self.owner,
            ):
                return False
            if row.source is not Source.ALERT:
                await self._producers[row.source].on_sent(tx, row)
            return True

        if not await self.writes.run(record):
            # Our claim lapsed and another process holds the row: it sends with the same nonce (Discord
            # returns this message) or reconciles, and records it then.
            log.info("%s was taken over by another process; leaving it to record message %s", row.key, sent.message_id)
            return
        self.stats.late += late
        self.stats.sent += not late

    async def _failed(self, row: Delivery, error: SendError, grace: timedelta) -> None:
        row_id = row.id
        assert row_id is not None
        self.guard.record(error.status)
        kind, reason = error.kind, error.reason
        if error.missing:
            reason += f"; I need {' and '.join(error.missing)} there"
        now = self.clock.now()
        hold = self._throttle() if kind is FailureKind.THROTTLED else None

        async def work(tx: Connection) -> None:
            nonlocal reason
            if kind in (FailureKind.TRANSIENT, FailureKind.THROTTLED):
                # Throttling is the lane's pace, never the member's doing: wait out the lane's hold.
                retry_at = hold or now + retry_delay(row.attempts)
                if retry_at - row.due_at <= grace:
                    await deliveries.retry_later(tx, row_id, retry_at, reason, owner=self.owner)
                    self.stats.retried += 1
                    log.info("send of %s failed (%s); retrying at %s", row.key, reason, retry_at.isoformat())
                    return
                reason = f"gave up after {row.attempts} tries: {reason}"
            streak = await deliveries.previous_outcome(tx, row) is DeliveryStatus.FAILED
            await deliveries.finish(tx, row_id, DeliveryStatus.FAILED, reason, owner=self.owner)
            self.stats.failed += 1
            log.warning("send of %s failed for good: %s", row.key, reason)
            if row.source is Source.ALERT or kind is FailureKind.THROTTLED:
                return  # running out of time while throttled pauses nobody
            alert = await self._producers[row.source].on_failed(tx, row, kind, reason)
            if alert and not streak:
                await self._alert(tx, row.guild_id, f"failed:{row_id}", alert, now)

        await self.writes.run(work)

    async def _finish(self, row: Delivery, status: DeliveryStatus, reason: str | None) -> None:
        row_id = row.id
        assert row_id is not None  # ledger rows are stored, so have an id
        await self.writes.run(lambda tx: deliveries.finish(tx, row_id, status, reason, owner=self.owner))
