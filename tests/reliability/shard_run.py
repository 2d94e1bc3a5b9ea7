"""`hustings run` on one shard of several, for the multi-process leader test (`test_leader_takeover.py`).

The same code path as `hustings run` (bot.cli), with the shard given to discord.py's client from
HUSTINGS_TEST_SHARD=<id>/<count> (the simulator refuses a second session on a connected shard, as a
deployment of several processes must each own a shard range).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from discord.ext import commands

from bot.cli import main


def run() -> int:
    """Start `hustings run` on the shard in HUSTINGS_TEST_SHARD."""
    shard_id, shard_count = (int(x) for x in os.environ["HUSTINGS_TEST_SHARD"].split("/"))
    original = commands.Bot.__init__

    def on_shard(self: commands.Bot, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("shard_id", shard_id)
        kwargs.setdefault("shard_count", shard_count)
        original(self, *args, **kwargs)

    commands.Bot.__init__ = on_shard  # type: ignore[method-assign]
    return main(["run"])


if __name__ == "__main__":
    sys.exit(run())
