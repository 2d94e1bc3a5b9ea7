"""What each interaction leaves behind is freed by reference counting, not by the cyclic garbage collector
(issue #19: every interaction's task, interaction and reply buttons were cyclic garbage, so bursts set
off full collections of the whole heap that blocked the event loop for hundreds of milliseconds)."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from bot.app import DeferWhenWaiting
from bot.render.common import Rendered
from bot.render.views import page_view, respond
from bot.store.database import WRITE_WAIT


@pytest.fixture
def no_collector() -> Iterator[None]:
    """Only reference counting frees objects meanwhile."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class _Response:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def is_done(self) -> bool:
        return bool(self.sent)

    async def send_message(self, **kwargs: Any) -> None:
        self.sent.append(kwargs)


class _Interaction:
    """Just what `respond` and `DeferWhenWaiting` touch."""

    def __init__(self) -> None:
        self.response = _Response()
        self.command = None


async def test_a_commands_task_is_freed_without_the_collector(no_collector: None) -> None:
    async def command() -> None:
        WRITE_WAIT.set(DeferWhenWaiting(_Interaction()))  # type: ignore[arg-type]  # a stand-in interaction

    task = asyncio.create_task(command())
    await task
    gone = weakref.ref(task)
    del task
    await asyncio.sleep(0)
    assert gone() is None, "the task is kept alive by a reference cycle through its context"


async def test_reply_buttons_are_freed_without_the_collector(no_collector: None) -> None:
    view = page_view("icandidate:1:1:x,!", 0, 3, share=True)
    assert view is not None
    interaction = _Interaction()
    await respond(interaction, Rendered(pages=[[]]), view)  # type: ignore[arg-type]  # a stand-in interaction
    assert interaction.response.sent[0]["view"] is view
    interaction.response.sent.clear()
    gone = weakref.ref(view)
    del view
    assert gone() is None, "the view and its buttons reference each other"
