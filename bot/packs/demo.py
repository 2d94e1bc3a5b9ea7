"""The demo pack: the real January 2018 Labour NEC result and a fictional union election in progress.

The static data lives in bot/data/demo-pack.json. The fictional election's dates are written there
relative to the load time ("@-10d 09:00" = ten days before today at 09:00 UTC, "@+3d" = a date three
days ahead), so whenever the demo is loaded its nominations are open and branch meetings are coming up.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

from bot.packs.json_format import pack_from_dict
from bot.packs.model import TIMELINE_FIELDS, Pack
from bot.resources import data_text

DEMO_FILE = "demo-pack.json"
_RELATIVE = re.compile(r"^@([+-]\d+)d(?: (\d\d):(\d\d))?$")


def demo_pack_data(now: datetime) -> dict[str, Any]:
    """The demo pack as JSON-ready data with every relative date resolved against `now`."""
    if now.tzinfo is None:
        raise ValueError("load_demo_pack needs an aware datetime")
    text = data_text(DEMO_FILE)
    data: dict[str, Any] = json.loads(text)
    today = now.astimezone(UTC).date()

    def resolve(value: Any) -> Any:
        match = _RELATIVE.match(value) if isinstance(value, str) else None
        if not match:
            return value
        day = today + timedelta(days=int(match.group(1)))
        if match.group(2) is None:
            return day.isoformat()
        at = time(int(match.group(2)), int(match.group(3)))
        return datetime.combine(day, at, tzinfo=UTC).isoformat()

    for body in data.get("bodies", []):
        body["meeting"] = resolve(body.get("meeting"))
    for election in data.get("elections", []):
        timeline = election.get("timeline") or {}
        for field in TIMELINE_FIELDS:
            if field in timeline:
                timeline[field] = resolve(timeline[field])
        for nomination in election.get("nominations", []):
            nomination["date"] = resolve(nomination.get("date"))
    return data


def load_demo_pack(now: datetime) -> Pack:
    """The demo `Pack`, its live election timed around `now` (nominations open, closing in 5 days)."""
    return pack_from_dict(demo_pack_data(now), DEMO_FILE)
