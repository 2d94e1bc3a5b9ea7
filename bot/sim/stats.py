"""Counters a test can read to see how the bot used the simulated API."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class SimStats:
    """Request, error and gateway counters since the simulator started (or `reset()`)."""

    requests: Counter[str] = field(default_factory=Counter)  # "POST /channels/{channel_id}/messages"
    statuses: Counter[int] = field(default_factory=Counter)
    rate_limited: int = 0  # 429 answers (real limits and injected storms)
    invalid_requests: int = 0  # 401, 403 and 429 answers: what Cloudflare bans IPs for
    injected_faults: int = 0
    gateway_connections: int = 0
    reconnects: int = 0  # connections after the first (a sharded bot's other shards count too)
    identifies: int = 0
    identifies_rate_limited: int = 0  # answered op 9: the max_concurrency bucket was used in the last 5 s
    identifies_refused: int = 0  # closed 4010: the shard's session was still connected (exclusive_shards)
    resumes: int = 0
    invalid_sessions: int = 0
    gateway_dispatches: int = 0
    dispatches: Counter[str] = field(default_factory=Counter)
    heartbeats: int = 0

    @property
    def total_requests(self) -> int:
        """All REST requests."""
        return sum(self.requests.values())

    def reset(self) -> None:
        """Zero every counter."""
        fresh = SimStats()
        self.__dict__.update(fresh.__dict__)
