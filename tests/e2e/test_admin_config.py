"""`/admin config roles|channels|timezone|show` and `/admin audit` (with the alert-channel mirror)."""

from __future__ import annotations

from bot.sim import DiscordSimulator, SimGuild, SimMember
from bot.store import meta
from tests.e2e.admin_fixtures import audit_rows, mod2_fixture, mod_fixture, open_admin_to_everyone
from tests.helpers import ask, choices

__all__ = ["mod2_fixture", "mod_fixture"]  # fixtures used by name


async def test_roles_channels_timezone_and_show(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, hustings, db
) -> None:
    stewards = guild.add_role("Stewards")
    organisers = guild.add_role("Organisers")
    alerts = guild.add_channel("mod-alerts")
    announcements = guild.channel("announcements")

    reply = await ask(
        sim,
        mod,
        "/admin config roles",
        {
            "moderator_role": stewards,
            "organiser_role": organisers,
            "two_person_publish": True,
        },
    )
    assert f"<@&{stewards.id}>" in reply.text and "off → on" in reply.text
    reply = await ask(sim, mod, "/admin config channels", {"announce": announcements, "alerts": alerts})
    assert f"<#{alerts.id}>" in reply.text
    assert "Europe/Paris" in await choices(sim, mod, "/admin config timezone", "zone", "paris")
    reply = await ask(sim, mod, "/admin config timezone", {"zone": "Europe/Paris"})
    assert "Europe/Paris" in reply.text
    bad = await ask(sim, mod, "/admin config timezone", {"zone": "Mars/Olympus_Mons"})
    assert "isn't a known time zone" in bad.content

    shown = await ask(sim, mod, "/admin config show")
    assert shown.ephemeral
    for expected in (f"<@&{stewards.id}>", f"<@&{organisers.id}>", f"<#{announcements.id}>", "Europe/Paris", "on"):
        assert expected in shown.text, expected
    assert "up to 50 scheduled announcements and 10 sources per server" in shown.text  # the host's caps

    await ask(sim, mod, "/admin config roles", {"organiser_role": organisers, "remove": True})
    await ask(sim, mod, "/admin config channels", {"clear": "alerts"})
    settings = await meta.get_settings(db.reader, guild.id)
    assert settings.moderator_role_ids == [stewards.id] and settings.organiser_role_ids == []
    assert settings.alert_channel_id is None and settings.announce_channel_id == announcements.id
    assert settings.timezone == "Europe/Paris" and settings.two_person_publish
    assert sim.violations == []


async def test_audit_shows_who_what_before_after_and_filters(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, mod2: SimMember, member: SimMember, hustings, db
) -> None:
    open_admin_to_everyone(sim, guild)
    await ask(sim, mod, "/admin election create", {"slug": "nec", "name": "NEC 2026", "seats": 3})
    await ask(sim, mod2, "/admin election edit", {"election": "nec", "seats": 4})
    await ask(sim, mod, "/admin candidate add", {"election": "nec", "name": "Yasmine Dar"})
    await ask(sim, mod, "/admin candidate status", {"candidate": "Yasmine Dar", "status": "on ballot"})
    await ask(sim, member, "/admin election delete", {"election": "nec"})  # refused

    log = await ask(sim, mod, "/admin audit", {"limit": 10})
    text = log.text
    assert "**seats**: 3 → 4" in text
    assert "seeking nominations → on ballot" in text
    # #18 item 12: actions in words, never internal names
    assert "was refused (tried to delete election **nec**)" in text
    assert "election.delete" not in text and "candidate.status" not in text
    order = ("tried to delete", "changed the status of candidate", "changed election")
    assert text.index(order[0]) < text.index(order[1]) < text.index(order[2])
    assert "<t:" in text  # when, in each reader's time

    by_mod2 = await ask(sim, mod, "/admin audit", {"member": mod2})
    assert "changed election" in by_mod2.text and "candidate" not in by_mod2.text
    candidates_only = await ask(sim, mod, "/admin audit", {"kind": "candidate"})
    assert "changed the status of candidate" in candidates_only.text and "changed election" not in candidates_only.text
    one = await ask(sim, mod, "/admin audit", {"limit": 1})
    assert one.text.count("<t:") == 1
    assert sim.violations == []


async def test_every_audit_row_is_mirrored_to_the_alert_channel_without_pings(
    sim: DiscordSimulator, guild: SimGuild, mod: SimMember, member: SimMember, hustings, db
) -> None:
    alerts = guild.add_channel("mod-alerts")
    await ask(sim, mod, "/admin config channels", {"alerts": alerts})
    open_admin_to_everyone(sim, guild)
    await ask(sim, mod, "/admin election create", {"slug": "nec", "name": "NEC @everyone", "seats": 3})
    await ask(sim, member, "/admin config show")  # refused: mirrored too
    await sim.wait_for_idle()
    posts = [m.content for m in sim.channel_messages(alerts)]
    assert len(posts) == 3, posts  # config.channels, election.create, the refusal
    assert "changed the bot's channels" in posts[0] and "**alert channel**: – → <#" in posts[0]
    assert "created election" in posts[1] and "@\u200beveryone" in posts[1]
    assert "was refused (tried to see the settings)" in posts[2]
    assert len(await audit_rows(db, guild.id)) == 3
    assert sim.violations == []
