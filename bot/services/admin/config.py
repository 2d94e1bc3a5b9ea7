"""Moderator use-cases for guild settings (roles, channels, time zone, publish rule) and the audit log."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import timedelta
from typing import Any

from bot.domain import admin_rules as rules
from bot.domain.access import RICH_POST, TEXT_POST, Actor, ChannelRights, Level, access_level, bot_cannot_post
from bot.domain.audit import AuditEntry
from bot.domain.settings import GuildSettings
from bot.domain.validation import validate_timezone
from bot.errors import UserError
from bot.services.admin.core import AdminCore, Outcome, checked
from bot.services.admin.pending import AdminPending
from bot.store import announcements, audit, meta

AUDIT_LIMIT_MAX = 50
#: Bounds of the audit log's retention period (days): a week at least, ten years at most.
AUDIT_RETENTION_MIN, AUDIT_RETENTION_MAX = 7, 3650


def _settings_view(s: GuildSettings, keys: tuple[str, ...]) -> dict[str, object]:
    data = asdict(s)
    return {k: data[k] for k in keys}


class AdminConfig:
    """Guild configuration and the audit trail."""

    def __init__(self, core: AdminCore) -> None:
        self.core = core
        self.pending = AdminPending(core)

    async def show(self, actor: Actor) -> GuildSettings:
        """The guild's settings (moderators only)."""
        await self.core.require(actor, "config.show")
        return await meta.get_settings(self.core.db.reader, actor.guild_id)

    async def _update(
        self, actor: Actor, action: str, keys: tuple[str, ...], edit, note: dict[str, Any] | None = None
    ) -> Outcome:
        async with self.core.change(actor, action, "settings") as ch:
            current = await meta.get_settings(ch.tx, actor.guild_id)
            updated = edit(
                replace(
                    current,
                    moderator_role_ids=list(current.moderator_role_ids),
                    organiser_role_ids=list(current.organiser_role_ids),
                )
            )
            ch.before, ch.after = _settings_view(current, keys), _settings_view(updated, keys)
            if ch.before == ch.after:
                raise UserError("Nothing to change: give at least one option with a new value.")
            if note:
                ch.after = {**ch.after, **note}  # who asked and who confirmed a two-person change
            await meta.save_settings(ch.tx, updated)
        return Outcome(action, "settings", ch.before, ch.after, ch.audit_id, extra={"settings": updated})

    async def set_roles(
        self,
        actor: Actor,
        *,
        moderator_role: int | None = None,
        organiser_role: int | None = None,
        remove: bool = False,
        two_person_publish: bool | None = None,
    ) -> Outcome:
        """Add (or with `remove`, take away) a moderator and/or organiser role; switch two-person publish."""
        await self.core.require(actor, "config.roles")
        if moderator_role is None and organiser_role is None and two_person_publish is None:
            raise UserError("Give a `moderator_role`, an `organiser_role` or `two_person_publish`.")
        if moderator_role == actor.guild_id and not remove:  # the @everyone role's id is the server's
            raise UserError(
                "@everyone can't be the moderator role: it would give every member the moderator tools. "
                "Make a role for your moderators and choose that."
            )

        current = await meta.get_settings(self.core.db.reader, actor.guild_id)
        note: dict[str, Any] = {}
        if two_person_publish is False and current.two_person_publish:
            # Switching the rule off is itself a two-person change, or one moderator could switch it
            # off and publish alone.
            gate = await self.pending.second_moderator(actor, "config.two_person_off", {})
            if gate.confirmed is None:
                two_person_publish = None
                note = {"two_person_off_requested_by": actor.name}
                if moderator_role is None and organiser_role is None:
                    return await self._record_request(actor)
            else:
                note = {"requested_by": gate.confirmed.requested_name, "confirmed_by": actor.name}

        def edit(s: GuildSettings) -> GuildSettings:
            mods = [moderator_role] if moderator_role is not None else []
            orgs = [organiser_role] if organiser_role is not None else []
            if remove:
                s.moderator_role_ids = rules.update_ids(s.moderator_role_ids, remove=mods)
                s.organiser_role_ids = rules.update_ids(s.organiser_role_ids, remove=orgs)
            else:
                s.moderator_role_ids = rules.update_ids(s.moderator_role_ids, add=mods)
                s.organiser_role_ids = rules.update_ids(s.organiser_role_ids, add=orgs)
            if two_person_publish is not None:
                s.two_person_publish = two_person_publish
            if access_level(actor, s.moderator_role_ids, s.organiser_role_ids) < Level.MODERATOR:
                raise UserError("That would take away your own moderator access: ask someone with Manage Server.")
            return s

        outcome = await self._update(
            actor, "config.roles", ("moderator_role_ids", "organiser_role_ids", "two_person_publish"), edit, note
        )
        return outcome

    async def _record_request(self, actor: Actor) -> Outcome:
        """Audit a first moderator's request to switch two-person publish off (nothing changes yet)."""
        async with self.core.change(actor, "config.roles", "settings") as ch:
            ch.before = {"two_person_publish": True}
            ch.after = {"two_person_publish": True, "awaiting_second_moderator": True}
        return Outcome("config.roles", "settings", ch.before, ch.after, ch.audit_id, extra={"awaiting": True})

    async def set_channels(
        self,
        actor: Actor,
        *,
        announce_channel: int | None = None,
        alert_channel: int | None = None,
        clear: str | None = None,
        announce_rights: ChannelRights | None = None,
        alert_rights: ChannelRights | None = None,
    ) -> Outcome:
        """Set the announcement and/or alert channels; `clear` is `announce`, `alerts` or `both`.

        `announce_rights` / `alert_rights` are the bot's own rights in the chosen channels: a channel
        the bot can't post in (embeds and charts for announcements, text for alerts) is refused now,
        naming what is missing, rather than failing days later.
        """
        await self.core.require(actor, "config.channels")
        if announce_channel is None and alert_channel is None and clear is None:
            raise UserError("Give an `announce` channel, an `alerts` channel, or `clear`.")
        if clear not in (None, "announce", "alerts", "both"):
            raise UserError("`clear` must be announce, alerts or both.")
        for channel, rights, needs in (
            (announce_channel, announce_rights, RICH_POST),
            (alert_channel, alert_rights, TEXT_POST),
        ):
            if channel is not None and rights is not None:
                problem = bot_cannot_post(f"<#{channel}>", rights, needs)
                if problem:
                    raise UserError(problem)

        def edit(s: GuildSettings) -> GuildSettings:
            if clear in ("announce", "both"):
                s.announce_channel_id = None
            if clear in ("alerts", "both"):
                s.alert_channel_id = None
            if announce_channel is not None:
                s.announce_channel_id = announce_channel
            if alert_channel is not None:
                s.alert_channel_id = alert_channel
            return s

        return await self._update(actor, "config.channels", ("announce_channel_id", "alert_channel_id"), edit)

    async def set_timezone(self, actor: Actor, zone: str, *, move_announcements: bool = False) -> Outcome:
        """Set the guild's IANA time zone (schedules and typed times are read in it).

        Scheduled announcements keep the zone they were written in unless `move_announcements`: then each
        keeps its clock times in the new zone. The outcome's `extra["other_zone"]` counts those left behind,
        so the reply can offer the move instead of leaving them silently in the old zone.
        """
        await self.core.require(actor, "config.timezone", zone)
        name = checked(validate_timezone, zone, "zone")
        now = self.core.clock.now()
        async with self.core.change(actor, "config.timezone", "settings") as ch:
            current = await meta.get_settings(ch.tx, actor.guild_id)
            items = await announcements.list_for_guild(ch.tx, actor.guild_id)
            elsewhere = [a for a in items if a.schedule.zone != name]
            if current.timezone == name and not (move_announcements and elsewhere):
                raise UserError(f"The time zone is already {name}.")
            moved = 0
            if move_announcements:
                for item in elsewhere:
                    schedule = item.schedule.in_zone(name)
                    # occurrences up to checked_until were already generated: the next one comes after it
                    nxt = schedule.upcoming(item.checked_until or now - timedelta(seconds=1), 1)
                    assert item.id is not None
                    await announcements.move_zone(ch.tx, item.id, schedule, nxt[0] if nxt else None)
                    moved += 1
            updated = replace(current, timezone=name)
            ch.before = {"timezone": current.timezone}
            ch.after = {"timezone": name}
            if moved:
                ch.after["announcements moved"] = moved
            await meta.save_settings(ch.tx, updated)
        extra = {"settings": updated, "other_zone": 0 if move_announcements else len(elsewhere), "moved": moved}
        return Outcome("config.timezone", "settings", ch.before, ch.after, ch.audit_id, extra=extra)

    async def set_audit_retention(self, actor: Actor, days: int) -> Outcome:
        """Keep audit rows for `days` days; older ones are deleted now and daily from then on."""
        await self.core.require(actor, "config.audit", str(days))
        if not AUDIT_RETENTION_MIN <= days <= AUDIT_RETENTION_MAX:
            raise UserError(f"Keep the audit log between {AUDIT_RETENTION_MIN} and {AUDIT_RETENTION_MAX} days.")

        def edit(s: GuildSettings) -> GuildSettings:
            s.audit_retention_days = days
            return s

        outcome = await self._update(actor, "config.audit", ("audit_retention_days",), edit)
        async with self.core.db.transaction() as tx:
            await self.core.access.prune_if_due(tx, actor.guild_id, self.core.clock.now(), force=True)
        return outcome

    async def audit_log(
        self, actor: Actor, *, limit: int = 10, member_id: int | None = None, kind: str | None = None
    ) -> list[AuditEntry]:
        """The guild's latest audit rows, newest first, optionally by member and kind."""
        await self.core.require(actor, "audit.view")
        if not 1 <= limit <= AUDIT_LIMIT_MAX:
            raise UserError(f"`limit` must be between 1 and {AUDIT_LIMIT_MAX}.")
        if kind is not None and kind not in rules.AUDIT_KINDS:
            raise UserError(f"`kind` must be one of: {', '.join(rules.AUDIT_KINDS)}.")
        return await audit.recent(
            self.core.db.reader,
            actor.guild_id,
            limit=limit,
            actor_id=member_id,
            action_prefix=f"{kind}." if kind else None,
        )

    async def alert_channel(self, guild_id: int) -> int | None:
        """The channel audit rows are mirrored to (internal: no permission check, nothing is shown)."""
        return (await meta.get_settings(self.core.db.reader, guild_id)).alert_channel_id

    async def announce_channel(self, guild_id: int) -> int | None:
        """The channel published results are announced in (internal: no permission check)."""
        return (await meta.get_settings(self.core.db.reader, guild_id)).announce_channel_id
