"""`file://` sources read regular files only, on their own reader threads (issue #13, item 10)."""

from __future__ import annotations

import asyncio
import contextlib
import os

import pytest

from bot.services.fetch import Fetcher, FetchError, FetchLimits


async def test_a_fifo_is_refused_at_once_and_holds_no_thread(tmp_path) -> None:
    fifo = tmp_path / "feed.csv"
    os.mkfifo(fifo)
    (tmp_path / "ok.csv").write_text("name\nAnn\n")
    fetcher = Fetcher(FetchLimits(total_timeout=0.5), folder=tmp_path)
    try:
        for _ in range(8):  # more than any thread pool: each would be stuck on open() for ever
            with pytest.raises(FetchError, match="not a plain file"):
                await fetcher.fetch("file://feed.csv")
        assert (await fetcher.fetch("file://ok.csv")).body == b"name\nAnn\n"
        assert await asyncio.wait_for(asyncio.to_thread(lambda: 42), 5) == 42  # the shared pool is free
    finally:
        await fetcher.close()
        with contextlib.suppress(OSError):  # free a reader an older version left waiting for a writer
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


async def test_a_device_is_refused(tmp_path) -> None:
    (tmp_path / "zero").symlink_to("/dev/zero")
    fetcher = Fetcher(FetchLimits(total_timeout=0.5), folder=tmp_path)
    try:
        with pytest.raises(FetchError, match=r"inside the bot.s source folder|not a plain file"):
            await fetcher.fetch("file://zero")
    finally:
        await fetcher.close()
