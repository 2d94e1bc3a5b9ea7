"""#15 item 5 (and 7): the disk fills, the file turns read-only, another program holds the lock past the
busy timeout, the database file is deleted under the running bot; and `hustings health` on a live bot.

Members must get a sentence saying nothing was saved (never "something went wrong"), the log says it
once per streak, a post that fell due meanwhile is recorded with the true reason, no acknowledged
write is lost, and once storage recovers the same commands work.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import sys
from datetime import timedelta

import pytest

from bot.app import CANNOT_SAVE, HustingsBot
from bot.clock import ManualClock
from bot.services.health import HeartbeatWriter
from bot.services.imports import apply_import, load_demo_pack, plan_import
from bot.sim import DiscordSimulator, SimGuild
from bot.sim import permissions as perms
from bot.store.database import Database
from tests.reliability.support import report, trials
from tests.reliability.test_write_lock import hold_write_lock

BAD = ("database is locked", "something went wrong", "ref `")


async def _demo(db: Database, guild: SimGuild, clock: ManualClock) -> None:
    plan = await plan_import(db, guild.id, load_demo_pack(clock.now()))
    await apply_import(db, guild.id, plan, actor_id=None, actor_name="test", now=clock.now())


async def _say(sim: DiscordSimulator, who, command: str, options: dict | None = None) -> str:
    handle = await sim.invoke(who, command, dict(options or {}))
    reply = await handle.response(timeout=30)
    assert not reply.loading
    return " ".join([reply.text, *(str(e.get("description", "")) for e in reply.embeds)])


async def _fill_disk(db: Database) -> None:
    """Make the writer connection's database 'full': SQLite's max_page_count, then fill the free space."""
    w = db._writer  # the test plays the disk, so it reaches past the store's API (between transactions)
    async with db._write_lock:
        await w.execute("CREATE TABLE IF NOT EXISTS filler (b BLOB)")
        async with w.execute("PRAGMA page_count") as cur:
            (pages,) = await cur.fetchone()  # type: ignore[misc]
        await w.execute(f"PRAGMA max_page_count = {pages}")
        for size in (4096, 512, 64, 8, 1):
            while True:
                try:
                    await w.execute("INSERT INTO filler VALUES (zeroblob(?))", (size,))
                except sqlite3.OperationalError:
                    break


async def _free_disk(db: Database) -> None:
    async with db._write_lock:
        await db._writer.execute("PRAGMA max_page_count = 1073741823")
        await db._writer.execute("DELETE FROM filler")


async def _read_only(db: Database, on: bool) -> None:
    async with db._write_lock:
        await db._writer.execute(f"PRAGMA query_only = {'ON' if on else 'OFF'}")


async def _until(engine, condition, within: float = 20.0) -> None:
    """Wait for the delivery engine's passes until `condition()` holds."""
    async with asyncio.timeout(within):
        while not condition():
            engine._changed.clear()
            await engine._changed.wait()


@pytest.mark.sqlite_only(reason="disk full and read-only are SQLite file states (PRAGMA max_page_count, query_only)")
@pytest.mark.parametrize("fault", ["disk full", "read-only"])
async def test_storage_that_refuses_writes_says_so_backs_off_and_loses_nothing(
    sim: DiscordSimulator,
    guild: SimGuild,
    db: Database,
    clock: ManualClock,
    hustings: HustingsBot,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    await _demo(db, guild, clock)
    mod = guild.add_member("mod", permissions=perms.MANAGE_GUILD)
    members = [guild.add_member(f"member{i}") for i in range(4)]
    engine = hustings.services.delivery
    rounds = trials(2)
    for trial in range(rounds):
        caplog.clear()
        text = await _say(
            sim,
            mod,
            "/announce schedule",
            {"channel": guild.channel("announcements"), "when": "in 30m", "message": f"Hustings tonight {trial}"},
        )
        assert "something went wrong" not in text, text
        if fault == "disk full":
            await _fill_disk(db)
        else:
            await _read_only(db, True)
        with caplog.at_level(logging.INFO):
            if fault == "disk full":
                # max_page_count refuses only writes that need a new page: long posts always do
                long = {"channel": guild.channel("announcements"), "when": "in 3h"}
                answers = [
                    await _say(sim, mod, "/announce schedule", {**long, "message": f"t{trial}n{i} " + "x" * 1780})
                    for i in range(8)
                ]
                # the first may still fit the room left in a page; once the disk is full, every one is refused
                saved = answers.index(CANNOT_SAVE)
                refused = answers[saved:]
                assert len(refused) >= 5 and not any(b in a for a in answers[:saved] for b in BAD), answers
            else:
                refused = [await _say(sim, m, "/remind deadlines") for m in members]
                refused.append(await _say(sim, mod, "/admin config timezone", {"zone": "Europe/Dublin"}))
                # Two hours pass with the file read-only: the post falls due and its grace window (60 min) ends.
                clock.advance(timedelta(hours=2))
                await _until(engine, lambda: engine._unsaved_since is not None)
        for text in refused:
            assert text == CANNOT_SAVE, text
        errors = [r for r in caplog.records if "can't be written" in r.getMessage()]
        tracebacks = [r for r in caplog.records if r.exc_info and r.name.startswith("bot")]
        assert len(errors) == 1 and tracebacks == [], [r.getMessage() for r in caplog.records]

        if fault == "disk full":
            await _free_disk(db)
        else:
            await _read_only(db, False)
        engine.kick()
        await engine.settled(within=90)
        if fault == "disk full":
            long_rows = await db.fetchall("SELECT 1 FROM announcements WHERE content LIKE ?", (f"t{trial}n%",))
            assert len(long_rows) == saved  # every acknowledged post is there, no refused one is
            continue
        row = await db.fetchone(
            "SELECT d.status, d.reason FROM deliveries d JOIN announcements a ON a.id = d.source_id"
            " WHERE d.source = 'announcement' AND a.content = ?",
            (f"Hustings tonight {trial}",),
        )
        assert row is not None and row["status"] == "missed", row and dict(row)
        assert "couldn't save" in row["reason"] and "offline" not in row["reason"]
        # Nothing was acknowledged while it was full, so nothing is missing; now the same writes work.
        for m in members:
            assert "can't save" not in await _say(sim, m, "/remind deadlines")
        subs = await db.fetchall("SELECT DISTINCT user_id FROM subscriptions WHERE guild_id = ?", (guild.id,))
        assert {m.id for m in members} <= {r[0] for r in subs}
        async with db.transaction() as tx:
            await tx.execute("DELETE FROM subscriptions WHERE guild_id = ?", (guild.id,))
    report(f"storage refuses writes ({fault})", trials=rounds, violations=len(sim.violations))
    assert sim.violations == []


@pytest.mark.sqlite_only(reason="SQLite's file lock and busy timeout")
async def test_a_lock_held_past_the_busy_timeout_waits_inside_the_deferred_interaction(
    sim: DiscordSimulator, guild: SimGuild, db: Database, clock: ManualClock, hustings: HustingsBot
) -> None:
    await _demo(db, guild, clock)
    members = [guild.add_member(f"member{i}") for i in range(3)]
    await db._writer.execute("PRAGMA busy_timeout = 300")  # the 10 s timeout, scaled down
    rounds = trials(1)
    for _ in range(rounds):
        locker = await hold_write_lock(str(db.path), 2.0)
        texts = await asyncio.gather(*(_say(sim, m, "/remind deadlines") for m in members))
        await asyncio.wait_for(locker.wait(), 15)
        for text in texts:
            assert not any(b in text for b in BAD), text
        subs = await db.fetchall("SELECT DISTINCT user_id FROM subscriptions WHERE guild_id = ?", (guild.id,))
        assert {m.id for m in members} <= {r[0] for r in subs}
        async with db.transaction() as tx:
            await tx.execute("DELETE FROM subscriptions WHERE guild_id = ?", (guild.id,))
    report("lock held past busy timeout", trials=rounds, violations=len(sim.violations))
    assert sim.violations == []


@pytest.mark.sqlite_only(reason="a SQLite file deleted under the bot")
async def test_a_database_deleted_under_the_bot_refuses_writes_and_says_so(
    sim: DiscordSimulator,
    guild: SimGuild,
    db: Database,
    clock: ManualClock,
    hustings: HustingsBot,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _demo(db, guild, clock)
    mod = guild.add_member("mod", permissions=perms.MANAGE_GUILD)
    member = guild.add_member("member")
    heartbeat = HeartbeatWriter(db.path, db, connected=lambda: True, last_tick=lambda: None)
    assert heartbeat.beat().database_ok
    db.path.unlink()  # an operator's `rm`, or a volume re-mounted under the container
    with caplog.at_level(logging.INFO):
        texts = [
            await _say(sim, member, "/remind deadlines"),
            await _say(sim, mod, "/admin config timezone", {"zone": "Europe/Dublin"}),
            await _say(sim, member, "/remind deadlines"),
        ]
    assert texts == [CANNOT_SAVE] * 3
    alerts = [r for r in caplog.records if "deleted or replaced" in r.getMessage()]
    assert len(alerts) == 1 and alerts[0].levelno >= logging.ERROR
    beat = heartbeat.beat()
    assert not beat.database_ok and "deleted" in (beat.problem or "")
    # reads still answer from the open file
    assert "something went wrong" not in await _say(sim, member, "/candidate", {"name": "Aileen Marsh"})


@pytest.mark.sqlite_only(reason="the heartbeat is written beside the SQLite file this test names")
async def test_health_of_a_running_bot(
    sim: DiscordSimulator, guild: SimGuild, db: Database, clock: ManualClock, hustings: HustingsBot, tmp_path
) -> None:
    engine = hustings.services.delivery
    engine.kick()
    await engine.settled()
    assert engine.last_tick is not None
    writer = HeartbeatWriter(
        db.path,
        db,
        connected=lambda: hustings.is_ready() and not hustings.gateway_down(),
        last_tick=lambda: engine.last_tick,
    )
    writer.start()
    await asyncio.sleep(0)

    async def health() -> tuple[int, str]:
        env = {"HUSTINGS_DATABASE": str(db.path), "PATH": ""}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "health",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        return proc.returncode or 0, (out + err).decode()

    code, text = await health()
    assert code == 0, text
    await writer.stop()  # a stopped bot never reads as healthy
    code, text = await health()
    assert code == 1 and "no heartbeat" in text
