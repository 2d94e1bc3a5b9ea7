"""The gateway: a websocket speaking Discord's v10 protocol (HELLO, IDENTIFY/READY, RESUME with replay,
heartbeats, INVALID_SESSION, member chunks) with zlib-stream or zstd-stream transport compression."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import zlib
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
    seq: int = 0
    valid: bool = True
    connection: _Connection | None = None
    log: deque[_Event] = field(default_factory=deque)

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
        self.current: GatewaySession | None = None
        self.connections: set[_Connection] = set()
        self.drop_after: int | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.ready_event = asyncio.Event()

    # --- dispatching -----------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while the current session has a live socket."""
        return self.current is not None and self.current.connection is not None

    def dispatch(self, name: str, data: EventData, intent: int = 0, on_sent: Callable[[], None] | None = None) -> bool:
        """Send an event to the current session (kept for replay while disconnected).

        Returns False when no session exists or its intents exclude the event.
        """
        session = self.current
        if session is None or not session.valid:
            return False
        if intent and not session.intents & intent:
            return False
        body = data(session.intents) if callable(data) else data
        session.dispatch(name, body, on_sent)
        return True

    def idle(self) -> bool:
        """True when nothing is queued or waiting to be replayed."""
        session = self.current
        if session is None:
            return True
        conn = session.connection
        return conn is not None and conn.idle() and conn.last_sent_seq >= session.seq

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
        self.stats.identifies += 1
        session = GatewaySession(id=secrets.token_hex(16), intents=intents, replay_limit=self.replay_limit)
        self.sessions[session.id] = session
        if self.current is not None:
            self.current.valid = False
        self.current = session
        conn.session = session
        session.connection = conn
        world = self.world
        ready: dict[str, Any] = {
            "v": 10,
            "user": payloads.client_user(world.bot_user),
            "guilds": [{"id": str(i), "unavailable": True} for i, g in world.guilds.items() if not g.bot_removed],
            "session_id": session.id,
            "resume_gateway_url": self.resume_url,
            "session_type": "normal",
            "application": {"id": str(world.application_id), "flags": (1 << 14) | (1 << 18)},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "auth": {},
            "_trace": ["sim"],
        }
        if "shard" in d:
            ready["shard"] = d["shard"]
        session.dispatch("READY", ready)
        if intents & INTENT_GUILDS:
            for guild in world.guilds.values():
                # docs: developers/events/gateway-events.mdx, "Guild Create": guilds unavailable because
                # of an outage get no GUILD_CREATE (READY lists them as unavailable).
                # A guild that removed the bot sends nothing either.
                if not guild.unavailable and not guild.bot_removed:
                    session.dispatch("GUILD_CREATE", payloads.guild_create(guild, intents))
        self.ready_event.set()

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
