"""3. Fifty concurrent admin edits while a source sync applies: no lost update, the database stays sound.

Fifty moderators add branches and edit candidates at the same moment as `/admin source sync` applies
a 400-row candidates sheet. Every admin edit must be in the database afterwards, with one audit row
each; the sync either applies whole (re-planning if an edit landed between its plan and its apply)
or fails whole and applies on its next run — never half — and `PRAGMA integrity_check` is ok.
"""

from __future__ import annotations

import asyncio

from bench.loopwatch import LoopWatch
from bot.app import HustingsBot
from bot.clock import ManualClock
from bot.services.imports import apply_import, load_demo_pack, plan_import
from bot.sim import DiscordSimulator, SimGuild
from bot.sim import permissions as perms
from bot.store import meta
from bot.store.database import Database
from tests.reliability.support import integrity, report, serve_feed, trials

EDITS = 50
SHEET_ROWS = 400


def sheet(trial: int) -> bytes:
    """A candidates sheet (the source's election is implied) with a bio that changes per trial."""
    rows = ["Name,Bio"] + [f"Sheet Candidate {i:03d},Statement {i} (version {trial})" for i in range(SHEET_ROWS)]
    return ("\n".join(rows) + "\n").encode()


async def test_admin_edits_during_a_sync_are_never_lost(
    sim: DiscordSimulator,
    guild: SimGuild,
    db: Database,
    clock: ManualClock,
    hustings: HustingsBot,
    loop_health: LoopWatch,
) -> None:
    plan = await plan_import(db, guild.id, load_demo_pack(clock.now()))
    await apply_import(db, guild.id, plan, actor_id=None, actor_name="test", now=clock.now())
    mods = [guild.add_member(f"mod{i:02d}", permissions=perms.MANAGE_GUILD) for i in range(EDITS)]
    rounds = trials(2)
    outcomes: list[str] = []
    async with serve_feed(sheet(0)) as feed:
        reply = await (
            await sim.invoke(
                mods[0],
                "/admin source add",
                {
                    "election": "ncwu-nec",
                    "kind": "candidates",
                    "url": feed.url,
                    "authoritative": False,
                },
            )
        ).response(timeout=10)
        assert "added" in reply.text.lower(), reply.text
        source_id = (await db.fetchone("SELECT id FROM sources WHERE guild_id = ?", (guild.id,)))[0]
        await hustings.services.sources.idle()  # the first read runs at once; let it finish
        for trial in range(1, rounds + 1):
            feed.body = sheet(trial)
            version_before = (await meta.get_version(db.reader, guild.id)).version
            sync = asyncio.create_task(hustings.services.sources.sync(guild.id, source_id))
            handles = []
            for i, mod in enumerate(mods):
                if i % 5 == 4:  # a fifth edit candidates the sheet does not carry
                    handles.append(
                        await sim.invoke(
                            mod,
                            "/admin candidate edit",
                            {
                                "candidate": "Aileen Marsh",
                                "election": "ncwu-nec",
                                "photo_url": f"https://example.org/photo-{trial}-{i}.jpg",
                            },
                        )
                    )
                else:
                    handles.append(await sim.invoke(mod, "/admin branch add", {"name": f"Edit {trial}-{i:02d}"}))
            replies = [await h.response(timeout=20) for h in handles]
            result = await sync
            outcomes.append(result.outcome.value + (f" ({result.error})" if result.error else ""))
            if result.outcome.value != "applied":  # it kept losing the race: it must apply on its next run
                result = await hustings.services.sources.sync(guild.id, source_id)
                outcomes.append(result.outcome.value)
            assert result.outcome.value == "applied", result

            failed = [
                r.text[:120]
                for r in replies
                if "✅" not in r.text
                and "added" not in r.text.lower()
                and "changed" not in r.text.lower()
                and "updated" not in r.text.lower()
            ]
            names = {r[0] for r in await db.fetchall("SELECT name FROM bodies WHERE guild_id = ?", (guild.id,))}
            missing = [
                f"Edit {trial}-{i:02d}" for i in range(EDITS) if i % 5 != 4 and f"Edit {trial}-{i:02d}" not in names
            ]
            bios = await db.fetchall(
                "SELECT c.bio FROM candidates c JOIN elections e ON e.id = c.election_id"
                " WHERE e.guild_id = ? AND c.name LIKE 'Sheet Candidate %'",
                (guild.id,),
            )
            stale = [b[0] for b in bios if not str(b[0]).endswith(f"(version {trial})")]
            audits = await db.fetchone(
                "SELECT COUNT(*) FROM audit_log WHERE guild_id = ? AND denied = 0 AND id > ?"
                " AND action IN ('branch.add', 'candidate.edit')",
                (guild.id, 0),
            )
            version_after = (await meta.get_version(db.reader, guild.id)).version
            assert failed == [], failed[:5]
            assert missing == [], missing[:5]
            assert len(bios) == SHEET_ROWS and stale == [], stale[:3]
            assert version_after >= version_before + EDITS + 1
            assert audits is not None and audits[0] >= EDITS * trial
    photo = await db.fetchone(
        "SELECT c.photo_url FROM candidates c JOIN elections e ON e.id = c.election_id"
        " WHERE e.guild_id = ? AND c.name = 'Aileen Marsh'",
        (guild.id,),
    )
    health = integrity(db.path)
    report(
        "concurrent edits during sync",
        trials=rounds,
        edits_per_trial=EDITS,
        sheet_rows=SHEET_ROWS,
        sync_outcomes=" / ".join(outcomes),
        integrity=health,
        violations=len(sim.violations),
    )
    assert photo is not None and str(photo[0]).startswith(f"https://example.org/photo-{rounds}-")
    assert health == "ok"
    assert sim.violations == []
