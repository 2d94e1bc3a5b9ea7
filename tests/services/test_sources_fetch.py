"""The bounded fetcher and the pure source rules, against a local server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.sources import (
    BACKOFF_CAP,
    Source,
    SourceKind,
    SourceRuleError,
    backoff_delay,
    check_mass_drop,
    freshness,
    parse_every,
)
from bot.services.fetch import Fetcher, FetchError, FetchLimits, resolve_file_url, validate_url
from tests.services.test_sources_support import FeedServer

LIMITS = FetchLimits(connect_timeout=1.0, total_timeout=0.25, max_bytes=1024 * 1024, max_redirects=3)


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    srv = FeedServer()
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()


@pytest.fixture
async def fetcher(tmp_path) -> AsyncIterator[Fetcher]:
    f = Fetcher(LIMITS, folder=tmp_path, allow_private=True)  # the feed server is on 127.0.0.1
    try:
        yield f
    finally:
        await f.close()


# ----------------------------------------------------------------------------------------- rules


def test_parse_every() -> None:
    assert parse_every(None) == timedelta(minutes=15)
    assert parse_every("5") == timedelta(minutes=5)
    assert parse_every("2h") == timedelta(hours=2)
    assert parse_every("1d") == timedelta(days=1)
    with pytest.raises(SourceRuleError, match="once a minute"):
        parse_every("30s")
    with pytest.raises(SourceRuleError):
        parse_every("0.5")
    with pytest.raises(SourceRuleError):
        parse_every("soon")


def test_backoff_doubles_and_caps() -> None:
    every = timedelta(minutes=5)
    delays = [backoff_delay(every, n) for n in range(0, 7)]
    assert delays[:5] == [every, every, every * 2, every * 4, every * 8]
    assert delays[-1] == BACKOFF_CAP
    daily = timedelta(days=1)
    assert backoff_delay(daily, 5) == daily  # the cap never shortens a long interval


def test_mass_drop_rule() -> None:
    assert not check_mass_drop({"candidates": 1}, {"candidates": 10}).hold
    assert not check_mass_drop({"candidates": 2}, {"candidates": 10}).hold  # exactly 20%: allowed
    held = check_mass_drop({"candidates": 3, "nominations": 1}, {"candidates": 10, "nominations": 50})
    assert held.hold and held.kind == "candidates" and "3 of 10 candidates (30%)" in held.describe()
    assert not check_mass_drop({"candidates": 1}, {"candidates": 3}).hold  # one row is routine
    assert check_mass_drop({"candidates": 1}, {"candidates": 1}).hold  # ... unless it empties the table
    assert not check_mass_drop({}, {"candidates": 10}).hold


def test_freshness_and_staleness() -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    src = Source(
        1, 1, "e", SourceKind.CANDIDATES, "http://x/", timedelta(minutes=15), last_success_at=now - timedelta(minutes=4)
    )
    fresh = freshness([src], now)
    assert not fresh.stale and fresh.age == timedelta(minutes=4)
    assert fresh.describe() == "Checked against its source 4 min ago"
    src.last_success_at = now - timedelta(minutes=50)
    src.failures = 3
    stale = freshness([src], now)
    assert stale.stale and "may be out of date (the source is failing)" in stale.describe()
    assert freshness([], now).sources == 0 and freshness([], now).describe() == ""


def test_url_rules(tmp_path) -> None:
    assert validate_url(" https://docs.google.com/x/pub?output=csv ", None).startswith("https://")
    for bad in ("ftp://x/y", "javascript:alert(1)", "https://user:pw@host/x", "nothing"):
        with pytest.raises(SourceRuleError):
            validate_url(bad, tmp_path)
    with pytest.raises(SourceRuleError, match="HUSTINGS_SOURCE_FOLDER"):
        validate_url("file:///etc/passwd", None)
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "c.csv").write_text("name\n")
    assert resolve_file_url("file://feeds/c.csv", tmp_path) == (tmp_path / "feeds" / "c.csv").resolve()
    assert resolve_file_url(f"file://{tmp_path}/feeds/c.csv", tmp_path) == (tmp_path / "feeds" / "c.csv").resolve()
    for escape in ("file:///etc/passwd", "file://../x.csv", "file://feeds/../../x.csv", "file://%2e%2e/x.csv"):
        with pytest.raises(SourceRuleError, match="inside the bot's source folder"):
            resolve_file_url(escape, tmp_path)
    outside = tmp_path.parent / "outside.csv"
    outside.write_text("x")
    (tmp_path / "link.csv").symlink_to(outside)
    with pytest.raises(SourceRuleError, match="inside"):
        resolve_file_url("file://link.csv", tmp_path)


# ----------------------------------------------------------------------------------------- fetch


async def test_fetch_and_conditional_304(server: FeedServer, fetcher: Fetcher) -> None:
    route = server.serve("c.csv", "name\nAnn\n")
    first = await fetcher.fetch(server.url("c.csv"))
    assert not first.not_modified and first.body == b"name\nAnn\n" and first.etag and first.content_hash
    again = await fetcher.fetch(server.url("c.csv"), etag=first.etag)
    assert again.not_modified and again.body is None
    assert route.hits == 2 and route.conditional_hits == 1


async def test_http_errors_in_plain_words(server: FeedServer, fetcher: Fetcher) -> None:
    server.serve("boom", "", status=500)
    with pytest.raises(FetchError, match="500 Internal Server Error"):
        await fetcher.fetch(server.url("boom"))
    with pytest.raises(FetchError, match="404"):
        await fetcher.fetch(server.url("missing"))


async def test_redirect_loop_is_cut(server: FeedServer, fetcher: Fetcher) -> None:
    route = server.serve("loop", "", mode="loop")
    with pytest.raises(FetchError, match="redirected too many times"):
        await fetcher.fetch(server.url("loop"))
    assert route.hits <= LIMITS.max_redirects + 1


async def test_slow_drip_and_hang_are_abandoned(server: FeedServer, fetcher: Fetcher) -> None:
    server.serve("drip", "name\n" + "x" * 200, mode="drip")
    server.serve("hang", "name\n", mode="hang")
    for path in ("drip", "hang"):  # the servers never finish: only the time limit can end these
        with pytest.raises(FetchError, match=r"took longer than 0\.25 s"):
            await fetcher.fetch(server.url(path))


async def test_huge_body_abandoned_at_the_limit(server: FeedServer, fetcher: Fetcher) -> None:
    route = server.serve("huge", "", mode="huge")
    with pytest.raises(FetchError, match="passed the 1 MB limit"):
        await fetcher.fetch(server.url("huge"))
    assert route.sent < 20 * 1024 * 1024  # cut off, not read to the end


async def test_50_mb_stream_stops_near_the_default_10_mb_limit(server: FeedServer) -> None:
    route = server.serve("huge", "", mode="huge")
    fetcher = Fetcher(FetchLimits(total_timeout=5.0), allow_private=True)
    try:
        with pytest.raises(FetchError, match="passed the 10 MB limit"):
            await fetcher.fetch(server.url("huge"))
    finally:
        await fetcher.close()
    assert route.sent < 20 * 1024 * 1024  # the server was cut off long before 50 MB


async def test_declared_length_over_limit_refused_before_reading(server: FeedServer, fetcher: Fetcher) -> None:
    server.serve("big", b"x" * (LIMITS.max_bytes + 10))
    with pytest.raises(FetchError, match="over the 1 MB limit"):
        await fetcher.fetch(server.url("big"))


async def test_connection_refused(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="couldn't connect"):
        await fetcher.fetch("http://127.0.0.1:9/x.csv")


async def test_file_source_conditional(tmp_path, fetcher: Fetcher) -> None:
    path = tmp_path / "c.csv"
    path.write_text("name\nAnn\n")
    first = await fetcher.fetch("file://c.csv")
    assert first.body == b"name\nAnn\n" and first.last_modified
    same = await fetcher.fetch("file://c.csv", last_modified=first.last_modified)
    assert same.not_modified
    with pytest.raises(FetchError, match="no file"):
        await fetcher.fetch("file://nope.csv")
    with pytest.raises(FetchError, match="inside"):
        await fetcher.fetch("file://../x.csv")
