"""A guild's settings, as moderators set them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class GuildSettings:
    """Per-guild configuration set by moderators."""

    guild_id: int
    timezone: str | None = None
    moderator_role_ids: list[int] = field(default_factory=list)
    organiser_role_ids: list[int] = field(default_factory=list)
    announce_channel_id: int | None = None
    alert_channel_id: int | None = None
    two_person_publish: bool = False
    grace_minutes: int = 60
    audit_retention_days: int = 365
