"""Discord's permission rules, end to end: who may make the bot post and ping where, and what the bot
itself needs (issue #13 item 4; issue #14 items 2, 3, 4, 9).

Each rule is modelled in the simulator with the Discord doc (or public issue) it comes from; these
tests drive the real client through it.
"""

from __future__ import annotations

from datetime import timedelta

import discord
import pytest

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.schedule.ledger import DeliveryStatus
from bot.domain.settings import GuildSettings
from bot.services.delivery.ports import Outgoing, SendError
from bot.sim import DiscordSimulator, SimError, SimGuild, SimMember, run_bot_against
from bot.sim import permissions as perms
from bot.store import announcements, audit, deliveries, meta
from bot.store.database import Database
from tests.e2e.admin_fixtures import mod_fixture
from tests.e2e.test_announce import Org, schedule, setup_org
from tests.helpers import ask

__all__ = ["mod_fixture"]  # fixture used by name


@pytest.fixture
async def org(sim: DiscordSimulator, guild: SimGuild, db: Database, clock: ManualClock, hustings: HustingsBot) -> Org:
    """The running bot in a guild set up for announcements; @everyone may not mention everyone."""
    guild.edit_role(guild.everyone_role, permissions=guild.everyone_role.permissions & ~perms.MENTION_EVERYONE)
    return await setup_org(sim, guild, db, clock)


def bot_role(guild: SimGuild):
    """The bot's managed role."""
    return next(r for r in guild.roles.values() if r.managed)


async def stored(db: Database, guild_id: int) -> int:
    """How many announcements the guild has."""
    return len(await announcements.list_for_guild(db.reader, guild_id))


# ------------------------------------------------------------------ #13.4 borrowed pings, #14.9 the bot's own right


async def test_an_organiser_cannot_borrow_the_bots_right_to_ping(
    sim: DiscordSimulator, org: Org, guild: SimGuild, hustings: HustingsBot, db: Database
) -> None:
    guild.edit_role(bot_role(guild), permissions=perms.DEFAULT_BOT | perms.MENTION_EVERYONE)  # as the README says
    staff = guild.add_role("Staff")  # not mentionable
    reply = await schedule(sim, org.organiser, channel=org.announcements, when="in 1h", message="hi", ping_role=staff)
    assert "mentionable" in reply.content and reply.content.count(".") <= 2
    quiet = guild.add_channel("quiet", overwrites={org.role: (0, perms.SEND_MESSAGES)})
    voters = guild.add_role("Voters", mentionable=True)
    reply = await schedule(sim, org.organiser, channel=quiet, when="in 1h", message="hi", ping_role=voters)
    assert "can't post in that channel yourself" in reply.content
    reply = await schedule(sim, org.organiser, channel=quiet, when="in 1h", message="hi")
    assert "can't post in that channel yourself" in reply.content
    assert await stored(db, guild.id) == 0

    boss = guild.add_member("boss", roles=[org.role], permissions=perms.MENTION_EVERYONE)
    reply = await schedule(sim, boss, channel=org.announcements, when="in 1h", message="vote!", ping_role=staff)
    assert reply.embeds[0]["title"] == "Announcement #1 scheduled" and not reply.content
    await schedule(sim, org.organiser, channel=org.announcements, when="in 1h", message="hello", ping_role=voters)
    await hustings.services.delivery.run_for(timedelta(hours=2))
    posts = sim.channel_messages(org.announcements)
    assert sorted(p.pings for p in posts) == sorted([frozenset({f"role:{staff.id}"}), frozenset({f"role:{voters.id}"})])
    assert sim.violations == []


async def test_a_ping_the_bot_cannot_make_is_warned_about_when_scheduling(
    sim: DiscordSimulator, org: Org, guild: SimGuild, hustings: HustingsBot, db: Database
) -> None:
    staff = guild.add_role("Staff")  # not mentionable; the bot lacks Mention Everyone by default
    boss = guild.add_member("boss", roles=[org.role], permissions=perms.MENTION_EVERYONE)
    reply = await schedule(sim, boss, channel=org.announcements, when="in 1h", message="vote!", ping_role=staff)
    assert "Mention Everyone" in reply.content and "notify nobody" in reply.content
    reply = await schedule(
        sim, boss, channel=org.announcements, when="in 1h", message="all!", ping_role=guild.everyone_role
    )
    assert "Mention Everyone" in reply.content
    voters = guild.add_role("Voters", mentionable=True)
    reply = await schedule(sim, boss, channel=org.announcements, when="in 1h", message="hi", ping_role=voters)
    assert not reply.content  # a mentionable role needs nothing from the bot
    await hustings.services.delivery.run_for(timedelta(hours=2))
    pings = sorted((p.content.split()[-1], p.pings) for p in sim.channel_messages(org.announcements))
    assert pings == [("all!", frozenset()), ("hi", frozenset({f"role:{voters.id}"})), ("vote!", frozenset())]


async def test_at_send_time_a_ping_the_organiser_lost_is_left_out_and_alerted(
    sim: DiscordSimulator, org: Org, guild: SimGuild, hustings: HustingsBot, db: Database
) -> None:
    guild.edit_role(bot_role(guild), permissions=perms.DEFAULT_BOT | perms.MENTION_EVERYONE)
    staff = guild.add_role("Staff")
    boss = guild.add_member("boss", roles=[org.role], permissions=perms.MENTION_EVERYONE)
    await schedule(sim, boss, channel=org.announcements, when="in 1h", message="vote!", ping_role=staff)
    boss_perms = next(guild.roles[r] for r in boss.role_ids if guild.roles[r].name == "boss-perms")
    guild.edit_role(boss_perms, permissions=0)  # taken away before the post is due
    await hustings.services.delivery.run_for(timedelta(hours=2))
    [post] = sim.channel_messages(org.announcements)
    assert post.content.endswith("vote!") and post.pings == frozenset()
    [alert] = sim.channel_messages(org.alerts)
    assert "#1" in alert.content and "without the ping" in alert.content
    assert alert.pings == frozenset()


# ------------------------------------------------------------------ #14.2 posting where the bot can't


async def test_channels_the_bot_cannot_post_in_are_refused_naming_the_permission(
    sim: DiscordSimulator, org: Org, guild: SimGuild, mod: SimMember, db: Database
) -> None:
    no_embeds = guild.add_channel("no-embeds", overwrites={bot_role(guild): (0, perms.EMBED_LINKS)})
    no_files = guild.add_channel("no-files", overwrites={bot_role(guild): (0, perms.ATTACH_FILES)})
    mute = guild.add_channel("mute", overwrites={bot_role(guild): (0, perms.SEND_MESSAGES)})
    hidden = guild.add_channel("hidden", overwrites={bot_role(guild): (0, perms.VIEW_CHANNEL)})
    reply = await ask(sim, org.organiser, "/announce post", {"channel": no_embeds, "view": "nominations"})
    assert "**Embed Links**" in reply.content and reply.embeds == []
    reply = await ask(sim, org.organiser, "/announce post", {"channel": no_files, "view": "results"})
    assert "**Attach Files**" in reply.content
    reply = await schedule(sim, org.organiser, channel=mute, when="in 1h", message="hi")
    assert "**Send Messages**" in reply.content
    assert await stored(db, guild.id) == 0

    before = await meta.get_settings(db.reader, guild.id)
    reply = await ask(sim, mod, "/admin config channels", {"announce": no_embeds})
    assert "**Embed Links**" in reply.content
    reply = await ask(sim, mod, "/admin config channels", {"alerts": hidden})
    assert "**View Channel**" in reply.content
    reply = await ask(sim, mod, "/admin config channels", {"alerts": mute})
    assert "**Send Messages**" in reply.content
    assert await meta.get_settings(db.reader, guild.id) == before
    assert not [r for r in await audit.recent(db.reader, guild.id) if r.action == "config.channels"]
    assert sim.violations == []


async def test_embeds_dropped_for_want_of_embed_links_never_count_as_delivered(
    sim: DiscordSimulator, org: Org, guild: SimGuild, hustings: HustingsBot
) -> None:
    """On Discord, text + embeds without Embed Links is accepted with the embeds silently dropped."""
    guild.set_overwrite(org.announcements, bot_role(guild), 0, perms.EMBED_LINKS)
    outbox = hustings.services.delivery.outbox
    assert outbox is not None
    message = Outgoing(content="Results are in", embeds=[discord.Embed(title="NEC 2026")])
    with pytest.raises(SendError) as refused:
        await outbox.post(org.announcements.id, message, "n1")
    assert refused.value.status == 403
    assert sim.channel_messages(org.announcements) == []  # the broken post does not stay up
    with pytest.raises(SendError):
        await outbox.post(org.announcements.id, Outgoing(embeds=[discord.Embed(title="only")]), "n2")


async def test_a_live_view_that_loses_embed_links_fails_with_one_alert_naming_it(
    sim: DiscordSimulator, org: Org, guild: SimGuild, hustings: HustingsBot, db: Database
) -> None:
    await ask(
        sim, org.organiser, "/announce post", {"channel": org.announcements, "view": "nominations", "when": "in 1h"}
    )
    guild.set_overwrite(org.announcements, bot_role(guild), 0, perms.EMBED_LINKS)
    await hustings.services.delivery.run_for(timedelta(hours=2))
    [row] = [r for r in await deliveries.history(db.reader, guild.id) if r.source.value == "announcement"]
    assert row.status is DeliveryStatus.FAILED and row.message_id is None
    assert sim.channel_messages(org.announcements) == []
    [alert] = sim.channel_messages(org.alerts)
    assert "Embed Links" in alert.content


# ------------------------------------------------------------------ #14.3 the moderator role and /admin's visibility


async def test_a_moderator_role_is_told_how_to_see_admin_and_works_once_allowed(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, hustings: HustingsBot
) -> None:
    stewards = guild.add_role("Stewards")
    steward = guild.add_member("steward", roles=[stewards])
    reply = await ask(sim, mod, "/admin config roles", {"moderator_role": stewards})
    text = reply.text
    assert "Server Settings → Integrations" in text and "/admin" in text and stewards.mention in text
    with pytest.raises(SimError, match="lacks permissions"):  # Discord hides /admin from them until then
        await sim.invoke(steward, "/admin config show")
    sim.set_command_permission(guild, "/admin", stewards)
    shown = await ask(sim, steward, "/admin config show")
    assert shown.embeds and "Only a moderator" not in shown.content
    again = await ask(sim, mod, "/admin config roles", {"organiser_role": guild.add_role("Organisers")})
    assert "Server Settings → Integrations" not in again.text  # already allowed: nothing to tell


# ------------------------------------------------------------------ #14.4 permissions from the interaction


async def test_a_manage_server_member_is_a_moderator_while_the_guild_is_unavailable(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, settings: Settings, db: Database, clock: ManualClock
) -> None:
    stewards = guild.add_role("Stewards")
    steward = guild.add_member("steward", roles=[stewards])
    async with db.transaction() as tx:
        await meta.save_settings(tx, GuildSettings(guild.id, moderator_role_ids=[stewards.id]))
    sim.make_unavailable(guild)  # an outage while the bot (re)connects: it never caches the guild
    bot = HustingsBot(settings=settings, db=db, clock=clock)
    async with run_bot_against(sim, bot):
        cached = bot.get_guild(guild.id)
        assert cached is None or (cached.unavailable and not cached.roles)
        sim.set_command_permission(guild, "/admin", stewards)
        for who in (mod, steward, guild.owner):
            reply = await ask(sim, who, "/admin config show")
            assert reply.embeds and "Only a moderator" not in reply.content, who.name
        member = guild.add_member("alice")
        sim.set_command_permission(guild, "/admin", member)
        refused = await ask(sim, member, "/admin config show")
        assert "Only a moderator" in refused.content
    assert [r.actor_id for r in await audit.recent(db.reader, guild.id) if r.denied] == [member.id]
