"""Under a burst, a read command acknowledges first ("thinking…") only when its reply has to wait for
work — a view drawn afresh after a change — and otherwise answers at once with the reply itself: a
deferral is a second request to Discord per member, which in a burst of cheap replies only delays
everyone (issue #19: `/candidate` at 0.35-0.56 of a no-op's throughput, nearly every reply deferred)."""

from __future__ import annotations

import pytest

import bot.app
from bot.app import HustingsBot
from bot.sim import DiscordSimulator, SimMember

MESSAGE, DEFERRED = 4, 5  # Discord's interaction callback types


@pytest.fixture
def always_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every interaction counts as part of a burst."""
    monkeypatch.setattr(bot.app, "BUSY", -1)


async def test_a_ready_reply_is_not_deferred_in_a_burst(
    sim: DiscordSimulator, member: SimMember, demo: HustingsBot, always_busy: None
) -> None:
    await demo.services.rendered.settled()
    demo.services.rendered.clear()  # as after a change: the list is drawn afresh
    first = await sim.invoke(member, "/candidates", {})
    await first.response(timeout=10)
    assert first.callback_type == DEFERRED  # drawn afresh after the import: acknowledged first
    again = await sim.invoke(member, "/candidates", {})
    reply = await again.response(timeout=10)
    assert again.callback_type == MESSAGE, "a reply already drawn is sent at once, not after a deferral"
    assert reply.embeds and reply.ephemeral
    profile = await sim.invoke(member, "/candidate", {"name": "Aileen Marsh"})
    assert "Aileen Marsh" in str((await profile.response(timeout=10)).embeds)
    assert profile.callback_type == MESSAGE
    assert sim.violations == []
