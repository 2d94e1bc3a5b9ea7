"""A local feed server for source tests: serves CSV/JSON on 127.0.0.1 and misbehaves on request.

Not a test module itself (no tests); the source tests import `FeedServer` from here.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult


@dataclass
class Route:
    """What one path serves and how."""

    body: bytes = b""
    content_type: str = "text/csv"
    status: int = 200
    mode: str = "normal"  # normal | drip | huge | loop | hang | no-etag | redirect
    location: str = ""  # where "redirect" sends the client
    reason: str | None = None  # a reason phrase of the server's own, for an error status
    etag_enabled: bool = True
    hits: int = 0
    conditional_hits: int = 0
    sent: int = 0  # body bytes written in "huge" mode before the client hung up


@dataclass
class FeedServer:
    """An aiohttp server on 127.0.0.1 whose routes tests edit between runs."""

    routes: dict[str, Route] = field(default_factory=dict)
    runner: web.AppRunner | None = None
    port: int = 0

    async def start(self) -> None:
        """Listen on an ephemeral port."""
        app = web.Application()
        app.router.add_route("GET", "/{path:.*}", self._handle)
        self.runner = web.AppRunner(app, handle_signals=False, handler_cancellation=True, shutdown_timeout=0.2)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Stop listening."""
        if self.runner is not None:
            await self.runner.cleanup()

    def url(self, path: str) -> str:
        """The full URL of a path on this server."""
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def serve(self, path: str, body: bytes | str, content_type: str = "text/csv", **kw) -> Route:
        """Set (or replace the body of) what a path serves; hit counters are kept."""
        data = body.encode() if isinstance(body, str) else body
        route = self.routes.get(path)
        if route is None:
            route = self.routes[path] = Route()
        route.body, route.content_type = data, content_type
        route.status = kw.get("status", 200)
        route.mode = kw.get("mode", "normal")
        route.etag_enabled = kw.get("etag", True)
        route.location = kw.get("location", "")
        route.reason = kw.get("reason")
        return route

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        route = self.routes.get(path)
        if route is None:
            return web.Response(status=404, text="not here")
        route.hits += 1
        if route.mode == "loop":
            raise web.HTTPFound(location=f"/{path}")
        if route.mode == "redirect":
            raise web.HTTPFound(location=route.location)
        if route.status != 200:
            return web.Response(status=route.status, reason=route.reason, text="oops")
        etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
        if route.mode == "normal" and route.etag_enabled and request.headers.get("If-None-Match") == etag:
            route.conditional_hits += 1
            return web.Response(status=304, headers={"ETag": etag})
        if route.mode == "hang":
            await asyncio.sleep(30)
        resp = web.StreamResponse(status=200, headers={"Content-Type": route.content_type})
        if route.mode == "normal" and route.etag_enabled:
            resp.headers["ETag"] = etag
        if route.mode == "huge":
            # 50 MB streamed in 64 KB chunks, no Content-Length: the client must stop at its limit.
            await resp.prepare(request)
            chunk = b"a,b\n" * 16384
            try:
                for _ in range(50 * 1024 * 1024 // len(chunk)):
                    await resp.write(chunk)
                    route.sent += len(chunk)
            except (ConnectionResetError, ConnectionError):
                pass
            return resp
        if route.mode == "drip":
            await resp.prepare(request)
            try:
                for byte in route.body:
                    await resp.write(bytes([byte]))
                    await asyncio.sleep(0.05)
            except (ConnectionResetError, ConnectionError):
                pass
            return resp
        resp.content_length = len(route.body)
        await resp.prepare(request)
        await resp.write(route.body)
        return resp


class FakeDNS(AbstractResolver):
    """A resolver answering from a table (there is no DNS in tests): name → addresses.

    `later` answers every lookup of a name after its first (DNS that changes its answer: rebinding).
    """

    def __init__(self, table: dict[str, list[str]], later: dict[str, list[str]] | None = None) -> None:
        self.table = table
        self.later = later or {}
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """The table's addresses for `host`; an unknown name fails like a DNS miss."""
        table = self.later if host in self.asked and host in self.later else self.table
        self.asked.append(host)
        if host not in table:
            raise OSError(f"no such host {host}")
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in table[host]
        ]

    async def close(self) -> None:
        """Nothing to close."""
