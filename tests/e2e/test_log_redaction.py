"""A DEBUG run's log holds no interaction token (issue #13, item 6).

At DEBUG, discord.py dumps every gateway event, `INTERACTION_CREATE` included with its `token` (a
15-minute webhook credential). The log is configured as `hustings run` does it, a file handler is
added afterwards (any handler must be safe), and the log is grepped for every token the simulator
issued.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import logs
from bot.app import HustingsBot
from bot.sim import DiscordSimulator, SimGuild, SimMember
from bot.sim import permissions as perms
from tests.helpers import ask, choices


@pytest.fixture
def debug_log(tmp_path: Path) -> Iterator[Path]:
    """Logging as `hustings run` sets it at DEBUG, plus a file handler; everything restored afterwards."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers), logging.getLogRecordFactory())
    path = tmp_path / "hustings.log"
    logs.setup("DEBUG", secrets=["bot-token-SECRET"])
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root.addHandler(handler)
    try:
        yield path
    finally:
        handler.close()
        root.handlers[:] = saved[1]
        root.setLevel(saved[0])
        logging.setLogRecordFactory(saved[2])


async def test_no_interaction_token_reaches_the_log(
    debug_log: Path, sim: DiscordSimulator, guild: SimGuild, member: SimMember, demo: HustingsBot
) -> None:
    mod = guild.add_member("mod", permissions=perms.MANAGE_GUILD)
    await ask(sim, member, "/candidates", {"election": "nec-2018"})
    await ask(sim, member, "/results", {"election": "nec-2018"})
    assert await choices(sim, member, "/candidate", "name", "ya")
    question = await ask(sim, mod, "/admin election delete", {"election": "nec-2018"})
    await (await sim.click(mod, question, question.button("Cancel")["custom_id"])).acknowledged()
    await sim.wait_for_idle()
    tokens = [i.token for i in sim._core.interactions.values()]  # every token the simulator issued
    assert len(tokens) >= 5
    # An exception whose text holds a token, logged by a logger with a handler of its own, not propagating.
    other = logging.getLogger("some.library")
    other.propagate = False
    own = logging.FileHandler(debug_log, encoding="utf-8")
    other.addHandler(own)
    try:
        try:
            raise RuntimeError({"id": "1", "token": tokens[0], "type": 2})
        except RuntimeError:
            other.exception("request failed with payload %s", {"token": tokens[1]})
    finally:
        own.close()
        other.removeHandler(own)
        other.propagate = True
    text = debug_log.read_text(encoding="utf-8")  # noqa: ASYNC240 - a small file, once, after the run
    assert "INTERACTION_CREATE" in text and "RuntimeError" in text  # the DEBUG dump really was written
    assert "'token': '[token]'" in text
    leaked = [t for t in tokens if t in text or t[:40] in text]
    assert leaked == [], f"{len(leaked)} of {len(tokens)} interaction tokens in the log"
    assert "bot-token-SECRET" not in text
