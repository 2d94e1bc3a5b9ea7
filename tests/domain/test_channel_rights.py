"""The channel-rights rules: what the bot needs to post, and whose right a ping is."""

from __future__ import annotations

from bot.domain.access import (
    RICH_POST,
    TEXT_POST,
    ChannelRights,
    bot_cannot_post,
    bot_ping_warning,
    missing_rights,
    ping_refusal,
)

ALL = ChannelRights(view=True, send=True, embed_links=True, attach_files=True, mention_everyone=True)
POSTER = ChannelRights(view=True, send=True, embed_links=True, attach_files=True)


def test_missing_rights_are_named_as_discord_names_them() -> None:
    assert missing_rights(ALL) == []
    assert missing_rights(ChannelRights(view=True, send=True)) == ["Embed Links", "Attach Files"]
    assert missing_rights(ChannelRights(view=True, send=True), TEXT_POST) == []
    assert bot_cannot_post("#a", ChannelRights(view=True), RICH_POST) == (
        "I can't post in #a: give me **Send Messages**, **Embed Links** and **Attach Files** there "
        "(channel settings → Permissions), then try again."
    )


def test_a_ping_is_the_organisers_own_right() -> None:
    assert ping_refusal(POSTER, everyone=False, role_mentionable=True) is None
    assert ping_refusal(ALL, everyone=False, role_mentionable=False) is None
    assert ping_refusal(ALL, everyone=True, role_mentionable=False) is None
    assert "mentionable" in (ping_refusal(POSTER, everyone=False, role_mentionable=False) or "")
    assert "@everyone" in (ping_refusal(POSTER, everyone=True, role_mentionable=False) or "")
    cannot_send = ChannelRights(view=True, mention_everyone=True)
    assert "yourself" in (ping_refusal(cannot_send, everyone=False, role_mentionable=True) or "")


def test_the_bot_warns_when_its_own_ping_would_notify_nobody() -> None:
    assert bot_ping_warning(POSTER, everyone=False, role_mentionable=True) is None
    assert bot_ping_warning(ALL, everyone=True, role_mentionable=False) is None
    assert "Mention Everyone" in (bot_ping_warning(POSTER, everyone=True, role_mentionable=False) or "")
    assert "Mention Everyone" in (bot_ping_warning(POSTER, everyone=False, role_mentionable=False) or "")
