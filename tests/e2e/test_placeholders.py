"""Announcement placeholders (#17 part 4): calendar-day wording and the new values, end to end."""

from __future__ import annotations

from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.sim import DiscordSimulator
from tests.e2e.test_announce import Org, local, org  # the fixture
from tests.helpers import ask

__all__ = ["org"]


async def test_closing_day_and_the_day_before_read_in_calendar_days(
    sim: DiscordSimulator, org: Org, hustings: HustingsBot, clock: ManualClock
) -> None:
    # Nominations close 2026-12-10 17:00 London. The evening before is less than 24 hours ahead: a whole-day
    # count said "0 days"; on the day itself it said "0 days until nominations close".
    message = (
        "Nominations close {days_to_nominations_close}: {days_to_nominations_close} days until nominations close. "
        "Ballot closes {days_to_ballot_close}."
    )
    for when in ("2026-12-09 18:00", "2026-12-10 09:00"):
        await ask(
            sim, org.organiser, "/announce schedule", {"channel": org.announcements, "when": when, "message": message}
        )
    await hustings.services.delivery.run_for(local("2026-12-10T10:00") - clock.now())
    first, second = (m.content for m in sim.channel_messages(org.announcements))
    assert first == ("Nominations close tomorrow: 1 day until nominations close. Ballot closes in 32 days.")
    assert second == ("Nominations close today: less than a day until nominations close. Ballot closes in 31 days.")


async def test_threshold_on_ballot_and_results_link(sim: DiscordSimulator, org: Org, hustings: HustingsBot) -> None:
    preview_id = (
        (
            await ask(
                sim,
                org.organiser,
                "/announce schedule",
                {
                    "channel": org.announcements,
                    "when": "in 1 day",
                    "message": "Need {threshold}; {on_ballot} on the ballot; results: {results_link}",
                },
            )
        )
        .embeds[0]["title"]
        .split("#")[1]
        .split()[0]
    )
    preview = await ask(sim, org.organiser, "/announce preview", {"id": int(preview_id)})
    assert preview.content == "Need 2 nominations; 0 on the ballot; results: (results not published yet)"
    reply = await ask(
        sim, org.organiser, "/announce schedule", {"channel": org.announcements, "when": "in 1h", "message": "{winner}"}
    )
    assert "{threshold}" in reply.content and "{results_link}" in reply.content  # the list names the new ones
