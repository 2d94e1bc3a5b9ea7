"""REST plumbing (auth, faults, rate limits, error bodies, stats) and the simple read-only routes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from bot.sim import errors as E
from bot.sim import payloads
from bot.sim.core import SimCore, Upload
from bot.sim.errors import DiscordHTTPError, Violation, not_found
from bot.sim.faults import FaultRule
from bot.sim.validation import check_commands

if TYPE_CHECKING:
    from discord.types import gateway as dgw

API_PREFIX = "/api/v10"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON with exactly `Content-Type: application/json` (discord.py compares it verbatim)."""
    data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return web.Response(body=data, status=status, headers=headers, content_type="application/json")


def ok(body: Any, status: int = 200) -> web.Response:
    """A 2xx JSON response."""
    return json_response(body, status)


def no_content() -> web.Response:
    """204."""
    return web.Response(status=204)


def snowflake_param(request: web.Request, name: str, unknown: Callable[[], DiscordHTTPError]) -> int:
    """A path snowflake; malformed ids are 404s just like unknown ones."""
    raw = request.match_info[name]
    if not raw.isdigit():
        raise unknown()
    return int(raw)


async def read_body(request: web.Request) -> tuple[dict[str, Any], list[Upload]]:
    """JSON body, or multipart `payload_json` + `files[n]` parts."""
    if request.content_type.startswith("multipart/"):
        payload: dict[str, Any] = {}
        uploads: list[Upload] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):  # a nested multipart: Discord ignores those too
                continue
            name = part.name or ""
            if name == "payload_json":
                try:
                    payload = json.loads(await part.text())
                except ValueError:
                    raise DiscordHTTPError(400, E.INVALID_JSON, "The request body contains invalid JSON.") from None
            elif name.startswith("files[") and name.endswith("]"):
                data = bytes(await part.read(decode=False))
                uploads.append(
                    Upload(
                        index=int(name[6:-1]),
                        filename=part.filename or f"file{name[6:-1]}",
                        data=data,
                        content_type=part.headers.get("Content-Type", "application/octet-stream"),
                    )
                )
        return payload, uploads
    text = await request.text()
    if not text:
        return {}, []
    try:
        body = json.loads(text)
    except ValueError:
        raise DiscordHTTPError(400, E.INVALID_JSON, "The request body contains invalid JSON.") from None
    return (body if isinstance(body, dict) else {"__list__": body}), []


def _route_template(request: web.Request) -> str:
    resource = request.match_info.route.resource
    canonical = resource.canonical if resource is not None else request.path
    return canonical[len(API_PREFIX) :] if canonical.startswith(API_PREFIX) else canonical


def _major(request: web.Request) -> str:
    info = request.match_info
    parts = [info.get(k) for k in ("channel_id", "guild_id", "webhook_id", "token", "interaction_id")]
    return "+".join(p for p in parts if p)


def _needs_auth(template: str) -> bool:
    # Webhook-token and interaction-callback routes authenticate by the token in the path.
    return not (template.startswith("/webhooks/") or template.startswith("/interactions/"))


def _interaction_id(core: SimCore, request: web.Request) -> int | None:
    info = request.match_info
    if info.get("interaction_id", "").isdigit():
        return int(info["interaction_id"])
    token = info.get("token")
    if token and token in core.by_token:
        return core.by_token[token].id
    return None


def rate_limited_response(retry_after: float, is_global: bool, headers: dict[str, str]) -> web.Response:
    """Discord's 429 (with the Via header discord.py uses to tell it from a Cloudflare ban)."""
    headers = {**headers, "Via": "1.1 google", "Retry-After": str(max(1, round(retry_after + 0.5)))}
    if is_global:
        headers["X-RateLimit-Global"] = "true"
        headers["X-RateLimit-Scope"] = "global"
    body = {"message": "You are being rate limited.", "retry_after": round(retry_after, 3), "global": is_global}
    return json_response(body, status=429, headers=headers)


def make_middleware(core: SimCore) -> Any:
    """Stats, injected faults, auth, rate limits and Discord-shaped errors around every API call."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX + "/"):
            return await handler(request)
        core.inflight += 1
        stats = core.stats
        method = request.method
        path = request.path[len(API_PREFIX) :]
        template = _route_template(request)
        response: web.StreamResponse | None = None
        try:
            stats.requests[f"{method} {template}"] += 1
            lost: FaultRule | None = None
            held = 0.0
            for rule in core.faults.pick(method, path, template):
                stats.injected_faults += 1
                if rule.kind == "lost":
                    lost = rule
                elif rule.kind == "held":
                    held += rule.delay
                elif rule.kind == "slow":
                    await asyncio.sleep(rule.delay)
                elif rule.kind == "429":
                    stats.rate_limited += 1
                    response = rate_limited_response(rule.retry_after, rule.is_global, {})
                    return response
                else:
                    response = json_response({"message": f"{rule.status}: Server Error", "code": 0}, status=rule.status)
                    return response
            if _needs_auth(template) and request.headers.get("Authorization") != f"Bot {core.token}":
                raise DiscordHTTPError(401, 0, "401: Unauthorized")
            decision = core.ratelimiter.check(
                method,
                f"{method} {template}",
                path,
                _major(request),
                # discord-api-docs interactions/receiving-and-responding.mdx "Endpoints": the callback and the
                # interaction webhook (original response, follow-ups) are not bound to the global rate limit.
                exempt_global=template.startswith(("/interactions/", "/webhooks/")),
            )
            if decision.limited:
                assert decision.retry_after is not None
                stats.rate_limited += 1
                response = rate_limited_response(decision.retry_after, decision.is_global, decision.headers)
                return response
            try:
                response = await handler(request)
            except web.HTTPException as exc:
                if exc.status in (404, 405):
                    raise DiscordHTTPError(404, 0, "404: Not Found") from None
                raise
            if held:
                await asyncio.sleep(held)  # done; the answer is on its way
            if lost is not None and response.status < 300:  # done, but the answer never reaches the bot
                response = json_response({"message": f"{lost.status}: Server Error", "code": 0}, status=lost.status)
                return response
            response.headers.update(decision.headers)
            return response
        except DiscordHTTPError as exc:
            if exc.violation:
                core.record(
                    Violation(
                        status=exc.status,
                        code=exc.code,
                        message=exc.message,
                        method=method,
                        path=template,
                        errors=exc.errors,
                        interaction_id=_interaction_id(core, request),
                    )
                )
            response = json_response(exc.body(), status=exc.status)
            return response
        finally:
            core.inflight -= 1
            if response is not None:
                stats.statuses[response.status] += 1
                if response.status in (401, 403, 429):
                    stats.invalid_requests += 1

    return middleware


class BasicRoutes:
    """Users, application, gateway discovery, commands, guilds and members."""

    def __init__(self, core: SimCore, gateway_url: Callable[[], str]) -> None:
        self.core = core
        self.world = core.world
        self._gateway_url = gateway_url

    def register(self, app: web.Application) -> None:
        r = app.router
        p = API_PREFIX
        r.add_get(p + "/users/@me", self.me)
        r.add_get(p + "/users/{user_id}", self.get_user)
        r.add_get(p + "/oauth2/applications/@me", self.application)
        r.add_get(p + "/applications/@me", self.application)
        r.add_get(p + "/gateway", self.gateway)
        r.add_get(p + "/gateway/bot", self.gateway_bot)
        r.add_get(p + "/applications/{application_id}/commands", self.get_commands)
        r.add_put(p + "/applications/{application_id}/commands", self.put_commands)
        r.add_get(p + "/applications/{application_id}/guilds/{guild_id}/commands", self.get_commands)
        r.add_put(p + "/applications/{application_id}/guilds/{guild_id}/commands", self.put_commands)
        r.add_get(
            p + "/applications/{application_id}/guilds/{guild_id}/commands/permissions", self.get_command_permissions
        )
        r.add_get(p + "/guilds/{guild_id}", self.get_guild)
        r.add_get(p + "/guilds/{guild_id}/channels", self.get_guild_channels)
        r.add_get(p + "/guilds/{guild_id}/roles", self.get_roles)
        r.add_get(p + "/guilds/{guild_id}/members", self.list_members)
        r.add_get(p + "/guilds/{guild_id}/members/{user_id}", self.get_member)

    async def me(self, request: web.Request) -> web.Response:
        return ok(payloads.client_user(self.world.bot_user))

    async def get_user(self, request: web.Request) -> web.Response:
        uid = snowflake_param(request, "user_id", lambda: not_found(E.UNKNOWN_USER, "User"))
        user = self.world.users.get(uid)
        if user is None:
            raise not_found(E.UNKNOWN_USER, "User")
        return ok(payloads.user(user))

    async def application(self, request: web.Request) -> web.Response:
        owner = next(iter(self.world.guilds.values())).owner.user if self.world.guilds else self.world.bot_user
        return ok(payloads.application(self.world, owner))

    async def gateway(self, request: web.Request) -> web.Response:
        return ok({"url": self._gateway_url()})

    async def gateway_bot(self, request: web.Request) -> web.Response:
        # docs: developers/events/gateway.mdx, "Get Gateway Bot" and "Session Start Limit Object"
        gateway = self.core.gateway
        body: dgw.GatewayBot = {
            "url": self._gateway_url(),
            "shards": gateway.recommended_shards(),
            "session_start_limit": gateway.session_start_limit(),
        }
        return ok(body)

    def _scope(self, request: web.Request) -> int | None:
        app_id = request.match_info["application_id"]
        if app_id != str(self.world.application_id):
            raise DiscordHTTPError(403, E.MISSING_ACCESS, "Missing Access")
        gid = request.match_info.get("guild_id")
        if gid is None:
            return None
        if not gid.isdigit() or int(gid) not in self.world.guilds:
            raise DiscordHTTPError(403, E.MISSING_ACCESS, "Missing Access")
        return int(gid)

    async def get_commands(self, request: web.Request) -> web.Response:
        return ok(self.core.commands.list(self._scope(request)))

    async def get_command_permissions(self, request: web.Request) -> web.Response:
        """The guild's command permission overrides (Server Settings → Integrations), readable with the bot token.

        docs: developers/interactions/application-commands.mdx, "Get Guild Application Command
        Permissions" and "Application Command Permissions Object" (type 1 role, 2 user; a role id equal
        to the guild id is @everyone).
        """
        guild_id = self._scope(request)
        assert guild_id is not None
        guild = self.world.guilds[guild_id]
        out = []
        for name, overrides in guild.command_overrides.items():
            cmd = self.core.commands.find(name, guild_id)
            entries = [
                {"id": str(target), "type": 1 if target in guild.roles else 2, "permission": allowed}
                for target, allowed in overrides.items()
            ]
            out.append(
                {
                    "id": cmd["id"],
                    "application_id": str(self.world.application_id),
                    "guild_id": str(guild_id),
                    "permissions": entries,
                }
            )
        return ok(out)

    async def put_commands(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        body, _ = await read_body(request)
        commands = body.get("__list__", body)
        tree = check_commands(commands)
        if tree:
            raise E.form_error(tree)
        return ok(self.core.commands.overwrite(scope, commands))

    def _guild(self, request: web.Request) -> Any:
        gid = snowflake_param(request, "guild_id", lambda: not_found(E.UNKNOWN_GUILD, "Guild"))
        guild = self.world.guilds.get(gid)
        if guild is None:
            raise not_found(E.UNKNOWN_GUILD, "Guild")
        return guild

    async def get_guild(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        body = payloads.guild(guild)
        if request.query.get("with_counts") in ("true", "1", "True"):
            counts = {"approximate_member_count": len(guild.members), "approximate_presence_count": 0}
            body = payloads.beyond_discordpy(body, **counts)
        return ok(body)

    async def get_guild_channels(self, request: web.Request) -> web.Response:
        return ok([payloads.channel(c) for c in self._guild(request).channels.values()])

    async def get_roles(self, request: web.Request) -> web.Response:
        return ok([payloads.role(r) for r in self._guild(request).roles.values()])

    async def list_members(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        limit = max(1, min(int(request.query.get("limit", "1")), 1000))
        after = int(request.query.get("after", "0"))
        members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)[:limit]
        return ok([payloads.member(m) for m in members])

    async def get_member(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        raw = request.match_info["user_id"]
        member = guild.members.get(int(raw)) if raw.isdigit() else None
        if member is None:
            # Asking whether someone is still a member is how a bot without the Server Members intent
            # learns who left (developers/gateway/you-might-not-need-a-privileged-intent.mdx): an answer,
            # not a broken rule.
            raise DiscordHTTPError(404, E.UNKNOWN_MEMBER, "Unknown Member", violation=False)
        return ok(payloads.member(member))
