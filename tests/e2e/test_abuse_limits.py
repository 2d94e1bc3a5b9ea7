"""#13 item 9: per-member cooldowns on commands and buttons, refusals collapsed, audit rows pruned.

Everything runs through the simulator with the manual clock: the cooldown windows pass by moving it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.domain.cooldown import LIMITS, Limit, UseKind
from bot.sim import DiscordSimulator, SimError, SimGuild, SimMember
from bot.sim import permissions as perms
from bot.store import audit
from bot.store.database import Database
from tests.e2e.admin_fixtures import audit_rows, open_admin_to_everyone
from tests.helpers import ask

FAST = "going a bit fast"


async def test_a_member_spamming_a_read_command_is_slowed_then_let_through(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, demo: HustingsBot, clock: ManualClock, db: Database
) -> None:
    allowed = LIMITS[UseKind.READ].uses
    for _ in range(allowed):
        assert FAST not in (await ask(sim, member, "/candidate", {"name": "Aileen Marsh"})).content
    refused = await ask(sim, member, "/candidate", {"name": "Aileen Marsh"})
    assert refused.ephemeral and FAST in refused.content and "<t:" in refused.content
    other = guild.add_member("other")  # one member's spam never slows anyone else
    assert FAST not in (await ask(sim, other, "/candidate", {"name": "Aileen Marsh"})).content
    clock.advance(LIMITS[UseKind.READ].window)
    assert FAST not in (await ask(sim, member, "/candidate", {"name": "Aileen Marsh"})).content
    assert all(not r.denied for r in await audit_rows(db, guild.id))  # a cooldown writes nothing


async def test_writes_are_limited_tighter_than_reads(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, demo: HustingsBot, clock: ManualClock
) -> None:
    writes = LIMITS[UseKind.WRITE].uses
    assert writes < LIMITS[UseKind.READ].uses
    for _ in range(writes):
        assert FAST not in (await ask(sim, member, "/remind deadlines")).content
    assert FAST in (await ask(sim, member, "/remind deadlines")).content
    assert FAST not in (await ask(sim, member, "/candidate", {"name": "Aileen Marsh"})).content  # reads still fine
    clock.advance(LIMITS[UseKind.WRITE].window)
    assert FAST not in (await ask(sim, member, "/remind deadlines")).content


async def test_moderators_at_work_are_not_held_back(sim: DiscordSimulator, guild: SimGuild, demo: HustingsBot) -> None:
    mod = guild.add_member("mod", permissions=perms.MANAGE_GUILD)
    for zone in ["Europe/Dublin", "Europe/London"] * (LIMITS[UseKind.WRITE].uses + 2):
        assert FAST not in (await ask(sim, mod, "/admin config timezone", {"zone": zone})).content


async def test_button_presses_share_the_cooldown(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, demo: HustingsBot, clock: ManualClock
) -> None:
    demo.services.cooldowns.limits[UseKind.READ] = Limit(3, timedelta(seconds=30))  # small, to press few buttons
    reply = await ask(sim, member, "/candidates", {"election": "ncwu-nec"})  # use 1
    share = reply.button("Share")["custom_id"]
    for _ in range(2):  # uses 2 and 3
        shared = await (await sim.click(member, reply, share)).response()
        assert FAST not in shared.content
    refused = await (await sim.click(member, reply, share)).response()
    assert refused.ephemeral and FAST in refused.content
    assert sim.violations == []


async def test_repeated_refusals_collapse_into_one_audit_row_with_a_count(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, demo: HustingsBot, clock: ManualClock, db: Database
) -> None:
    open_admin_to_everyone(sim, guild)
    mod = guild.add_member("mod", permissions=perms.MANAGE_GUILD)
    for _ in range(5):
        clock.advance(timedelta(seconds=10))
        reply = await ask(sim, member, "/admin branch add", {"name": "Sneaky Branch"})
        assert "Only a moderator" in reply.content
    refusals = [r for r in await audit_rows(db, guild.id) if r.denied]
    assert len(refusals) == 1 and refusals[0].repeats == 5
    shown = await ask(sim, mod, "/admin audit")
    assert "5 times" in shown.embeds[0]["description"]
    clock.advance(timedelta(hours=2))  # a refusal long after starts a new row
    await ask(sim, member, "/admin branch add", {"name": "Sneaky Branch"})
    assert [r.repeats for r in await audit_rows(db, guild.id) if r.denied] == [1, 5]


async def test_audit_rows_are_pruned_after_the_retention_period_config_shows(
    sim: DiscordSimulator, guild: SimGuild, member: SimMember, demo: HustingsBot, clock: ManualClock, db: Database
) -> None:
    mod = guild.add_member("mod", permissions=perms.MANAGE_GUILD)
    shown = await ask(sim, mod, "/admin config show")
    assert any(f["name"] == "Audit log kept" and f["value"] == "365 days" for f in shown.embeds[0]["fields"])
    async with db.transaction() as tx:
        for days in (400, 100, 20):
            await audit.append(
                tx,
                guild_id=guild.id,
                actor_id=1,
                actor_name="old",
                action=f"old.{days}",
                at=clock.now() - timedelta(days=days),
            )
    for bad in (0, 6, 3651):  # Discord's client enforces the option's range
        with pytest.raises(SimError):
            await sim.invoke(mod, "/admin config audit", {"days": bad})
    reply = await ask(sim, mod, "/admin config audit", {"days": 30})
    assert FAST not in reply.content
    actions = {r.action for r in await audit_rows(db, guild.id)}
    assert "old.20" in actions and not {"old.100", "old.400"} & actions
    assert "config.audit" in actions  # the change itself is audited
    shown = await ask(sim, mod, "/admin config show")
    assert any(f["name"] == "Audit log kept" and f["value"] == "30 days" for f in shown.embeds[0]["fields"])
    # Later pruning happens by itself, with the next audited change or refusal a day or more on.
    clock.advance(timedelta(days=31))
    await ask(sim, mod, "/admin config timezone", {"zone": "Europe/Dublin"})
    actions = {r.action for r in await audit_rows(db, guild.id)}
    assert "old.20" not in actions and "config.timezone" in actions
