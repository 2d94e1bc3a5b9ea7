"""Faults a test switches on at runtime: 429 storms, 5xx answers, slow answers, dropped gateways, closed DMs."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fnmatch import fnmatch
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from bot.sim.gateway import GatewayServer
    from bot.sim.models import SimMember, SimUser

FaultKind = Literal["429", "5xx", "slow", "lost", "held"]


@dataclass
class FaultRule:
    """One active fault; `remaining=None` means until removed (or by `probability`)."""

    kind: FaultKind
    pattern: str
    remaining: int | None = None
    probability: float | None = None
    status: int = 500
    retry_after: float = 0.05
    is_global: bool = False
    delay: float = 0.0
    hits: int = 0

    def matches(self, method: str, path: str, template: str) -> bool:
        """Glob match against `"METHOD /concrete/path"` or `"METHOD /{template}/path"`."""
        pattern = self.pattern if " " in self.pattern else f"* {self.pattern}"
        return fnmatch(f"{method} {path}", pattern) or fnmatch(f"{method} {template}", pattern)


class FaultInjector:
    """The switchboard. Routes are matched without the `/api/v10` prefix, e.g. `"POST /channels/*/messages"`."""

    def __init__(self, gateway: GatewayServer, seed: int = 0) -> None:
        self._gateway = gateway
        self._random = random.Random(seed)
        self.rules: list[FaultRule] = []

    def rate_limit_storm(
        self, route: str, count: int, *, retry_after: float = 0.05, is_global: bool = False
    ) -> FaultRule:
        """The next `count` matching requests get 429 with `retry_after` seconds."""
        rule = FaultRule("429", route, remaining=count, retry_after=retry_after, is_global=is_global)
        self.rules.append(rule)
        return rule

    def server_errors(
        self, route: str, count: int | None = None, *, probability: float | None = None, status: int = 500
    ) -> FaultRule:
        """Answer matching requests with `status` (next `count`, or each with `probability`)."""
        if count is None and probability is None:
            count = 1
        rule = FaultRule("5xx", route, remaining=count, probability=probability, status=status)
        self.rules.append(rule)
        return rule

    def lost_answers(self, route: str, count: int | None = None, *, status: int = 503) -> FaultRule:
        """Carry out matching requests, then answer `status` anyway (next `count`, or until removed).

        What a proxy error in front of Discord looks like: the message was created, the bot hears a
        5xx. (discord.py retries 500/502/504/524 itself; 503 reaches the bot at once.)
        """
        rule = FaultRule("lost", route, remaining=count, status=status)
        self.rules.append(rule)
        return rule

    def held_answers(self, route: str, delay: float, count: int | None = None) -> FaultRule:
        """Carry out matching requests at once, then hold the answer for `delay` seconds.

        A bot killed meanwhile never learns that its message was created.
        """
        rule = FaultRule("held", route, remaining=count, delay=delay)
        self.rules.append(rule)
        return rule

    def slow(self, route: str, delay: float, count: int | None = None) -> FaultRule:
        """Delay matching requests by `delay` seconds before handling them."""
        rule = FaultRule("slow", route, remaining=count, delay=delay)
        self.rules.append(rule)
        return rule

    def remove(self, rule: FaultRule) -> None:
        """Switch one fault off."""
        if rule in self.rules:
            self.rules.remove(rule)

    def clear(self) -> None:
        """Switch every REST fault off and cancel a pending gateway drop."""
        self.rules.clear()
        self._gateway.drop_after = None

    def pick(self, method: str, path: str, template: str) -> list[FaultRule]:
        """Rules that fire for this request (consuming their counts)."""
        fired: list[FaultRule] = []
        for rule in list(self.rules):
            if not rule.matches(method, path, template):
                continue
            if rule.probability is not None and self._random.random() >= rule.probability:
                continue
            rule.hits += 1
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self.rules.remove(rule)
            fired.append(rule)
        return fired

    def drop_gateway(self, *, code: int | None = None) -> None:
        """Cut the bot's gateway connection now: abruptly (no close frame) or with a close `code`."""
        self._gateway.drop(code=code)

    def drop_gateway_after(self, dispatches: int) -> None:
        """Cut the connection abruptly right after `dispatches` more events have been written to it."""
        self._gateway.drop_after = dispatches

    def invalidate_sessions(self) -> None:
        """Make every existing session un-resumable: the next RESUME gets INVALID_SESSION."""
        self._gateway.invalidate_sessions()

    def close_dms(self, who: SimUser | SimMember) -> None:
        """That user no longer accepts DMs from the bot (403, code 50007)."""
        user = who.user if hasattr(who, "user") else who
        user.dms_closed = True

    def open_dms(self, who: SimUser | SimMember) -> None:
        """Undo `close_dms`."""
        user = who.user if hasattr(who, "user") else who
        user.dms_closed = False
