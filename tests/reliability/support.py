"""Shared pieces of the reliability suite: a running bot, recorded request bodies, commands from the synced tree.

Every test here prints its figure (`report`) and keeps its trial count behind
HUSTINGS_RELIABILITY_TRIALS (`trials`): the CI default is small but meaningful; raise it for heavy runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bench.loopwatch import LoopWatch, SlowCallback
from bot.app import EXTENSIONS, HustingsBot
from bot.clock import ManualClock
from bot.config import Settings
from bot.sim import DiscordSimulator, SimGuild, rest_interactions, rest_messages, run_bot_against
from bot.store.database import Database
from tests.services.test_sources_support import FeedServer

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11


def trials(default: int) -> int:
    """How many trials to run: HUSTINGS_RELIABILITY_TRIALS when set (heavy runs), else the CI default."""
    raw = os.environ.get("HUSTINGS_RELIABILITY_TRIALS", "").strip()
    return max(1, int(raw)) if raw else default


def report(name: str, **figures: Any) -> None:
    """Print a test's figures on one line (visible with `pytest -s` and in CI logs on failure)."""
    shown = ", ".join(f"{k}={v}" for k, v in figures.items())
    print(f"\n[reliability] {name}: {shown}")


# ------------------------------------------------------------------------------------------ the bot


@asynccontextmanager
async def running_bot(
    sim: DiscordSimulator, guild: SimGuild, db: Database, clock: ManualClock, *, extensions: tuple[str, ...] = ()
) -> AsyncIterator[HustingsBot]:
    """The real bot on `db`, logged in to `sim` with its commands synced to `guild` (e2e-style, in process)."""
    from bot.app import point_discord_at

    settings = Settings(
        _env_file=None,
        HUSTINGS_DATABASE=str(db.path),
        HUSTINGS_DISCORD_API=sim.api_base,
        HUSTINGS_DISCORD_GATEWAY=sim.gateway_url,
        HUSTINGS_DEV_GUILD=str(guild.id),
        HUSTINGS_SOURCE_ALLOW_PRIVATE=True,  # the published sheet is on 127.0.0.1
    )
    point_discord_at(settings.discord_api, settings.discord_gateway)
    bot = HustingsBot(settings=settings, db=db, clock=clock, extensions=(*EXTENSIONS, *extensions))

    async def identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
        return None  # discord.py waits 5 s before re-identifying; nothing to wait for here

    bot.before_identify_hook = identify_at_once  # type: ignore[method-assign]
    async with run_bot_against(sim, bot):
        yield bot


# ------------------------------------------------------------------------------------------ requests


@dataclass
class Sent:
    """One request body the simulator received from the bot."""

    method: str
    path: str
    payload: dict[str, Any]

    @property
    def message(self) -> dict[str, Any] | None:
        """The message part: the body itself, or `data` of an interaction callback that carries a message."""
        if self.path.endswith("/callback"):
            return self.payload.get("data") if self.payload.get("type") in (4, 7) else None
        if "/messages" in self.path or self.path.startswith("/api/v10/webhooks/"):
            return self.payload
        return None


@dataclass
class RequestLog:
    """Every JSON/multipart body the bot sent to message-creating or -editing routes."""

    sent: list[Sent] = field(default_factory=list)

    def messages(self) -> Iterator[tuple[Sent, dict[str, Any]]]:
        """(request, message body) for each request that carried a message."""
        for s in self.sent:
            body = s.message
            if body is not None:
                yield s, body


def record_requests(monkeypatch: pytest.MonkeyPatch) -> RequestLog:
    """Record what the bot sends (the simulator keeps content, not allowed_mentions)."""
    log = RequestLog()
    original = rest_messages.read_body

    async def recording(request: Any) -> tuple[dict[str, Any], list[Any]]:
        payload, uploads = await original(request)
        if request.method in ("POST", "PATCH"):
            log.sent.append(Sent(request.method, request.path, json.loads(json.dumps(payload))))
        return payload, uploads

    monkeypatch.setattr(rest_messages, "read_body", recording)
    monkeypatch.setattr(rest_interactions, "read_body", recording)
    return log


_EVERYONE = re.compile(r"@(everyone|here)")
_ROLE = re.compile(r"<@&(\d+)>")
_USER = re.compile(r"<@!?(\d+)>")


def pings(message: Mapping[str, Any]) -> set[str]:
    """Who a message body would ping on Discord (content mentions that allowed_mentions lets through).

    Without `allowed_mentions` Discord parses everything in the content; embeds never ping.
    """
    content = message.get("content") or ""
    allowed = message.get("allowed_mentions")
    if allowed is None:
        allowed = {"parse": ["everyone", "users", "roles"]}
    parse = set(allowed.get("parse") or [])
    out: set[str] = set()
    if "everyone" in parse and _EVERYONE.search(content):
        out.add("everyone")
    roles = {str(r) for r in allowed.get("roles") or []}
    users = {str(u) for u in allowed.get("users") or []}
    for role in _ROLE.findall(content):
        if "roles" in parse or role in roles:
            out.add(f"role:{role}")
    for user in _USER.findall(content):
        if "users" in parse or user in users:
            out.add(f"user:{user}")
    return out


# ------------------------------------------------------------------------------------------ commands


@dataclass(frozen=True)
class Leaf:
    """A runnable command from the synced tree: its path and option definitions."""

    path: str  # "/admin candidate edit"
    options: tuple[dict[str, Any], ...]
    default_member_permissions: str | None

    @property
    def root(self) -> str:
        """The top-level command name."""
        return self.path.split()[0].lstrip("/")


def leaf_commands(sim: DiscordSimulator, guild: SimGuild) -> list[Leaf]:
    """Every chat-input command the bot synced to the guild, expanded to its subcommands."""
    leaves: list[Leaf] = []
    for cmd in sim.commands(guild):
        if cmd.get("type", 1) != 1:
            continue
        perms = cmd.get("default_member_permissions")

        def walk(prefix: str, options: list[dict[str, Any]], perms: str | None = perms) -> None:
            subs = [o for o in options if o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)]
            if not subs:
                leaves.append(Leaf(prefix, tuple(options), perms))
                return
            for sub in subs:
                walk(f"{prefix} {sub['name']}", sub.get("options") or [], perms)

        walk("/" + cmd["name"], cmd.get("options") or [])
    return leaves


def plausible(option: Mapping[str, Any], ctx: Mapping[str, Any]) -> Any:
    """A value a real member could give for an option (for the options a test is not attacking)."""
    kind = option["type"]
    if option.get("choices"):
        return option["choices"][0]["value"]
    name = option["name"]
    if kind == STRING:
        for key, value in ctx.get("strings", {}).items():
            if key in name:
                return value
        return ctx.get("default_string", "x")
    if kind in (INTEGER, NUMBER):
        low = option.get("min_value")
        return low if low is not None else 1
    if kind == BOOLEAN:
        return False
    if kind in (USER, MENTIONABLE):
        return ctx["user"]
    if kind == CHANNEL:
        return ctx["channel"]
    if kind == ROLE:
        return ctx["role"]
    if kind == ATTACHMENT:
        return ("data.csv", b"name\n")
    raise AssertionError(f"unknown option type {kind}")


# ------------------------------------------------------------------------------------------ the database


def _on_postgres(path: Path | str) -> bool:
    return str(path).startswith(("postgresql://", "postgres://"))


def _pg_dump(url: str, skip: tuple[str, ...]) -> dict[str, list[tuple[Any, ...]]]:
    """`dump` of a PostgreSQL database, through its own connection on a thread of its own (callers are sync)."""
    import asyncpg

    async def read() -> dict[str, list[tuple[Any, ...]]]:
        conn = await asyncpg.connect(url)
        try:
            tables = [r[0] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
            out: dict[str, list[tuple[Any, ...]]] = {}
            for table in sorted(tables):
                if table not in skip:
                    out[table] = sorted((tuple(r) for r in await conn.fetch(f'SELECT * FROM "{table}"')), key=repr)
            return out
        finally:
            await conn.close()

    found: list[dict[str, list[tuple[Any, ...]]]] = []
    thread = threading.Thread(target=lambda: found.append(asyncio.run(read())))
    thread.start()
    thread.join(60)
    return found[0]


def dump(path: Path | str, *, skip: tuple[str, ...] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (sorted), read with a separate connection; `skip` leaves tables out."""
    if _on_postgres(path):
        return _pg_dump(str(path), skip)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        out: dict[str, list[tuple[Any, ...]]] = {}
        for table in tables:
            if table in skip or table.startswith("sqlite_"):
                continue
            rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
            out[table] = sorted(rows, key=repr)
        return out
    finally:
        conn.close()


def integrity(path: Path | str) -> str:
    """`PRAGMA integrity_check` (and foreign keys) through a fresh connection: "ok" when healthy.

    PostgreSQL enforces foreign keys on every statement and checks its own pages: "ok" once it answers.
    """
    if _on_postgres(path):
        return "ok" if _pg_dump(str(path), ()) is not None else "unreadable"
    conn = sqlite3.connect(path)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        return result if not fk else f"{result}; foreign key violations: {fk[:5]}"
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------ loop health


def bot_blocks(watch: LoopWatch, *, cpu_share: float = 0.5) -> list[SlowCallback]:
    """Steps over the threshold in which the loop thread itself was busy (≥ `cpu_share` of the step on CPU).

    A step that took long only because the OS ran other processes (the machine is shared) is not a
    callback blocking the loop; those still appear in `watch.slow` and in the printed figures.
    """
    return [s for s in watch.slow if s.cpu >= watch.threshold * cpu_share]


Check = Callable[[], None]


# ------------------------------------------------------------------------------------------ a feed


class Feed:
    """A published sheet on 127.0.0.1 whose body a test changes between syncs (over the sources' FeedServer)."""

    PATH = "sheet.csv"

    def __init__(self, server: FeedServer, content_type: str) -> None:
        self._server = server
        self._content_type = content_type
        self._body = b""

    @property
    def url(self) -> str:
        """Where the sheet is served."""
        return self._server.url(self.PATH)

    @property
    def body(self) -> bytes:
        """What the sheet holds now."""
        return self._body

    @body.setter
    def body(self, value: bytes) -> None:
        self._body = value
        self._server.serve(self.PATH, value, self._content_type)


@asynccontextmanager
async def serve_feed(body: bytes = b"", content_type: str = "text/csv") -> AsyncIterator[Feed]:
    """Serve `Feed.body` at `Feed.url` until the block ends."""
    server = FeedServer()
    await server.start()
    feed = Feed(server, content_type)
    feed.body = body
    try:
        yield feed
    finally:
        await server.stop()
