"""Pure parts of the simulator: limits, command definitions, typed-command parsing, snowflakes, buckets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.sim.errors import ErrorTree, SimError
from bot.sim.ratelimit import RateLimitConfig, RateLimiter
from bot.sim.snowflake import SnowflakeGenerator, snowflake_time
from bot.sim.textparse import parse_options
from bot.sim.validation import (
    check_choices,
    check_commands,
    check_components,
    check_embeds,
    check_message,
    check_modal,
    valid_command_name,
)


def errors_of(fn, *args, **kwargs) -> dict:
    tree = ErrorTree()
    fn(*args, tree, **kwargs)
    return tree.root


def test_embed_limits() -> None:
    assert errors_of(check_embeds, [{"title": "t" * 256, "description": "d" * 4096}]) == {}
    assert "title" in errors_of(check_embeds, [{"title": "t" * 257}])["embeds"]["0"]
    fields = [{"name": "n", "value": "v"}] * 26
    assert "fields" in errors_of(check_embeds, [{"fields": fields}])["embeds"]["0"]
    field_errors = errors_of(check_embeds, [{"fields": [{"name": "n" * 257, "value": "v" * 1025}, {"name": ""}]}])
    assert set(field_errors["embeds"]["0"]["fields"]["0"]) == {"name", "value"}
    assert set(field_errors["embeds"]["0"]["fields"]["1"]) == {"name", "value"}
    assert "footer" in errors_of(check_embeds, [{"footer": {"text": "f" * 2049}}])["embeds"]["0"]
    assert "author" in errors_of(check_embeds, [{"author": {"name": "a" * 257}}])["embeds"]["0"]
    total = errors_of(check_embeds, [{"description": "d" * 4000}, {"description": "d" * 2001}])
    assert total["embeds"]["_errors"][0]["code"] == "MAX_EMBED_SIZE_EXCEEDED"
    assert "_errors" in errors_of(check_embeds, [{"title": "t"}] * 11)["embeds"]


def test_message_content_and_components() -> None:
    assert "content" in errors_of(check_message, {"content": "x" * 2001})
    button = {"type": 2, "style": 1, "label": "b", "custom_id": "c"}
    rows = [{"type": 1, "components": [dict(button, custom_id=f"{r}-{i}") for i in range(5)]} for r in range(5)]
    assert errors_of(check_components, rows, 0) == {}
    assert "_errors" in errors_of(check_components, [*rows, rows[0]], 0)["components"]
    wide = [{"type": 1, "components": [dict(button, custom_id=str(i)) for i in range(6)]}]
    assert errors_of(check_components, wide, 0)
    long_id = [{"type": 1, "components": [dict(button, custom_id="x" * 101)]}]
    assert "custom_id" in errors_of(check_components, long_id, 0)["components"]["0"]["components"]["0"]
    select = {"type": 3, "custom_id": "s", "options": [{"label": "a", "value": "a"}]}
    assert errors_of(check_components, [{"type": 1, "components": [select, button]}], 0)
    duplicate = [{"type": 1, "components": [button, button]}]
    assert "COMPONENT_CUSTOM_ID_DUPLICATED" in str(errors_of(check_components, duplicate, 0))
    v2 = [{"type": 17, "components": [{"type": 10, "content": "hi"}]}]
    assert errors_of(check_message, {"flags": 1 << 15, "components": v2}) == {}
    assert errors_of(check_message, {"flags": 1 << 15, "components": v2, "content": "legacy"})


def test_choices_and_modals() -> None:
    assert errors_of(check_choices, [{"name": "a", "value": "a"}] * 25, 3) == {}
    assert errors_of(check_choices, [{"name": "a", "value": "a"}] * 26, 3)
    assert errors_of(check_choices, [{"name": "", "value": "a"}], 3)
    assert errors_of(check_choices, [{"name": "a", "value": "v" * 101}], 3)
    assert errors_of(check_choices, [{"name": "a", "value": "1"}], 4)
    text = {"type": 4, "custom_id": "t", "label": "L", "style": 1}
    modal = {"title": "T", "custom_id": "m", "components": [{"type": 1, "components": [text]}]}
    assert errors_of(check_modal, modal) == {}
    assert errors_of(check_modal, dict(modal, title="t" * 46))
    assert errors_of(check_modal, dict(modal, components=[]))


def test_command_definitions() -> None:
    assert valid_command_name("slate-compare_2") and valid_command_name("éléction")
    assert not valid_command_name("Slate") and not valid_command_name("two words")
    assert not valid_command_name("x" * 33) and not valid_command_name("")
    sub = {"name": "s", "description": "d", "type": 1}
    good = [
        {"name": "g", "description": "d", "options": [{"name": "grp", "description": "d", "type": 2, "options": [sub]}]}
    ]
    assert not check_commands(good)
    mixed = [{"name": "m", "description": "d", "options": [sub, {"name": "o", "description": "d", "type": 3}]}]
    assert check_commands(mixed)
    group_in_group = [
        {
            "name": "g",
            "description": "d",
            "options": [
                {
                    "name": "a",
                    "description": "d",
                    "type": 2,
                    "options": [{"name": "b", "description": "d", "type": 2, "options": [sub]}],
                }
            ],
        }
    ]
    assert check_commands(group_in_group)
    many_choices = [
        {
            "name": "c",
            "description": "d",
            "options": [
                {
                    "name": "o",
                    "description": "d",
                    "type": 3,
                    "choices": [{"name": str(i), "value": str(i)} for i in range(26)],
                }
            ],
        }
    ]
    assert check_commands(many_choices)
    assert check_commands([{"name": "dup", "description": "d"}, {"name": "dup", "description": "d"}])
    assert not check_commands([{"name": "Report Message", "type": 3, "description": ""}])


def test_parse_typed_options() -> None:
    names = ["first", "second", "note"]
    assert parse_options('first: CLGA second: "Labour First"', names) == {"first": "CLGA", "second": "Labour First"}
    assert parse_options("first: two words note: 'a second: b'", names) == {
        "first": "two words",
        "note": "a second: b",
    }
    with pytest.raises(SimError):
        parse_options("nonsense", names)
    with pytest.raises(SimError):
        parse_options("first: a first: b", names)


def test_snowflakes_follow_the_clock_and_never_repeat() -> None:
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    ids = SnowflakeGenerator(clock)
    batch = [ids.next() for _ in range(5000)]
    assert batch == sorted(set(batch))
    assert abs((snowflake_time(batch[0]) - clock.now()).total_seconds()) < 0.01


def test_route_and_global_buckets() -> None:
    elapsed = [0.0]
    limiter = RateLimiter(
        RateLimitConfig(enabled=True, global_limit=100, route_limit=2, route_window=0.2), monotonic=lambda: elapsed[0]
    )
    args = ("POST", "POST /channels/{channel_id}/messages", "/channels/1/messages")
    first = limiter.check(*args, "1")
    assert first.headers["X-RateLimit-Remaining"] == "1" and "X-RateLimit-Bucket" in first.headers
    limiter.check(*args, "1")
    third = limiter.check(*args, "1")
    assert third.limited and 0 < (third.retry_after or 0) <= 0.2
    assert not limiter.check(*args, "2").limited  # another channel is another bucket
    elapsed[0] += 0.21  # the route's window has passed
    assert not limiter.check(*args, "1").limited
    tight = RateLimiter(RateLimitConfig(enabled=True, global_limit=1, route_limit=10))
    tight.check(*args, "1")
    blocked = tight.check("GET", "GET /users/@me", "/users/@me", "")
    assert blocked.limited and blocked.is_global
    assert not tight.check("POST", "POST /interactions/x", "/interactions/1/t/callback", "", exempt_global=True).limited


def test_the_bots_clocks_fit_the_simulators_clock_protocol() -> None:
    from bot.clock import ManualClock as BotManualClock
    from bot.clock import SystemClock
    from bot.sim.clock import MovableSimClock, SimClock, StillClock

    manual: SimClock = BotManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    real: SimClock = SystemClock()
    assert isinstance(manual, MovableSimClock) and not isinstance(real, MovableSimClock)
    still = StillClock(datetime(2026, 1, 1, tzinfo=UTC))
    assert isinstance(still, MovableSimClock)
    with pytest.raises(ValueError, match="forward"):
        still.advance(-timedelta(seconds=1))
