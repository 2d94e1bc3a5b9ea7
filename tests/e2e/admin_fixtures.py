"""Fixtures and helpers for the `/admin` end-to-end tests (the shared ones live in `conftest.py`).

Test modules import the fixtures by their function names (`mod_fixture`); pytest knows them by
their `name` (`mod`), so the import and the test argument don't clash.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.audit import AuditEntry
from bot.sim import DiscordSimulator, SimGuild, SimMember
from bot.sim import permissions as perms
from bot.store import audit, meta
from bot.store.database import Database


@pytest.fixture(name="mod")
def mod_fixture(guild: SimGuild) -> SimMember:
    """A moderator by Discord permission (Manage Server)."""
    return guild.add_member("mod", global_name="Mo Derator", permissions=perms.MANAGE_GUILD)


@pytest.fixture(name="mod2")
def mod2_fixture(guild: SimGuild) -> SimMember:
    """A second, different moderator."""
    return guild.add_member("mod2", global_name="Second Mod", permissions=perms.MANAGE_GUILD)


def open_admin_to_everyone(sim: DiscordSimulator, guild: SimGuild) -> None:
    """What a server owner does in Server Settings → Integrations: let everyone see `/admin`.

    `default_member_permissions` is only Discord's default; once overridden, the bot's own checks are
    all that stand between a member and the moderator tools.
    """
    if not any(command["name"] == "admin" for command in sim.commands(guild)):
        raise AssertionError("/admin is not registered")
    sim.set_command_permission(guild, "/admin", guild.everyone_role)


async def audit_rows(db: Database, guild_id: int, limit: int = 100) -> list[AuditEntry]:
    """The guild's audit rows, newest first."""
    return await audit.recent(db.reader, guild_id, limit=limit)


async def version(db: Database, guild_id: int) -> int:
    """The guild's data version."""
    return (await meta.get_version(db.reader, guild_id)).version


def embed_text(message: Any) -> str:
    """Everything visible in a message: content, embed titles, descriptions and fields."""
    return message.text
