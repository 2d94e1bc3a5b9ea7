"""The public hustings post's rendering: within Discord's limits, its buttons, and a cancelled one."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.hustings import Hustings, Place, PlaceKind
from bot.render.hustings import INTERESTED_PREFIX, REMIND_HOUR_PREFIX, REMIND_ME_PREFIX, hustings_post
from bot.services.hustings import HustingsView
from bot.services.hustings_posts import HustingsPost


def _post(*, cancelled: bool = False, event_id: int | None = None) -> HustingsPost:
    h = Hustings(
        election_id=1,
        title="T" * 100,
        starts_at=datetime(2026, 12, 1, 18, 0, tzinfo=UTC),
        minutes=90,
        place=Place(PlaceKind.EXTERNAL, location="https://example.org/" + "x" * 70),
        chair="C" * 100,
        id=7,
        guild_id=1,
    )
    view = HustingsView(h, "E" * 200, "nec", tuple(f"Candidate {i:03}" for i in range(400)), event_id)
    return HustingsPost(view, interested=12, cancelled=cancelled)


def test_the_post_fits_and_carries_its_three_buttons() -> None:
    message = hustings_post(_post(event_id=99))
    [embed] = message.embeds
    assert len(embed) <= 6000 and all(len(f.value or "") <= 1024 for f in embed.fields)
    assert message.view is not None
    ids = [getattr(item, "custom_id", None) for item in message.view.children]
    assert ids == [f"{REMIND_ME_PREFIX}nec", f"{INTERESTED_PREFIX}7", f"{REMIND_HOUR_PREFIX}7"]
    assert [getattr(item, "label", None) for item in message.view.children][1] == "Interested (12)"
    event = next(f for f in embed.fields if f.name == "Event")
    assert "press" not in (event.value or "")  # the post's own Interested button is the one to press


def test_a_cancelled_post_is_marked_and_has_no_buttons() -> None:
    message = hustings_post(_post(cancelled=True))
    [embed] = message.embeds
    assert embed.title is not None and embed.title.startswith("Cancelled: ") and len(embed.title) <= 256
    assert "is cancelled" in (embed.description or "") and message.view is None
