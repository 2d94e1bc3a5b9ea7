"""`hustings import` reads times without an offset in the server's configured zone (issue #12 item 9)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from bot.store import meta
from bot.store.database import Database
from tests.test_cli import hustings

GUILD = 7


def set_zone(tmp_path: Path, zone: str) -> None:
    """What `/admin config timezone` stores, written straight into the CLI's database."""

    async def write() -> None:
        db = await Database.open(tmp_path / "db" / "hustings.db")
        try:
            async with db.transaction() as tx:
                settings = await meta.get_settings(tx, GUILD)
                settings.timezone = zone
                await meta.save_settings(tx, settings)
        finally:
            await db.close()

    asyncio.run(write())


def meetings(tmp_path: Path) -> dict[str, str | None]:
    with sqlite3.connect(tmp_path / "db" / "hustings.db") as conn:
        return dict(conn.execute("SELECT name, meeting FROM bodies WHERE guild_id = ?", (GUILD,)).fetchall())


def test_offset_less_times_use_the_guild_zone_and_its_daylight_saving_rules(tmp_path: Path) -> None:
    assert hustings(tmp_path, "migrate").returncode == 0
    set_zone(tmp_path, "America/Toronto")
    path = tmp_path / "bodies.csv"
    path.write_text("name,meeting\nHackney North CLP,2026-07-02 19:00\nHove CLP,2026-12-03T19:00\n")
    result = hustings(tmp_path, "import", str(path), "--guild", str(GUILD))
    assert result.returncode == 0, result.stderr
    # Toronto is UTC-4 in summer, UTC-5 in winter.
    assert meetings(tmp_path) == {
        "Hackney North CLP": "2026-07-02T23:00:00+00:00",
        "Hove CLP": "2026-12-04T00:00:00+00:00",
    }

    pack = json.loads(hustings(tmp_path, "export", "--guild", str(GUILD)).stdout)
    (tmp_path / "pack.json").write_text(json.dumps(pack))
    again = hustings(tmp_path, "import", str(tmp_path / "pack.json"), "--guild", str(GUILD))
    assert again.returncode == 0 and "nothing to change" in again.stdout, again.stdout + again.stderr

    # The spring gap and the doubled autumn hour are refused as /admin commands refuse them.
    path.write_text("name,meeting\nHackney North CLP,2027-03-14 02:30\nHove CLP,2026-11-01 01:30\n")
    bad = hustings(tmp_path, "import", str(path), "--guild", str(GUILD))
    assert bad.returncode == 2  # bad input: the problem list, exit 2
    assert "bodies.csv: row 2: meeting" in bad.stderr and "clocks go forward" in bad.stderr, bad.stderr
    assert "bodies.csv: row 3: meeting" in bad.stderr, bad.stderr
    assert "2026-11-01 01:30-04:00" in bad.stderr and "2026-11-01 01:30-05:00" in bad.stderr, bad.stderr
    assert meetings(tmp_path)["Hackney North CLP"] == "2026-07-02T23:00:00+00:00"


def test_json_timeline_without_offset_uses_the_default_zone(tmp_path: Path) -> None:
    pack = {
        "elections": [
            {
                "slug": "nec",
                "name": "NEC",
                "seats": 1,
                "voting_system": "bloc",
                "timeline": {"nominations_open": "2026-06-01 09:00", "nominations_close": "2026-06-20T17:00:00Z"},
            }
        ]
    }
    (tmp_path / "pack.json").write_text(json.dumps(pack))
    result = hustings(tmp_path, "import", str(tmp_path / "pack.json"), "--guild", str(GUILD))
    assert result.returncode == 0, result.stderr
    exported = json.loads(hustings(tmp_path, "export", "--guild", str(GUILD)).stdout)
    # No zone configured: the bot's default (HUSTINGS_TIMEZONE, Europe/London: BST in June).
    assert exported["elections"][0]["timeline"]["nominations_open"] == "2026-06-01T08:00:00+00:00"
