"""Files beside the database: the running bot's lock and its health heartbeat.

The lock (`<database>.lock`, an advisory `flock`) is held for as long as `hustings run` runs, so
`hustings restore` can refuse to swap the file under a running bot and a second bot on the same file
is refused; the kernel releases it if the process dies. The heartbeat (`<database>.health.json`) is
rewritten by the running bot and read by `hustings health`.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

try:  # advisory locks are POSIX; elsewhere the lock is a no-op (the container image is Linux)
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]


class Busy(Exception):
    """Another process holds the database's run lock."""


def lock_path(database: Path) -> Path:
    """Where the run lock of `database` lives."""
    return database.with_name(database.name + ".lock")


def heartbeat_path(database: Path) -> Path:
    """Where the heartbeat of the bot running on `database` lives."""
    return database.with_name(database.name + ".health.json")


class RunLock:
    """An exclusive, non-blocking advisory lock on `<database>.lock`; `acquire` raises `Busy` if held."""

    def __init__(self, database: Path) -> None:
        self.path = lock_path(database)
        self._file: IO[str] | None = None

    def acquire(self) -> RunLock:
        """Take the lock or raise `Busy`."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 - held open for the lock's lifetime
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                raise Busy(str(self.path)) from None
        self._file = handle
        return self

    def release(self) -> None:
        """Give the lock back."""
        if self._file is not None:
            self._file.close()  # closing the descriptor releases the flock
            self._file = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """What the running bot last said about itself (times are Unix seconds, wall clock)."""

    pid: int
    at: float
    gateway_connected: bool
    last_tick: float | None
    database_ok: bool
    problem: str | None = None


def write_heartbeat(database: Path, beat: Heartbeat) -> None:
    """Replace the heartbeat file atomically (write a temporary file, then rename it over)."""
    path = heartbeat_path(database)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(asdict(beat)), encoding="utf-8")
    os.replace(tmp, path)


def read_heartbeat(database: Path) -> Heartbeat | None:
    """The last heartbeat, or None when there is none or it can't be read."""
    try:
        data: dict[str, Any] = json.loads(heartbeat_path(database).read_text(encoding="utf-8"))
        return Heartbeat(**data)
    except (OSError, ValueError, TypeError):
        return None
