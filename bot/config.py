"""Typed settings read from the environment and an optional `.env` file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_API = "https://discord.com/api/v10"
DEFAULT_GATEWAY = "wss://gateway.discord.gg/"


class Settings(BaseSettings):
    """Every knob Hustings reads; `.env.example` documents each one."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr | None = Field(default=None, validation_alias=AliasChoices("DISCORD_TOKEN"))
    # A SQLite file path, or a PostgreSQL URL (postgresql://user:password@host:5432/dbname) kept as text.
    database: Path | str = Field(default=Path("data/hustings.db"), validation_alias=AliasChoices("HUSTINGS_DATABASE"))
    timezone: str = Field(default="Europe/London", validation_alias=AliasChoices("HUSTINGS_TIMEZONE"))
    dev_guild: int | None = Field(default=None, validation_alias=AliasChoices("HUSTINGS_DEV_GUILD"))
    discord_api: str = Field(default=DEFAULT_API, validation_alias=AliasChoices("HUSTINGS_DISCORD_API"))
    discord_gateway: str = Field(default=DEFAULT_GATEWAY, validation_alias=AliasChoices("HUSTINGS_DISCORD_GATEWAY"))
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("HUSTINGS_LOG_LEVEL"))
    source_folder: Path | None = Field(default=None, validation_alias=AliasChoices("HUSTINGS_SOURCE_FOLDER"))
    # Off: sources reach public addresses only. On: also loopback and private networks (self-hosted sheets).
    source_allow_private: bool = Field(default=False, validation_alias=AliasChoices("HUSTINGS_SOURCE_ALLOW_PRIVATE"))
    # Per-server caps, so one server can't crowd out the others' posts and source reads.
    max_announcements: int = Field(
        default=50, ge=1, le=10_000, validation_alias=AliasChoices("HUSTINGS_MAX_ANNOUNCEMENTS")
    )
    max_sources: int = Field(default=10, ge=1, le=1_000, validation_alias=AliasChoices("HUSTINGS_MAX_SOURCES"))
    # Seconds a stop (SIGTERM/SIGINT) gives sends in flight to finish: inside Docker's 10 s stop grace.
    stop_grace: float = Field(default=8.0, ge=0, le=600, validation_alias=AliasChoices("HUSTINGS_STOP_GRACE"))
    # Sharding across processes (discord.py's AutoShardedBot): how many shards the bot has in all, and which
    # of them this process runs ("0-3", "0,2"; all of them when unset). Unset: one process, one shard.
    shard_count: int | None = Field(
        default=None, ge=1, le=100_000, validation_alias=AliasChoices("HUSTINGS_SHARD_COUNT")
    )
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = Field(
        default=None, validation_alias=AliasChoices("HUSTINGS_SHARD_IDS")
    )
    # Several processes on one PostgreSQL store: "auto" may become the one leader (sends scheduled posts and
    # reminders, runs sources, syncs commands); "gateway" only answers members. SQLite: one process, it leads.
    role: Literal["auto", "gateway"] = Field(default="auto", validation_alias=AliasChoices("HUSTINGS_ROLE"))

    @field_validator("database", mode="before")
    @classmethod
    def _database(cls, value: object) -> object:
        # A URL must stay text: as a Path, "postgresql://host/db" would lose a slash.
        if isinstance(value, str) and value.split("://", 1)[0] in ("postgresql", "postgres"):
            return value
        return Path(value) if isinstance(value, str) else value

    @property
    def on_postgres(self) -> bool:
        """Whether the database is a PostgreSQL server rather than a SQLite file."""
        return isinstance(self.database, str)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r} (try Europe/London)") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("log level must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    @field_validator("shard_count", mode="before")
    @classmethod
    def _blank_count(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _shard_ranges(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        if not value.strip():
            return None
        ids: list[int] = []
        for part in value.replace(" ", "").split(","):
            first, dash, last = part.partition("-")
            if not first.isdigit() or (dash and not last.isdigit()):
                raise ValueError(f"shard ids are numbers and ranges like 0-3 or 0,2 (not {part!r})")
            low, high = int(first), int(last) if dash else int(first)
            if high < low:
                raise ValueError(f"the range {part!r} runs backwards (write {high}-{low})")
            ids.extend(range(low, high + 1))
        return tuple(sorted(set(ids)))

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("HUSTINGS_SHARD_IDS needs HUSTINGS_SHARD_COUNT (how many shards there are in all)")
            beyond = [i for i in self.shard_ids if i >= self.shard_count]
            if beyond:
                raise ValueError(
                    f"shard {beyond[0]} does not exist with HUSTINGS_SHARD_COUNT={self.shard_count} "
                    f"(shards are numbered 0 to {self.shard_count - 1})"
                )
        return self

    @property
    def sharded(self) -> bool:
        """Whether the bot runs as discord.py's AutoShardedBot (a shard count is set)."""
        return self.shard_count is not None

    @field_validator("dev_guild", mode="before")
    @classmethod
    def _blank_guild(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("discord_token", mode="before")
    @classmethod
    def _blank_token(cls, value: object) -> object:
        return None if value in ("", None) else value
