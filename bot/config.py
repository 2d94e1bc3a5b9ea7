"""Typed settings read from the environment and an optional `.env` file.

Each variable has one parser that says in a sentence what is wrong with a value. Read by hand (the
`.env` file through python-dotenv) rather than with pydantic-settings: for these few variables it did
the same job, and loading pydantic cost every start 80 ms and 10 MiB of resident memory (issue #19,
BENCHMARKS.md "Footprint").
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_API = "https://discord.com/api/v10"
DEFAULT_GATEWAY = "wss://gateway.discord.gg/"


class Secret:
    """A value that never shows in a repr, a log line or an error message (the bot token)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        """The value itself, for the one place that needs it (logging in)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class SettingsError(ValueError):
    """Settings that can't work: `problems` holds (variable, what is wrong) for each."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{name}: {why}" for name, why in self.problems))


# ------------------------------------------------------------------------------------------ parsers
# Each takes the text of a variable and returns the value, or raises ValueError with what is wrong.


def _text(raw: str) -> str:
    return raw


def _token(raw: str) -> Secret | None:
    return Secret(raw) if raw.strip() else None


def _database(raw: str) -> Path | str:
    if not raw.strip():
        raise ValueError("is empty: give a SQLite file path or a postgresql:// URL")
    # A URL must stay text: as a Path, "postgresql://host/db" would lose a slash.
    if raw.split("://", 1)[0] in ("postgresql", "postgres"):
        return raw
    return Path(raw)


def _zone(raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {raw!r} (try Europe/London)") from None
    return raw


def _level(raw: str) -> str:
    value = raw.strip().upper()
    if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError("log level must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
    return value


def _optional_folder(raw: str) -> Path | None:
    return Path(raw) if raw.strip() else None


_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f"}


def _switch(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"must be true or false (not {raw!r})")


def _number(kind: type[int] | type[float], low: float, high: float, *, blank: bool = False) -> Callable[[str], object]:
    noun = "a whole number" if kind is int else "a number"

    def parse(raw: str) -> object:
        if blank and not raw.strip():
            return None
        try:
            value = kind(raw.strip())
        except ValueError:
            raise ValueError(f"must be {noun} (not {raw!r})") from None
        if value < low:
            raise ValueError(f"must be greater than or equal to {low:g}")
        if value > high:
            raise ValueError(f"must be less than or equal to {high:g}")
        return value

    return parse


def _guild(raw: str) -> int | None:
    if not raw.strip():
        return None
    if not raw.strip().isdigit():
        raise ValueError(f"must be a server id, a number (not {raw!r})")
    return int(raw)


def _shard_ids(raw: str) -> tuple[int, ...] | None:
    if not raw.strip():
        return None
    ids: list[int] = []
    for part in raw.replace(" ", "").split(","):
        first, dash, last = part.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise ValueError(f"shard ids are numbers and ranges like 0-3 or 0,2 (not {part!r})")
        low, high = int(first), int(last) if dash else int(first)
        if high < low:
            raise ValueError(f"the range {part!r} runs backwards (write {high}-{low})")
        ids.extend(range(low, high + 1))
    return tuple(sorted(set(ids)))


def _role(raw: str) -> str:
    value = raw.strip().lower()
    if value not in ("auto", "gateway"):
        raise ValueError(f"must be 'auto' or 'gateway' (not {raw!r})")
    return value


@dataclass(frozen=True)
class Variable:
    """One environment variable: the attribute it sets, its default, and its parser."""

    name: str
    field: str
    default: object
    parse: Callable[[str], object]


#: Every variable Hustings reads; `.env.example` documents each one.
VARIABLES: tuple[Variable, ...] = (
    Variable("DISCORD_TOKEN", "discord_token", None, _token),
    # A SQLite file path, or a PostgreSQL URL (postgresql://user:password@host:5432/dbname) kept as text.
    Variable("HUSTINGS_DATABASE", "database", Path("data/hustings.db"), _database),
    Variable("HUSTINGS_TIMEZONE", "timezone", "Europe/London", _zone),
    Variable("HUSTINGS_DEV_GUILD", "dev_guild", None, _guild),
    Variable("HUSTINGS_DISCORD_API", "discord_api", DEFAULT_API, _text),
    Variable("HUSTINGS_DISCORD_GATEWAY", "discord_gateway", DEFAULT_GATEWAY, _text),
    Variable("HUSTINGS_LOG_LEVEL", "log_level", "INFO", _level),
    Variable("HUSTINGS_SOURCE_FOLDER", "source_folder", None, _optional_folder),
    # Off: sources reach public addresses only. On: also loopback and private networks (self-hosted sheets).
    Variable("HUSTINGS_SOURCE_ALLOW_PRIVATE", "source_allow_private", False, _switch),
    # Per-server caps, so one server can't crowd out the others' posts and source reads.
    Variable("HUSTINGS_MAX_ANNOUNCEMENTS", "max_announcements", 50, _number(int, 1, 10_000)),
    Variable("HUSTINGS_MAX_SOURCES", "max_sources", 10, _number(int, 1, 1_000)),
    # Seconds a stop (SIGTERM/SIGINT) gives sends in flight to finish: inside Docker's 10 s stop grace.
    Variable("HUSTINGS_STOP_GRACE", "stop_grace", 8.0, _number(float, 0, 600)),
    # Sharding across processes (discord.py's AutoShardedBot): how many shards the bot has in all, and which
    # of them this process runs ("0-3", "0,2"; all of them when unset). Unset: one process, one shard.
    Variable("HUSTINGS_SHARD_COUNT", "shard_count", None, _number(int, 1, 100_000, blank=True)),
    Variable("HUSTINGS_SHARD_IDS", "shard_ids", None, _shard_ids),
    # Several processes on one PostgreSQL store: "auto" may become the one leader (sends scheduled posts and
    # reminders, runs sources, syncs commands); "gateway" only answers members. SQLite: one process, it leads.
    Variable("HUSTINGS_ROLE", "role", "auto", _role),
)
_BY_NAME = {v.name: v for v in VARIABLES}
_FIELDS = {v.field for v in VARIABLES}


def _env_file_values(path: str | Path | None) -> dict[str, str]:
    """The variables a `.env` file sets (none when there is no file)."""
    if path is None or not Path(path).is_file():
        return {}
    from dotenv import dotenv_values

    return {k.upper(): v for k, v in dotenv_values(path, encoding="utf-8").items() if v is not None}


class Settings:
    """Every knob Hustings reads: `Settings()` takes the environment, then `.env`, then the defaults;
    keyword arguments named like the variables (`HUSTINGS_DATABASE=...`) come before all of them, and
    `_env_file=None` skips the file. Raises `SettingsError` naming each variable that can't work."""

    discord_token: Secret | None
    database: Path | str
    timezone: str
    dev_guild: int | None
    discord_api: str
    discord_gateway: str
    log_level: str
    source_folder: Path | None
    source_allow_private: bool
    max_announcements: int
    max_sources: int
    stop_grace: float
    shard_count: int | None
    shard_ids: tuple[int, ...] | None
    role: Literal["auto", "gateway"]

    def __init__(
        self, _env_file: str | Path | None = ".env", _environ: Mapping[str, str] | None = None, **given: object
    ) -> None:
        unknown = [name for name in given if name.upper() not in _BY_NAME]
        if unknown:
            raise TypeError(f"Settings() got unknown variables: {', '.join(unknown)}")
        environ = {k.upper(): v for k, v in (os.environ if _environ is None else _environ).items()}
        sources = (
            {k.upper(): v for k, v in given.items()},
            environ,
            _env_file_values(_env_file),
        )
        problems: list[tuple[str, str]] = []
        for variable in VARIABLES:
            raw = next((source[variable.name] for source in sources if variable.name in source), None)
            if raw is None:
                setattr(self, variable.field, variable.default)
                continue
            try:
                setattr(self, variable.field, variable.parse(raw if isinstance(raw, str) else str(raw)))
            except ValueError as exc:
                problems.append((variable.name, str(exc)))
                setattr(self, variable.field, variable.default)
        if not problems:
            problems += self._shard_problems()
        if problems:
            raise SettingsError(problems)

    def _shard_problems(self) -> list[tuple[str, str]]:
        if self.shard_ids is None:
            return []
        if self.shard_count is None:
            return [("HUSTINGS_SHARD_IDS", "needs HUSTINGS_SHARD_COUNT (how many shards there are in all)")]
        beyond = [i for i in self.shard_ids if i >= self.shard_count]
        if beyond:
            return [
                (
                    "HUSTINGS_SHARD_IDS",
                    f"shard {beyond[0]} does not exist with HUSTINGS_SHARD_COUNT={self.shard_count} "
                    f"(shards are numbered 0 to {self.shard_count - 1})",
                )
            ]
        return []

    def replace(self, **fields: object) -> Settings:
        """A copy with some attributes changed (by attribute name: `replace(dev_guild=None)`)."""
        unknown = set(fields) - _FIELDS
        if unknown:
            raise TypeError(f"Settings has no {', '.join(sorted(unknown))}")
        changed = copy.copy(self)
        for name, value in fields.items():
            setattr(changed, name, value)
        return changed

    def __repr__(self) -> str:
        shown = ", ".join(f"{v.field}={getattr(self, v.field)!r}" for v in VARIABLES)
        return f"Settings({shown})"

    @property
    def on_postgres(self) -> bool:
        """Whether the database is a PostgreSQL server rather than a SQLite file."""
        return isinstance(self.database, str)

    @property
    def sharded(self) -> bool:
        """Whether the bot runs as discord.py's AutoShardedBot (a shard count is set)."""
        return self.shard_count is not None
