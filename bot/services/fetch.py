"""A bounded fetcher for sources: HTTP(S) with conditional requests, or a file in the configured folder.

Every fetch is bounded: a connect timeout, a total timeout covering the whole download (so a
server that drips a byte a second is abandoned), a maximum body size enforced while reading (the
body is never buffered past the limit, whatever the server claims), and a redirect limit (so a
loop ends). Conditional requests (ETag / If-Modified-Since) let an unchanged source cost one
request and a 304; the caller also compares the content hash this returns.

A source link is typed by a moderator of a server the bot's host does not control, so HTTP fetches
reach public addresses only (no SSRF): the resolver resolves each host itself, refuses the whole
host if any of its addresses is not public unicast, and hands aiohttp only the checked addresses,
so the connection goes to what was checked (DNS cannot change in between). Redirects are followed
here, one hop at a time, each hop checked the same way. `HUSTINGS_SOURCE_ALLOW_PRIVATE` lifts the
address rule for self-hosted sheets. Error text never repeats what a server sent (no reason
phrase, no body, no OS error detail), so a source cannot be used to read or map a network.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import socket
import stat as stat_mode
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from bot import __version__
from bot.domain.sources import (
    PRIVATE_ADDRESS,
    SourceRuleError,
    check_url_scheme,
    is_public_address,
    literal_address,
)

log = logging.getLogger(__name__)

USER_AGENT = f"Hustings/{__version__} (election data sync)"
CHUNK = 64 * 1024
#: Decides whether a source may connect to an address.
AddressRule = Callable[[str], bool]
#: Redirect statuses followed (each hop checked like the first).
REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: `file://` reads at once, each on a daemon thread of its own: a hung mount can hold at most these
#: threads, never the shared pool, and never keeps the process from exiting.
FILE_READERS = 2


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Bounds on one fetch; tests pass small values."""

    connect_timeout: float = 10.0
    total_timeout: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class Fetched:
    """What one fetch returned: a body, or word that nothing changed since the validators given."""

    not_modified: bool
    body: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    content_type: str = ""
    status: int = 200
    final_url: str = ""
    elapsed: float = 0.0


class FetchError(Exception):
    """A fetch failed; `str(error)` says why in plain words for moderators."""


class BlockedAddress(OSError):
    """A host resolved to an address a source may not reach (raised inside the resolver)."""


class PublicOnlyResolver(AbstractResolver):
    """Resolves with `inner` and returns the addresses only if every one is public unicast.

    aiohttp connects only to the addresses a resolver returns, so checking here pins the
    connection to the checked address. `allowed` decides each address (public unicast by default).
    """

    def __init__(self, inner: AbstractResolver | None = None, *, allowed: AddressRule = is_public_address) -> None:
        self._inner = inner
        self.allowed = allowed

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Every address of `host`, or `BlockedAddress` if any is not public."""
        if self._inner is None:
            self._inner = aiohttp.ThreadedResolver()
        found = await self._inner.resolve(host, port, family)
        if not found or any(not self.allowed(r["host"]) for r in found):
            raise BlockedAddress(PRIVATE_ADDRESS)
        return found

    async def close(self) -> None:
        """Close the inner resolver."""
        if self._inner is not None:
            await self._inner.close()


def content_hash(body: bytes) -> str:
    """The hash the bot compares to tell whether a source's content changed."""
    return hashlib.sha256(body).hexdigest()


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB" if n >= 1024 * 1024 else f"{n / 1024:g} KB" if n >= 1024 else f"{n} bytes"


def resolve_file_url(url: str, folder: Path | None) -> Path:
    """The file a `file://` URL names, which must lie inside `folder` (symlinks resolved); else refuse."""
    if folder is None:
        raise SourceRuleError(
            "This bot has no source folder, so `file://` sources are off: its host can set HUSTINGS_SOURCE_FOLDER."
        )
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        raise SourceRuleError("A `file://` source can't have `?` or `#` parts.")
    raw = unquote((parts.netloc or "") + (parts.path or ""))
    if "\x00" in raw or not raw.strip("/"):
        raise SourceRuleError("That `file://` source names no file.")
    root = folder.expanduser().resolve()
    candidate = Path(raw)
    if not candidate.is_absolute() or parts.netloc:
        candidate = root / raw.lstrip("/")
    resolved = candidate.resolve()
    if resolved != root and not resolved.is_relative_to(root):
        raise SourceRuleError("A `file://` source must be inside the bot's source folder.")
    return resolved


def check_link_host(url: str, allow_private: bool) -> None:
    """Refuse an http(s) link whose host is a literal non-public address (names are checked at each fetch)."""
    address = literal_address(urlsplit(url).hostname or "")
    if not allow_private and address is not None and not is_public_address(address):
        raise SourceRuleError(PRIVATE_ADDRESS)


def validate_url(url: str, folder: Path | None, allow_private: bool = False) -> str:
    """Check a source URL before it is saved (scheme, host, folder); returns it trimmed."""
    url = url.strip()
    if check_url_scheme(url) == "file":
        resolve_file_url(url, folder)
    else:
        check_link_host(url, allow_private)
    return url


def _http_reason(status: int) -> str:
    # The standard phrase, never the server's own words: they are the server's content.
    try:
        words = f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        words = str(status)
    if status == 404:
        return f"the link answered {words}: was the sheet unpublished or moved?"
    if status in (401, 403):
        return f"the link answered {words}: the sheet or feed isn't public (publish it to the web)"
    if status == 429:
        return f"the server answered {words}: it is rate-limiting the bot; it will retry later"
    if status >= 500:
        return f"the server answered {words}: a problem on its side; the bot will retry"
    return f"the server answered {words}"


class Fetcher:
    """Fetches source URLs within `limits`; one aiohttp session, opened on first use."""

    def __init__(
        self,
        limits: FetchLimits | None = None,
        folder: Path | None = None,
        *,
        allow_private: bool = False,
        resolver: AbstractResolver | None = None,
        address_rule: AddressRule = is_public_address,
    ) -> None:
        """`allow_private` lifts the address rule; `resolver` and `address_rule` stand in for DNS and the
        public internet in tests (no network there)."""
        self.limits = limits or FetchLimits()
        self.folder = folder
        self.allow_private = allow_private
        self.address_rule = address_rule
        self.resolver = resolver
        self._session: aiohttp.ClientSession | None = None
        self._files_busy = 0

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            resolver = PublicOnlyResolver(self.resolver, allowed=self._allowed)
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(resolver=resolver, use_dns_cache=False),
                headers={"User-Agent": USER_AGENT},
                trust_env=False,
                auto_decompress=True,
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """Fetch `url`; a `Fetched(not_modified=True)` when the validators say nothing changed.

        Raises `FetchError` with a plain-words reason on any failure (nothing partial is returned).
        """
        try:
            scheme = check_url_scheme(url)
        except SourceRuleError as exc:
            raise FetchError(str(exc)) from None
        if scheme == "file":
            return await self._fetch_file(url, last_modified)
        return await self._fetch_http(url, etag, last_modified)

    async def _fetch_http(self, url: str, etag: str | None, last_modified: str | None) -> Fetched:
        limits = self.limits
        headers = {"Accept": "text/csv, application/json;q=0.9, */*;q=0.5"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=limits.connect_timeout,
            sock_connect=limits.connect_timeout,
            sock_read=limits.total_timeout,
        )
        started = time.monotonic()
        host = urlsplit(url).hostname or url  # what the moderator typed: never a redirect's target
        try:
            async with asyncio.timeout(limits.total_timeout):
                target = URL(url, encoded=False)
                for _hop in range(limits.max_redirects + 1):
                    self._check_hop(target)
                    async with self._http().get(
                        target, headers=headers, timeout=timeout, allow_redirects=False
                    ) as resp:
                        if resp.status in REDIRECTS:
                            location = resp.headers.get("Location")
                            if not location:
                                raise FetchError(f"{host} answered with a redirect that leads nowhere")
                            target = resp.url.join(URL(location))
                            continue
                        return await self._read(resp, etag, last_modified, started)
                raise FetchError(f"the link redirected too many times (limit {limits.max_redirects}): a redirect loop?")
        except FetchError:
            raise
        except TimeoutError:
            raise FetchError(
                f"{host} took longer than {limits.total_timeout:g} s to send the data; abandoned"
            ) from None
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, BlockedAddress):
                raise FetchError(PRIVATE_ADDRESS) from None
            # No OS detail (refused / unreachable / timed out): it would map the network behind the host.
            raise FetchError(f"couldn't connect to {host}: check the link opens in a browser") from None
        except (aiohttp.InvalidURL, ValueError):
            raise FetchError("the link (or a redirect it gave) is not a valid address") from None
        except aiohttp.ClientPayloadError:
            raise FetchError(f"{host} cut the download off part-way") from None
        except aiohttp.ClientError:
            raise FetchError(f"{host} sent a response the bot couldn't read") from None

    async def check_link(self, url: str) -> None:
        """Refuse, before a source is saved, a link whose host resolves to a non-public address.

        Only a refusal counts here: a host that does not resolve yet is left for the first run to
        report. Every fetch checks again, since DNS may answer differently later.
        """
        if check_url_scheme(url) == "file":
            return
        host = urlsplit(url).hostname or ""
        if literal_address(host) is not None:
            self._check_hop(URL(url))
            return
        resolver = PublicOnlyResolver(self.resolver, allowed=self._allowed)
        try:
            async with asyncio.timeout(self.limits.connect_timeout):
                await resolver.resolve(host, 0, socket.AF_UNSPEC)
        except BlockedAddress:
            raise FetchError(PRIVATE_ADDRESS) from None
        except (OSError, TimeoutError):
            pass
        finally:
            if self.resolver is None:
                await resolver.close()

    def _check_hop(self, target: URL) -> None:
        """Refuse a hop that is not http(s), carries credentials, or names a non-public address literally.

        DNS names are checked by the resolver as the connection is made.
        """
        if target.scheme not in ("http", "https") or not target.host:
            raise FetchError("the link (or a redirect it gave) is not an http(s) address")
        if target.user or target.password:
            raise FetchError("the link (or a redirect it gave) carries a user name or password")
        address = literal_address(target.host)
        if address is not None and not self._allowed(str(address)):
            raise FetchError(PRIVATE_ADDRESS)

    def _allowed(self, address: str) -> bool:
        return self.allow_private or self.address_rule(address)

    async def _read(
        self, resp: aiohttp.ClientResponse, etag: str | None, last_modified: str | None, started: float
    ) -> Fetched:
        """The final hop's answer: a 304, or the body read within the size limit."""
        limits = self.limits
        if resp.status == 304:
            return Fetched(
                not_modified=True,
                etag=resp.headers.get("ETag") or etag,
                last_modified=resp.headers.get("Last-Modified") or last_modified,
                status=304,
                final_url=str(resp.url),
                elapsed=time.monotonic() - started,
            )
        if resp.status != 200:
            raise FetchError(_http_reason(resp.status))
        declared = resp.content_length
        if declared is not None and declared > limits.max_bytes:
            raise FetchError(f"the file is {_mb(declared)}, over the {_mb(limits.max_bytes)} limit for a source")
        body = bytearray()
        async for chunk in resp.content.iter_chunked(CHUNK):
            body += chunk
            if len(body) > limits.max_bytes:
                raise FetchError(f"the download passed the {_mb(limits.max_bytes)} limit for a source; abandoned")
        data = bytes(body)
        return Fetched(
            not_modified=False,
            body=data,
            etag=resp.headers.get("ETag"),
            last_modified=resp.headers.get("Last-Modified"),
            content_hash=content_hash(data),
            content_type=resp.headers.get("Content-Type", ""),
            status=resp.status,
            final_url=str(resp.url),
            elapsed=time.monotonic() - started,
        )

    def _read_done(self, future: asyncio.Future[tuple[str, bytes | None]]) -> None:
        """A reader thread finished (perhaps long after its run gave up): free its place."""
        self._files_busy -= 1
        if not future.cancelled():
            future.exception()  # retrieved: a late failure nobody waits for is not an error to log

    @staticmethod
    def _on_daemon_thread(work: Callable[[], tuple[str, bytes | None]]) -> asyncio.Future[tuple[str, bytes | None]]:
        """Run `work` on a new daemon thread; its outcome lands in the returned future (if still wanted)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[str, bytes | None]] = loop.create_future()

        def settle(result: tuple[str, bytes | None] | None, error: BaseException | None) -> None:
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)  # type: ignore[arg-type]

        def run() -> None:
            try:
                result, error = work(), None
            except BaseException as exc:  # handed to the waiting coroutine
                result, error = None, exc
            try:
                loop.call_soon_threadsafe(settle, result, error)
            except RuntimeError:  # the loop closed while the read was stuck
                pass

        threading.Thread(target=run, name="hustings-file-source", daemon=True).start()
        return future

    async def _fetch_file(self, url: str, last_modified: str | None) -> Fetched:
        try:
            path = resolve_file_url(url, self.folder)
        except SourceRuleError as exc:
            raise FetchError(str(exc)) from None
        limit = self.limits.max_bytes
        started = time.monotonic()

        def read() -> tuple[str, bytes | None]:
            # O_NONBLOCK: opening a FIFO (or a device) must not wait for a writer; only regular files are read.
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
            with os.fdopen(fd, "rb") as fh:
                info = os.fstat(fd)
                if not stat_mode.S_ISREG(info.st_mode):
                    raise FetchError(f"{path.name} is not a plain file")
                stamp = f"{info.st_mtime_ns}:{info.st_size}"
                if last_modified == stamp:
                    return stamp, None
                if info.st_size > limit:
                    raise FetchError(f"the file is {_mb(info.st_size)}, over the {_mb(limit)} limit for a source")
                data = fh.read(limit + 1)
            if len(data) > limit:
                raise FetchError(f"the file passed the {_mb(limit)} limit for a source; abandoned")
            return stamp, data

        if self._files_busy >= FILE_READERS:
            # Every file reader is still stuck on an earlier read (a hung mount): don't queue behind it.
            raise FetchError("the source folder isn't answering (an earlier read is still stuck); try again later")
        future = self._on_daemon_thread(read)
        self._files_busy += 1
        future.add_done_callback(self._read_done)
        try:
            stamp, data = await asyncio.wait_for(asyncio.shield(future), self.limits.total_timeout)
        except FetchError:
            raise
        except FileNotFoundError:
            raise FetchError(f"there is no file {path.name} in the source folder") from None
        except IsADirectoryError:
            raise FetchError(f"{path.name} is a folder, not a file") from None
        except PermissionError:
            raise FetchError(f"the bot may not read {path.name}") from None
        except TimeoutError:
            raise FetchError(f"reading {path.name} took longer than {self.limits.total_timeout:g} s") from None
        except OSError:
            raise FetchError(f"couldn't read {path.name}") from None
        elapsed = time.monotonic() - started
        if data is None:
            return Fetched(not_modified=True, last_modified=stamp, status=304, final_url=url, elapsed=elapsed)
        kind = "application/json" if path.suffix.lower() == ".json" else "text/csv"
        return Fetched(
            not_modified=False,
            body=data,
            last_modified=stamp,
            content_hash=content_hash(data),
            content_type=kind,
            status=200,
            final_url=url,
            elapsed=elapsed,
        )
