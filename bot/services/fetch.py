"""A bounded fetcher for sources: HTTP(S) with conditional requests, or a file in the configured folder.

Every fetch is bounded: a connect timeout, a total timeout covering the whole download (so a
server that drips a byte a second is abandoned), a maximum body size enforced while reading (the
body is never buffered past the limit, whatever the server claims), and a redirect limit (so a
loop ends). Conditional requests (ETag / If-Modified-Since) let an unchanged source cost one
request and a 304; the caller also compares the content hash this returns.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiohttp

from bot import __version__
from bot.domain.sources import SourceRuleError, check_url_scheme

log = logging.getLogger(__name__)

USER_AGENT = f"Hustings/{__version__} (election data sync)"
CHUNK = 64 * 1024


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


def validate_url(url: str, folder: Path | None) -> str:
    """Check a source URL before it is saved (scheme, host, folder); returns it trimmed."""
    url = url.strip()
    if check_url_scheme(url) == "file":
        resolve_file_url(url, folder)
    return url


def _http_reason(status: int, reason: str | None) -> str:
    words = f"{status} {reason}".strip() if reason else str(status)
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

    def __init__(self, limits: FetchLimits | None = None, folder: Path | None = None) -> None:
        self.limits = limits or FetchLimits()
        self.folder = folder
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
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
        host = urlsplit(url).hostname or url
        try:
            async with asyncio.timeout(limits.total_timeout):
                async with self._http().get(
                    url,
                    headers=headers,
                    timeout=timeout,
                    allow_redirects=True,
                    max_redirects=limits.max_redirects,
                ) as resp:
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
                        raise FetchError(_http_reason(resp.status, resp.reason))
                    declared = resp.content_length
                    if declared is not None and declared > limits.max_bytes:
                        raise FetchError(
                            f"the file is {_mb(declared)}, over the {_mb(limits.max_bytes)} limit for a source"
                        )
                    body = bytearray()
                    async for chunk in resp.content.iter_chunked(CHUNK):
                        body += chunk
                        if len(body) > limits.max_bytes:
                            raise FetchError(
                                f"the download passed the {_mb(limits.max_bytes)} limit for a source; abandoned"
                            )
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
        except FetchError:
            raise
        except TimeoutError:
            raise FetchError(
                f"{host} took longer than {limits.total_timeout:g} s to send the data; abandoned"
            ) from None
        except aiohttp.TooManyRedirects:
            raise FetchError(
                f"the link redirected too many times (limit {limits.max_redirects}): a redirect loop?"
            ) from None
        except aiohttp.ClientConnectorError as exc:
            raise FetchError(f"couldn't connect to {host} ({exc.os_error.strerror or exc.os_error})") from None
        except aiohttp.InvalidURL:
            raise FetchError("the link (or a redirect it gave) is not a valid address") from None
        except aiohttp.ClientPayloadError:
            raise FetchError(f"{host} cut the download off part-way") from None
        except aiohttp.ClientResponseError as exc:
            raise FetchError(f"{host} sent a broken response ({exc.message})") from None
        except aiohttp.ClientError as exc:
            raise FetchError(f"couldn't read from {host} ({type(exc).__name__})") from None

    async def _fetch_file(self, url: str, last_modified: str | None) -> Fetched:
        try:
            path = resolve_file_url(url, self.folder)
        except SourceRuleError as exc:
            raise FetchError(str(exc)) from None
        limit = self.limits.max_bytes
        started = time.monotonic()

        def read() -> tuple[str, bytes | None]:
            stat = path.stat()
            stamp = f"{stat.st_mtime_ns}:{stat.st_size}"
            if last_modified == stamp:
                return stamp, None
            if stat.st_size > limit:
                raise FetchError(f"the file is {_mb(stat.st_size)}, over the {_mb(limit)} limit for a source")
            with path.open("rb") as fh:
                data = fh.read(limit + 1)
            if len(data) > limit:
                raise FetchError(f"the file passed the {_mb(limit)} limit for a source; abandoned")
            return stamp, data

        try:
            stamp, data = await asyncio.wait_for(asyncio.to_thread(read), self.limits.total_timeout)
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
        except OSError as exc:
            raise FetchError(f"couldn't read {path.name} ({exc.strerror or exc})") from None
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
