"""The aiohttp application and its loopback listener."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.sim.core import SimCore
from bot.sim.rest import BasicRoutes, make_middleware
from bot.sim.rest_events import EventRoutes
from bot.sim.rest_interactions import InteractionRoutes
from bot.sim.rest_messages import MessageRoutes
from bot.sim.rest_threads import ThreadRoutes

MAX_BODY = 64 * 1024 * 1024


class SimServer:
    """Binds REST, gateway and attachment downloads on 127.0.0.1 (port 0 = any free port)."""

    def __init__(self, core: SimCore, host: str = "127.0.0.1", port: int = 0) -> None:
        self.core = core
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        return f"http://{self.host}:{self.port}"

    def build_app(self) -> web.Application:
        """The aiohttp app with every route."""
        app = web.Application(middlewares=[make_middleware(self.core)], client_max_size=MAX_BODY)
        BasicRoutes(self.core, lambda: f"ws://{self.host}:{self.port}/gateway").register(app)
        MessageRoutes(self.core).register(app)
        InteractionRoutes(self.core).register(app)
        EventRoutes(self.core).register(app)
        ThreadRoutes(self.core).register(app)
        app.router.add_get("/gateway", self.core.gateway.handle)
        app.router.add_get("/gateway/resume", self.core.gateway.handle)
        return app

    async def start(self) -> None:
        """Listen; afterwards `port` is the real port."""
        self._runner = web.AppRunner(self.build_app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server  # aiohttp keeps the asyncio server here; it's how to read port 0's choice
        assert isinstance(server, asyncio.Server)
        self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close gateway sockets and stop listening."""
        await self.core.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
