"""Discord-style rate limits: one global bucket plus per-route buckets keyed by major parameters."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatch


@dataclass
class RateLimitConfig:
    """Limits per window; OFF by default so ordinary tests run at full speed.

    `routes` overrides the per-route limit for `"METHOD /path"` glob patterns, e.g.
    `{"POST /channels/*/messages": (5, 5.0)}`.
    """

    enabled: bool = False
    global_limit: int = 50
    global_window: float = 1.0
    route_limit: int = 5
    route_window: float = 1.0
    routes: dict[str, tuple[int, float]] = field(default_factory=dict)


@dataclass
class _Bucket:
    limit: int
    window: float
    count: int = 0
    reset_at: float = 0.0


@dataclass
class RateLimitDecision:
    """What to answer: headers for a pass, or a 429 body."""

    headers: dict[str, str]
    retry_after: float | None = None
    is_global: bool = False

    @property
    def limited(self) -> bool:
        """True when the request must get a 429."""
        return self.retry_after is not None


def bucket_hash(route_key: str) -> str:
    """Stable opaque hash for a route template, like Discord's X-RateLimit-Bucket."""
    return hashlib.sha1(route_key.encode()).hexdigest()[:16]


class RateLimiter:
    """Counts requests in fixed windows of real monotonic time (discord.py sleeps real time)."""

    def __init__(
        self, config: RateLimitConfig | None = None, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config or RateLimitConfig()
        self._monotonic = monotonic  # real time; unit tests hand in a counter they move
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._global = _Bucket(0, 0.0)

    def reset(self) -> None:
        """Forget all counts."""
        self._buckets.clear()
        self._global = _Bucket(0, 0.0)

    def _limits_for(self, method: str, path: str) -> tuple[int, float]:
        for pattern, limits in self.config.routes.items():
            if fnmatch(f"{method} {path}", pattern):
                return limits
        return self.config.route_limit, self.config.route_window

    def check(
        self, method: str, route_key: str, path: str, major: str, *, exempt_global: bool = False
    ) -> RateLimitDecision:
        """Take one request from the global and the route bucket, or say how long to wait."""
        if not self.config.enabled:
            return RateLimitDecision(headers={})
        now = self._monotonic()
        if not exempt_global:
            g = self._global
            g.limit, g.window = self.config.global_limit, self.config.global_window
            if now >= g.reset_at:
                g.count, g.reset_at = 0, now + g.window
            if g.count >= g.limit:
                retry = max(g.reset_at - now, 0.001)
                return RateLimitDecision(
                    headers={
                        "X-RateLimit-Global": "true",
                        "X-RateLimit-Scope": "global",
                        "Retry-After": str(math.ceil(retry)),
                    },
                    retry_after=retry,
                    is_global=True,
                )
        limit, window = self._limits_for(method, path)
        digest = bucket_hash(route_key)
        bucket = self._buckets.get((digest, major))
        if bucket is None:
            bucket = self._buckets[(digest, major)] = _Bucket(limit, window)
        if now >= bucket.reset_at:
            bucket.count, bucket.reset_at = 0, now + window
        reset_after = max(bucket.reset_at - now, 0.0)
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Bucket": digest,
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        }
        if bucket.count >= limit:
            headers["X-RateLimit-Remaining"] = "0"
            headers["X-RateLimit-Scope"] = "user"
            headers["Retry-After"] = str(math.ceil(reset_after))
            return RateLimitDecision(headers=headers, retry_after=max(reset_after, 0.001))
        if not exempt_global:
            self._global.count += 1
        bucket.count += 1
        headers["X-RateLimit-Remaining"] = str(limit - bucket.count)
        return RateLimitDecision(headers=headers)
