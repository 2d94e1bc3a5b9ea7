"""Sources reach public addresses only (issue #13, item 1): literal hosts, DNS names, every redirect hop.

There is no internet here, so a `FakeDNS` stands in for DNS and, where a test needs a reachable
"public" server, `address_rule` declares 127.0.0.1 (the local feed server) the public internet;
every other address keeps the real rule's verdict.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.domain.sources import PRIVATE_ADDRESS, SourceRuleError, is_public_address
from bot.services.fetch import Fetcher, FetchError, FetchLimits, validate_url
from tests.services.test_sources_support import FakeDNS, FeedServer

LIMITS = FetchLimits(connect_timeout=1.0, total_timeout=2.0, max_bytes=1024 * 1024, max_redirects=3)
SECRET = "name\nInternal Only,db-password=hunter2\n"


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    srv = FeedServer()
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()


def test_address_rule() -> None:
    refused = [
        "127.0.0.1", "127.8.9.10", "0.0.0.0", "::", "::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "169.254.169.254",
        "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "100.127.255.254", "224.0.0.1", "239.1.1.1",
        "ff02::1", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12::1", "2002:7f00:1::", "64:ff9b::7f00:1",
        "192.0.2.1", "198.18.0.1", "240.0.0.1", "255.255.255.255", "not an address",
    ]  # fmt: skip
    for address in refused:
        assert not is_public_address(address), address
    for address in ("8.8.8.8", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8", "100.128.0.1"):
        assert is_public_address(address), address


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "0.0.0.0",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "169.254.169.254",
        "10.0.0.1",
        "100.64.0.1",
        "2130706433",
        "0x7f.1",
        "127.1",
        "[fe80::1%25lo]",
    ],
)
async def test_private_hosts_are_refused_before_any_connection(server: FeedServer, host: str) -> None:
    route = server.serve("secret.csv", SECRET)
    fetcher = Fetcher(LIMITS)
    try:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(f"http://{host}:{server.port}/secret.csv")
    finally:
        await fetcher.close()
    assert str(caught.value) in (PRIVATE_ADDRESS, "the link (or a redirect it gave) is not a valid address")
    assert route.hits == 0


def test_a_literal_private_link_is_refused_when_added() -> None:
    for url in ("http://127.0.0.1:8080/x.csv", "https://[::ffff:127.0.0.1]/x", "http://169.254.169.254/latest"):
        with pytest.raises(SourceRuleError, match="private or local network address"):
            validate_url(url, None)
        assert validate_url(url, None, allow_private=True) == url
    assert validate_url("https://docs.example.org/pub?output=csv", None)  # names are checked at each fetch


@pytest.mark.parametrize(
    "addresses",
    [["127.0.0.1"], ["::ffff:127.0.0.1"], ["0.0.0.0"], ["93.184.216.34", "127.0.0.1"], ["100.64.1.1"], ["ff02::1"]],
)
async def test_a_name_is_refused_if_any_of_its_addresses_is_not_public(server: FeedServer, addresses) -> None:
    route = server.serve("secret.csv", SECRET)
    dns = FakeDNS({"sheet.example": addresses})
    fetcher = Fetcher(LIMITS, resolver=dns)
    try:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(f"http://sheet.example:{server.port}/secret.csv")
    finally:
        await fetcher.close()
    assert str(caught.value) == PRIVATE_ADDRESS and dns.asked == ["sheet.example"]
    assert route.hits == 0


def _as_if_public(address: str) -> bool:
    """127.0.0.1 plays the public internet; every other address keeps the real rule's verdict."""
    return address == "127.0.0.1" or is_public_address(address)


async def test_the_connection_goes_to_the_checked_address_and_every_redirect_is_checked(server: FeedServer) -> None:
    server.serve("c.csv", "name\nAnn\n")
    secret = server.serve("secret.csv", SECRET)
    dns = FakeDNS({"sheet.example": ["127.0.0.1"], "intranet.example": ["127.0.0.1", "10.0.0.5"]})
    fetcher = Fetcher(LIMITS, resolver=dns, address_rule=_as_if_public)
    port = server.port
    try:
        # The name resolves only through the checked resolver, and the connection goes there.
        got = await fetcher.fetch(f"http://sheet.example:{port}/c.csv")
        assert got.body == b"name\nAnn\n"
        server.serve("relative", "", mode="redirect", location="/c.csv")
        assert (await fetcher.fetch(f"http://sheet.example:{port}/relative")).body == b"name\nAnn\n"
        for n, target in enumerate(
            [
                f"http://intranet.example:{port}/secret.csv",  # a name with one private address
                f"http://[::ffff:127.0.0.1]:{port}/secret.csv",  # IPv4-mapped IPv6
                f"http://0.0.0.0:{port}/secret.csv",
                f"http://[::1]:{port}/secret.csv",
                "http://169.254.169.254/latest/meta-data/",
            ]
        ):
            server.serve(f"r{n}", "", mode="redirect", location=target)
            with pytest.raises(FetchError) as caught:
                await fetcher.fetch(f"http://sheet.example:{port}/r{n}")
            assert str(caught.value) == PRIVATE_ADDRESS, target
        server.serve("to-file", "", mode="redirect", location="file:///etc/passwd")
        with pytest.raises(FetchError, match="not an http"):
            await fetcher.fetch(f"http://sheet.example:{port}/to-file")
    finally:
        await fetcher.close()
    assert secret.hits == 0


async def test_errors_echo_nothing_the_server_sent(server: FeedServer) -> None:
    server.serve("boom", "", status=503, reason="Vault-Token s3cr3t")
    fetcher = Fetcher(LIMITS, allow_private=True)
    try:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(server.url("boom"))
        assert "503 Service Unavailable" in str(caught.value) and "s3cr3t" not in str(caught.value)
        with pytest.raises(FetchError) as refused:
            await fetcher.fetch("http://127.0.0.1:9/x.csv")
        # No OS detail: "refused" against "timed out" would tell which ports are open.
        assert "couldn't connect to 127.0.0.1" in str(refused.value)
        assert "refused" not in str(refused.value).lower() and "errno" not in str(refused.value).lower()
    finally:
        await fetcher.close()
