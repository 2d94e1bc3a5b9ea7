"""The gateway: a websocket speaking Discord's v10 protocol (HELLO, IDENTIFY/READY, RESUME with replay,
heartbeats, INVALID_SESSION, member chunks) with zlib-stream or zstd-stream transport compression."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import secrets
import time
import zlib
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from bot.sim import payloads
from bot.sim.models import INTENT_GUILDS, World
from bot.sim.stats import SimStats

if TYPE_CHECKING:
    from discord.types import gateway as dgw

log = logging.getLogger(__name__)

OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_PRESENCE, OP_VOICE = 0, 1, 2, 3, 4
OP_RESUME, OP_RECONNECT, OP_REQUEST_MEMBERS, OP_INVALID_SESSION, OP_HELLO, OP_HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11

PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)

#: An event body (a `discord.types` TypedDict), or a function of the session's intents that builds one.
EventData = Mapping[str, Any] | Callable[[int], Mapping[str, Any]]


@dataclass
class _Event:
    seq: int
    name: str
    data: Mapping[str, Any]
    on_sent: Callable[[], None] | None = None

    def payload(self) -> Mapping[str, Any]:
        return {"op": OP_DISPATCH, "t": self.name, "s": self.seq, "d": self.data}


@dataclass
class GatewaySession:
    """A gateway session: its sequence numbers and the events it may need to replay on RESUME."""

    id: str
    intents: int
    replay_limit: int
    shard_id: int = 0
    shard_count: int = 1
    seq: int = 0
    valid: bool = True
    connection: _Connection | None = None
    log: deque[_Event] = field(default_factory=deque)

    def owns(self, guild_id: int | None) -> bool:
        """Whether events for this guild come to this session (docs: developers/events/gateway.mdx, "Sharding":
        `shard_id = (guild_id >> 22) % num_shards`; events without a guild go to shard 0 only)."""
        if guild_id is None:
            return self.shard_id == 0
        return shard_for(guild_id, self.shard_count) == self.shard_id

    @property
    def live(self) -> bool:
        """A valid session with an open socket."""
        conn = self.connection
        return self.valid and conn is not None and not conn.closed and not conn.ws.closed

    def dispatch(self, name: str, data: Mapping[str, Any], on_sent: Callable[[], None] | None = None) -> _Event:
        """Number the event, keep it for replay, and queue it on the live connection if any."""
        self.seq += 1
        event = _Event(self.seq, name, data, on_sent)
        self.log.append(event)
        while len(self.log) > self.replay_limit:
            self.log.popleft()
        if self.connection is not None:
            self.connection.enqueue(event)
        return event


def shard_for(guild_id: int, shard_count: int) -> int:
    """The shard that receives a guild's events (docs: developers/events/gateway.mdx, "Sharding Formula")."""
    return (guild_id >> 22) % shard_count


def _event_guild_id(name: str, body: Mapping[str, Any]) -> int | None:
    """The guild an event belongs to: `guild_id`, or `id` for the GUILD_CREATE/UPDATE/DELETE guild object."""
    raw = body.get("id") if name in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE") else body.get("guild_id")
    return int(raw) if raw is not None else None


@dataclass
class ShardingConfig:
    """The limits Discord puts on sessions (docs: developers/events/gateway.mdx, "Sharding", "Identifying",
    "Session Start Limit Object"); tests change them on `sim.sharding`."""

    #: "Each shard can only support a maximum of 2500 guilds": more on one session closes it with 4011.
    max_guilds_per_shard: int = 2500
    #: IDENTIFYs allowed per 5 s per bucket; a shard's bucket is `shard_id % max_concurrency`.
    max_concurrency: int = 1
    #: Enforce the buckets (answer op 9 to a second IDENTIFY in one bucket within `identify_interval`).
    #: Off by default, like the REST rate limits (RateLimitConfig.enabled): test bots skip discord.py's
    #: 5 s wait before re-identifying so that tests run at full speed.
    identify_limit: bool = False
    #: The bucket's window in real seconds (5 on Discord), like the REST rate limits.
    identify_interval: float = 5.0
    #: Session starts allowed per `session_reset` of the sim clock (1000 per 24 hours on Discord).
    session_start_total: int = 1000
    session_reset: timedelta = timedelta(hours=24)
    #: Refuse (close 4010) an IDENTIFY for a [shard_id, num_shards] whose session is still connected.
    #: Stricter than Discord, which allows several sessions per shard ("Sharding": "You can establish
    #: multiple sessions with the same [shard_id, num_shards]"): a deployment guard for the tests.
    #: Off, the newest session takes the shard over (the one before stops receiving events).
    exclusive_shards: bool = True


class _ZlibStream:
    """zlib-stream: one deflate stream per connection, each message ends with a Z_SYNC_FLUSH."""

    def __init__(self) -> None:
        self._c = zlib.compressobj()

    def encode(self, data: bytes) -> bytes:
        return self._c.compress(data) + self._c.flush(zlib.Z_SYNC_FLUSH)


class _ZstdStream:
    """zstd-stream: one zstd frame per connection, each message flushed as a block.

    discord.py only asks for it when it can import a zstd module, so the same module is here too.
    """

    def __init__(self) -> None:
        self._encode: Callable[[bytes], bytes]
        try:
            import zstandard  # optional, as in discord.py (untyped: see [tool.mypy] overrides)

            obj = zstandard.ZstdCompressor().compressobj()
            flush = zstandard.COMPRESSOBJ_FLUSH_BLOCK
            self._encode = lambda data: obj.compress(data) + obj.flush(flush)
        except ImportError:
            from compression import zstd  # type: ignore[import-not-found]  # Python 3.14+

            comp = zstd.ZstdCompressor()
            self._encode = lambda data: comp.compress(data, mode=zstd.ZstdCompressor.FLUSH_BLOCK)

    def encode(self, data: bytes) -> bytes:
        return self._encode(data)


def _stream_for(compress: str | None) -> _ZlibStream | _ZstdStream | None:
    """The transport compressor for a `compress` query value (None = plain text frames)."""
    if compress in (None, ""):
        return None
    if compress == "zlib-stream":
        return _ZlibStream()
    if compress == "zstd-stream":
        try:
            return _ZstdStream()
        except ImportError:
            raise ValueError("zstd-stream requested but no zstd module is importable") from None
    raise ValueError(f"unsupported compress={compress!r}")


class _Connection:
    """One websocket; a single writer task keeps frames in order and owns the compression stream."""

    def __init__(
        self,
        server: GatewayServer,
        ws: web.WebSocketResponse,
        request: web.Request,
        compressor: _ZlibStream | _ZstdStream | None,
    ):
        self.server = server
        self.ws = ws
        self.transport = request.transport
        self.compressor = compressor
        self.queue: asyncio.Queue[_Event | Mapping[str, Any] | None] = asyncio.Queue()
        self.session: GatewaySession | None = None
        self.last_sent_seq = 0
        self.closed = False
        self.writer = asyncio.create_task(self._write_loop(), name="sim-gateway-writer")

    def enqueue(self, item: _Event | Mapping[str, Any]) -> None:
        if not self.closed:
            self.queue.put_nowait(item)

    def abort(self) -> None:
        """Drop the TCP connection without a close frame (what a network failure looks like)."""
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    async def close(self, code: int) -> None:
        self.closed = True
        with contextlib.suppress(Exception):
            await self.ws.close(code=code)

    async def _send(self, payload: Mapping[str, Any]) -> None:
        raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        if self.compressor is not None:
            await self.ws.send_bytes(self.compressor.encode(raw.encode()))
        else:
            await self.ws.send_str(raw)

    async def _write_loop(self) -> None:
        stats = self.server.stats
        while True:
            item = await self.queue.get()
            if item is None or self.closed:
                return
            try:
                if isinstance(item, _Event):
                    await self._send(item.payload())
                    self.last_sent_seq = item.seq
                    stats.gateway_dispatches += 1
                    stats.dispatches[item.name] += 1
                    if item.on_sent is not None:
                        item.on_sent()
                    if self.server.drop_after is not None:
                        self.server.drop_after -= 1
                        if self.server.drop_after <= 0:
                            self.server.drop_after = None
                            self.abort()
                            return
                else:
                    await self._send(item)
            except (ConnectionError, RuntimeError):
                self.closed = True
                return

    def idle(self) -> bool:
        return self.queue.empty()


class GatewayServer:
    """Serves `/gateway`; one current session receives interactions and state events."""

    def __init__(
        self,
        world: World,
        stats: SimStats,
        token: str,
        *,
        heartbeat_interval_ms: int = 41250,
        replay_limit: int = 10_000,
        allowed_privileged_intents: int = PRIVILEGED_INTENTS,
    ) -> None:
        self.world = world
        self.stats = stats
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.replay_limit = replay_limit
        self.allowed_privileged_intents = allowed_privileged_intents
        self.resume_url = ""
        self.sessions: dict[str, GatewaySession] = {}
        #: The session each [shard_id, num_shards] identified last (one entry for an unsharded bot).
        self.shards: dict[tuple[int, int], GatewaySession] = {}
        self.sharding = ShardingConfig()
        self.on_token_reset: Callable[[str], None] = lambda token: None
        self._identified_at: dict[int, float] = {}  # bucket -> time.monotonic() of its last IDENTIFY
        self._session_starts = 0
        self._session_window: datetime | None = None
        self.connections: set[_Connection] = set()
        self.drop_after: int | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.ready_event = asyncio.Event()

    # --- dispatching -----------------------------------------------------------------------------

    @property
    def current(self) -> GatewaySession | None:
        """The session that receives events without a guild (shard 0's); the only one for an unsharded bot."""
        return next((sess for (shard_id, _), sess in self.shards.items() if shard_id == 0), None)

    @property
    def connected(self) -> bool:
        """True while the current session has a live socket."""
        return self.current is not None and self.current.connection is not None

    def sessions_for(self, guild_id: int | None) -> list[GatewaySession]:
        """The valid sessions that receive events for this guild (None: events without a guild)."""
        return [sess for sess in self.shards.values() if sess.valid and sess.owns(guild_id)]

    def dispatch(self, name: str, data: EventData, intent: int = 0, on_sent: Callable[[], None] | None = None) -> bool:
        """Send an event to the session of the shard that owns its guild (kept for replay while disconnected).

        Returns False when no session receives it (none for that shard, or its intents exclude the event).
        """
        sent = False
        for session in [sess for sess in self.shards.values() if sess.valid]:
            if intent and not session.intents & intent:
                continue
            body = data(session.intents) if callable(data) else data
            if not session.owns(_event_guild_id(name, body)):
                continue
            session.dispatch(name, body, on_sent)
            sent = True
        return sent

    def idle(self) -> bool:
        """True when nothing is queued or waiting to be replayed."""
        for session in self.shards.values():
            conn = session.connection
            if conn is None or not conn.idle() or conn.last_sent_seq < session.seq:
                return False
        return True

    def session_start_limit(self) -> dgw.SessionStartLimit:
        """GET /gateway/bot's `session_start_limit` (docs: developers/events/gateway.mdx, "Session Start Limit")."""
        self._roll_session_window()
        cfg = self.sharding
        reset_after = 0
        if self._session_window is not None:
            left = self._session_window + cfg.session_reset - self.world.clock.now()
            reset_after = max(0, int(left.total_seconds() * 1000))
        return {
            "total": cfg.session_start_total,
            "remaining": max(0, cfg.session_start_total - self._session_starts),
            "reset_after": reset_after,
            "max_concurrency": cfg.max_concurrency,
        }

    def recommended_shards(self) -> int:
        """GET /gateway/bot's `shards`: the fewest that keep every shard within `max_guilds_per_shard`.

        Discord documents the field only as "Recommended number of shards"; this is the simulator's choice.
        """
        guilds = sum(1 for g in self.world.guilds.values() if not g.bot_removed)
        return max(1, math.ceil(guilds / self.sharding.max_guilds_per_shard))

    def _roll_session_window(self) -> None:
        now = self.world.clock.now()
        window = self._session_window
        if window is not None and now - window >= self.sharding.session_reset:
            self._session_window, self._session_starts = None, 0

    # --- faults ----------------------------------------------------------------------------------

    def drop(self, *, code: int | None = None) -> None:
        """Cut the live connection(s): abort the socket, or close with `code`."""
        for conn in list(self.connections):
            if code is None:
                conn.abort()
            else:
                self._spawn(conn.close(code))

    def request_reconnect(self) -> None:
        """Send op 7 RECONNECT, as Discord does before moving a session."""
        for conn in list(self.connections):
            conn.enqueue({"op": OP_RECONNECT, "d": None})

    def invalidate_sessions(self) -> None:
        """No existing session can be resumed any more."""
        for session in self.sessions.values():
            session.valid = False

    async def close_all(self) -> None:
        """Close every socket with 1001 (going away)."""
        for conn in list(self.connections):
            await conn.close(1001)
        for task in list(self._tasks):
            task.cancel()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- the websocket -----------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp handler for the gateway URL (and the resume URL)."""
        ws = web.WebSocketResponse(max_msg_size=0, compress=False, autoping=True)
        await ws.prepare(request)
        compress = request.query.get("compress")
        encoding = request.query.get("encoding", "json")
        if encoding != "json":
            await ws.close(code=4002, message=b"Only json encoding is simulated")
            return ws
        try:
            compressor = _stream_for(compress)
        except ValueError as exc:
            await ws.close(code=4000, message=str(exc).encode()[:120])
            return ws
        conn = _Connection(self, ws, request, compressor)
        self.connections.add(conn)
        self.stats.gateway_connections += 1
        if self.stats.gateway_connections > 1:
            self.stats.reconnects += 1
        conn.enqueue({"op": OP_HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["sim"]}})
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    try:
                        payload = json.loads(msg.data)
                    except ValueError:
                        await conn.close(4002)
                        break
                    await self._on_payload(conn, payload)
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            conn.closed = True
            conn.queue.put_nowait(None)
            self.connections.discard(conn)
            if conn.session is not None and conn.session.connection is conn:
                conn.session.connection = None
        return ws

    async def _on_payload(self, conn: _Connection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        d = payload.get("d")
        if op == OP_HEARTBEAT:
            self.stats.heartbeats += 1
            conn.enqueue({"op": OP_HEARTBEAT_ACK, "d": None})
        elif op == OP_IDENTIFY:
            await self._identify(conn, d or {})
        elif op == OP_RESUME:
            self._resume(conn, d or {})
        elif op == OP_REQUEST_MEMBERS:
            self._member_chunks(conn, d or {})
        elif op in (OP_PRESENCE, OP_VOICE):
            return
        else:
            await conn.close(4001)  # Unknown opcode

    async def _identify(self, conn: _Connection, d: dict[str, Any]) -> None:
        if conn.session is not None:
            await conn.close(4005)  # Already authenticated
            return
        if d.get("token") != self.token:
            await conn.close(4004)  # Authentication failed
            return
        if "intents" not in d:
            await conn.close(4013)  # Invalid intents
            return
        intents = int(d["intents"])
        if intents & PRIVILEGED_INTENTS & ~self.allowed_privileged_intents:
            await conn.close(4014)  # Disallowed intents
            return
        shard = d.get("shard", [0, 1])
        if not _valid_shard(shard):
            await conn.close(4010)  # Invalid shard (docs: topics/opcodes-and-status-codes.mdx)
            return
        shard_id, shard_count = int(shard[0]), int(shard[1])
        cfg = self.sharding
        key = (shard_id, shard_count)
        previous = self.shards.get(key)
        if cfg.exclusive_shards and previous is not None and previous.live and previous.connection is not conn:
            log.info("refused IDENTIFY for shard %s: its session is still connected", list(key))
            self.stats.identifies_refused += 1
            await conn.close(4010)  # stricter than Discord: see ShardingConfig.exclusive_shards
            return
        owned = [g for i, g in self.world.guilds.items() if not g.bot_removed and shard_for(i, shard_count) == shard_id]
        if len(owned) > cfg.max_guilds_per_shard:
            # docs: developers/events/gateway.mdx, "Sharding": "apps that are in 2500+ guilds *must* enable
            # sharding"; topics/opcodes-and-status-codes.mdx 4011: "The session would have handled too many guilds"
            await conn.close(4011)  # Sharding required
            return
        # docs: developers/events/gateway.mdx, "Identifying": over max_concurrency, Discord answers
        # Invalid Session (op 9); "Max Concurrency": rate_limit_key = shard_id % max_concurrency, and
        # the session start limit object: max_concurrency is "identify requests allowed per 5 seconds".
        bucket = shard_id % max(1, cfg.max_concurrency)
        now = time.monotonic()
        last = self._identified_at.get(bucket)
        if cfg.identify_limit and last is not None and now - last < cfg.identify_interval:
            self.stats.identifies_rate_limited += 1
            conn.enqueue({"op": OP_INVALID_SESSION, "d": False})
            return
        self._roll_session_window()
        if self._session_starts >= cfg.session_start_total:
            # docs: developers/events/gateway.mdx, "Identifying": past the daily limit "all active sessions
            # for the app will be terminated, the bot token will be reset"
            self._token_reset()
            await conn.close(4004)  # Authentication failed: the token is no longer valid
            return
        self._identified_at[bucket] = now
        if self._session_window is None:
            self._session_window = self.world.clock.now()
        self._session_starts += 1
        self.stats.identifies += 1
        session = GatewaySession(
            id=secrets.token_hex(16),
            intents=intents,
            replay_limit=self.replay_limit,
            shard_id=shard_id,
            shard_count=shard_count,
        )
        self.sessions[session.id] = session
        if previous is not None:
            previous.valid = False
        self.shards[key] = session
        conn.session = session
        session.connection = conn
        world = self.world
        # discord.py's ReadyEvent requires `shard`; Discord sends it only to a session that asked for one
        ready: dgw.ReadyEvent = {  # type: ignore[typeddict-item]
            "v": 10,
            "user": payloads.client_user(world.bot_user),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in owned],
            "session_id": session.id,
            "resume_gateway_url": self.resume_url,
            "application": {"id": str(world.application_id), "flags": (1 << 14) | (1 << 18)},
        }
        if "shard" in d:
            ready["shard"] = [shard_id, shard_count]
        payloads.beyond_discordpy(
            ready,
            session_type="normal",
            private_channels=[],
            relationships=[],
            presences=[],
            guild_join_requests=[],
            geo_ordered_rtc_regions=[],
            user_settings={},
            auth={},
            _trace=["sim"],
        )
        session.dispatch("READY", ready)
        if intents & INTENT_GUILDS:
            for guild in owned:
                # docs: developers/events/gateway-events.mdx, "Guild Create": guilds unavailable because
                # of an outage get no GUILD_CREATE (READY lists them as unavailable).
                # A guild that removed the bot sends nothing either.
                if not guild.unavailable:
                    session.dispatch("GUILD_CREATE", payloads.guild_create(guild, intents))
        self.ready_event.set()

    def _token_reset(self) -> None:
        """The daily session start limit ran out: Discord resets the token and ends every session."""
        self.token = f"sim.{secrets.token_urlsafe(24)}"
        self.on_token_reset(self.token)
        self.invalidate_sessions()
        for other in list(self.connections):
            self._spawn(other.close(4004))

    def _resume(self, conn: _Connection, d: dict[str, Any]) -> None:
        session = self.sessions.get(str(d.get("session_id")))
        seq = d.get("seq") or 0
        oldest = session.log[0].seq if session and session.log else 1
        if (
            session is None
            or not session.valid
            or d.get("token") != self.token
            or seq > session.seq
            or seq < oldest - 1
        ):
            self.stats.invalid_sessions += 1
            conn.enqueue({"op": OP_INVALID_SESSION, "d": False})
            return
        self.stats.resumes += 1
        old = session.connection
        if old is not None and old is not conn:
            old.session = None
            self._spawn(old.close(4000))
        conn.session = session
        session.connection = conn
        for event in session.log:
            if event.seq > seq:
                conn.enqueue(event)
        session.dispatch("RESUMED", {"_trace": ["sim"]})

    def _member_chunks(self, conn: _Connection, d: dict[str, Any]) -> None:
        session = conn.session
        if session is None:
            return
        ids: Any = d.get("guild_id")  # JSON from the client: one snowflake or a list of them
        for gid in ids if isinstance(ids, list) else [ids]:
            guild = self.world.guilds.get(int(gid))
            if guild is None:
                continue
            members = list(guild.members.values())
            query = (d.get("query") or "").lower()
            if d.get("user_ids"):
                wanted = {int(u) for u in d["user_ids"]}
                members = [m for m in members if m.id in wanted]
            elif query:
                members = [
                    m for m in members if m.name.lower().startswith(query) or (m.nick or "").lower().startswith(query)
                ]
            limit = int(d.get("limit") or 0)
            if limit:
                members = members[:limit]
            chunks = [members[i : i + 1000] for i in range(0, len(members), 1000)] or [[]]
            for index, chunk in enumerate(chunks):
                body: dgw.GuildMembersChunkEvent = {
                    "guild_id": str(guild.id),
                    "members": [payloads.member_with_user(m) for m in chunk],
                    "chunk_index": index,
                    "chunk_count": len(chunks),
                    "not_found": [],
                }
                if d.get("nonce") is not None:
                    body["nonce"] = d["nonce"]
                session.dispatch("GUILD_MEMBERS_CHUNK", body)


def _valid_shard(shard: Any) -> bool:
    """IDENTIFY's `shard`: [shard_id, num_shards] with 0 <= shard_id < num_shards."""
    if not isinstance(shard, list) or len(shard) != 2 or not all(type(x) is int for x in shard):
        return False
    shard_id, shard_count = int(shard[0]), int(shard[1])
    return shard_count >= 1 and 0 <= shard_id < shard_count
