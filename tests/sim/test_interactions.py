"""Slash commands, subcommands, autocomplete, components, modals, deferrals, follow-ups and files."""

from __future__ import annotations

import pytest

from bot.sim import DiscordSimulator, SimError, SimFile, SimGuild, SimMember
from tests.sim.demo_bot import DemoBot

pytestmark = pytest.mark.usefixtures("bot")


async def test_subcommand_in_group(sim: DiscordSimulator, alice: SimMember) -> None:
    handle = await sim.invoke(alice, "/candidate name", options={"name": "Yasmine Dar"})
    reply = await handle.response(timeout=5)
    assert reply.content == "Candidate: Yasmine Dar"
    assert reply.type == 20 and not reply.ephemeral
    assert sim.channel_messages(alice.guild.text_channels[0]) == [reply]
    assert sim.violations == []


async def test_typed_text_with_quotes_and_nested_group(sim: DiscordSimulator, alice: SimMember) -> None:
    reply = await (await sim.invoke_text(alice, '/slate compare first: CLGA second: "Labour First"')).response()
    assert reply.content == "CLGA vs Labour First"
    reset = await (await sim.invoke_text(alice, "/slate admin reset confirm: yes")).response()
    assert reset.content == "reset confirmed=True" and reset.ephemeral
    with pytest.raises(SimError):
        await sim.invoke_text(alice, "/slate nonsense")


async def test_option_types_resolve(sim: DiscordSimulator, guild: SimGuild, alice: SimMember) -> None:
    bob = guild.add_member("bob")
    text = "/types n: 41 flag: false ratio: 1.25 role: @Organisers who: @bob where: #announcements"
    reply = await (await sim.invoke_text(alice, text)).response()
    assert reply.content == "n=42 flag=False ratio=2.5 role=Organisers who=bob where=announcements"
    reply = await (
        await sim.invoke(
            alice,
            "/types",
            {
                "n": 1,
                "flag": True,
                "ratio": 2,
                "role": guild.role("Organisers"),
                "who": bob,
                "where": guild.channel("general"),
            },
        )
    ).response()
    assert reply.content == "n=2 flag=True ratio=4.0 role=Organisers who=bob where=general"
    with pytest.raises(SimError):
        await sim.invoke(alice, "/types", {"n": "many"})


async def test_attachment_option_is_downloadable(sim: DiscordSimulator, alice: SimMember) -> None:
    handle = await sim.invoke(alice, "/upload", {"file": SimFile("notes.txt", b"hello sim", "text/plain")})
    assert (await handle.response()).content == "notes.txt: hello sim"
    typed = await sim.invoke_text(alice, "/upload", files={"file": ("b.txt", b"typed")})
    assert (await typed.response()).content == "b.txt: typed"


async def test_autocomplete(sim: DiscordSimulator, alice: SimMember) -> None:
    choices = await sim.autocomplete(alice, "/candidate name", focused="name", value="jos")
    assert [c["name"] for c in choices] == ["Josh Matthews", "Joseph Okafor"]
    assert sim.violations == []


async def test_autocomplete_over_25_choices_is_rejected(sim: DiscordSimulator, alice: SimMember) -> None:
    with pytest.raises(SimError, match="rejected"):
        await sim.autocomplete(alice, "/candidate name", focused="name", value="many")
    [violation] = sim.violations
    assert violation.code == 50035
    assert "choices" in violation.errors["data"]


async def test_buttons_update_and_reply(sim: DiscordSimulator, guild: SimGuild, alice: SimMember) -> None:
    message = await (await sim.invoke(alice, "/vote")).response()
    assert [b["label"] for b in message.buttons] == ["Yes", "No"]
    no = await (await sim.click(alice, message, "vote:no")).response()
    assert no.content == "Sorry to hear that" and no.ephemeral
    picked = await (await sim.select(alice, message, "vote:pick", ["josh", "yasmine"])).response()
    assert picked.content == "picked josh,yasmine"
    bob = guild.add_member("bob", nick="Bobby")
    nominated = await (await sim.select(alice, message, "vote:who", [bob])).response()
    assert nominated.content == "nominated Bobby"
    updated = await (await sim.click(alice, message, "vote:yes")).response()
    assert updated.id == message.id
    assert updated.content == "alice voted yes" and updated.components == []
    with pytest.raises(SimError):
        await sim.click(alice, message, "vote:no")  # the view was removed
    assert sim.violations == []


async def test_modal_round_trip(sim: DiscordSimulator, alice: SimMember) -> None:
    handle = await sim.invoke(alice, "/feedback")
    modal = await handle.modal()
    assert modal.title == "Feedback"
    assert [t["custom_id"] for t in modal.text_inputs()] == ["subject", "body"]
    with pytest.raises(SimError):
        await sim.submit_modal(alice, modal, {"body": "no subject"})  # subject is required
    submitted = await sim.submit_modal(alice, handle, {"subject": "Hustings", "body": "Great night"})
    assert (await submitted.response()).content == "Thanks! Hustings / Great night"


async def test_defer_then_edit_with_embed_and_file(sim: DiscordSimulator, alice: SimMember) -> None:
    handle = await sim.invoke(alice, "/report")
    reply = await handle.response()
    assert handle.callback_type == 5
    assert reply.content == "Here it is" and not reply.loading
    assert reply.embeds[0]["title"] == "Report" and reply.embeds[0]["fields"][0]["value"] == "42%"
    assert [(a.filename, a.data) for a in reply.attachments] == [("report.csv", b"a,b\n1,2\n")]


async def test_deferred_follow_ups(sim: DiscordSimulator, alice: SimMember) -> None:
    handle = await sim.invoke(alice, "/slow")
    first, second = await handle.wait_messages(2)
    assert first.content == "first" and first.ephemeral and first is handle.original
    assert second.content == "second" and second.filenames == ["x.txt"] and second.attachments[0].data == b"xyz"
    assert (await handle.response()).content == "first"
    # Discord still fills the loading message with the first follow-up, but documents it as deprecated
    # (use Edit Original Interaction Response): the simulator does it and records it.
    [deprecated] = sim.violations
    assert deprecated.message.startswith("deprecated:") and deprecated.interaction_id == handle.id


async def test_channel_send_and_dm(sim: DiscordSimulator, guild: SimGuild, alice: SimMember) -> None:
    announcements = guild.channel("announcements")
    await (await sim.invoke_text(alice, "/announce channel: #announcements text: polls open at 9")).response()
    assert [m.content for m in sim.channel_messages(announcements)] == ["polls open at 9"]
    bob = guild.add_member("bob")
    reply = await (await sim.invoke(alice, "/dm", {"who": bob, "text": "hello bob"})).response()
    assert reply.content == "sent"
    assert [m.content for m in sim.dms(bob)] == ["hello bob"]


async def test_command_visibility_follows_permissions(sim: DiscordSimulator, guild: SimGuild, alice: SimMember) -> None:
    assert {c["name"] for c in sim.commands(guild)} >= {"candidate", "slate", "vote", "feedback", "purge"}
    with pytest.raises(SimError):
        await sim.invoke(alice, "/purge")  # default_member_permissions = MANAGE_MESSAGES
    moderator = guild.add_member("mod", permissions=1 << 13)
    assert (await (await sim.invoke(moderator, "/purge")).response()).content == "purged"
    guild.remove_member(moderator)
    with pytest.raises(SimError):
        await sim.invoke(moderator, "/vote")


async def test_original_and_follow_up_lifecycle(sim: DiscordSimulator, alice: SimMember) -> None:
    handle = await sim.invoke(alice, "/lifecycle")
    await sim.wait_for_idle()
    assert handle.original is not None and handle.original.deleted and handle.original.content == "v2"
    [followup] = handle.messages
    assert followup.content == "f2" and followup.edits == 1
    assert sim.channel_messages(alice.guild.text_channels[0]) == [followup]
    assert sim.violations == []


async def test_commands_in_dms(sim: DiscordSimulator, guild: SimGuild, alice: SimMember, bot: DemoBot) -> None:
    await bot.tree.sync()  # global commands are the ones usable in DMs
    reply = await (await sim.invoke(alice.user, "/burst", {"i": 5})).response()
    assert reply.content == "ok 5" and reply.guild_id is None
    assert sim.dms(alice) == [reply]
