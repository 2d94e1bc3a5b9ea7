"""Copy every table from one store to another (`hustings copy-store`): SQLite ⇄ PostgreSQL.

Rows keep their ids, so the custom ids on buttons already posted (pending changes, paged replies) and
the delivery ledger's keys still find their rows after the move. The target is migrated by its own
engine's tree to the same schema version first; the copy is one transaction on the target.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.store.database import Database
from bot.store.engine import Connection

#: Every table, parents before children (foreign keys), schema_migrations aside (each engine keeps its own).
TABLES = (
    "guild_settings",
    "bot_state",
    "data_versions",
    "bodies",
    "elections",
    "slates",
    "candidates",
    "nominations",
    "result_votes",
    "election_eligible_bodies",
    "publish_requests",
    "audit_log",
    "audit_prune",
    "announcements",
    "election_reminders",
    "subscriptions",
    "deliveries",
    "dm_channels",
    "removed_guilds",
    "sources",
    "source_holds",
    "pending_changes",
    "reply_keys",
    "hustings",
    "election_events_off",
    "scheduled_events",
    "election_vote_info",
    "questions",
    "question_votes",
    "question_threads",
    "hustings_interest",
    "candidate_members",
    "hustings_reminders",
    "question_channels",
    "election_hustings_post_off",
)

#: Tables whose `id` the database assigns (PostgreSQL's identity sequences move past the copied ids).
GENERATED_IDS = (
    "elections",
    "slates",
    "candidates",
    "bodies",
    "audit_log",
    "announcements",
    "subscriptions",
    "deliveries",
    "sources",
    "pending_changes",
    "reply_keys",
    "hustings",
    "questions",
    "hustings_reminders",
)


class TargetNotEmpty(Exception):
    """The target store already holds data (copy with `force` to replace it)."""


@dataclass
class CopyReport:
    """How many rows each table copied, and the guilds found."""

    rows: dict[str, int] = field(default_factory=dict)
    guilds: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Rows copied in all."""
        return sum(self.rows.values())


async def table_names(db: Database) -> set[str]:
    """The tables the store holds (schema_migrations aside)."""
    if db.engine == "postgresql":
        rows = await db.fetchall("SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()")
    else:
        rows = await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return {r["name"] for r in rows} - {"schema_migrations"}


async def counts(db: Database) -> dict[str, int]:
    """Rows per table."""
    out = {}
    for table in TABLES:
        row = await db.fetchone(f"SELECT count(*) FROM {table}")
        out[table] = int(row[0]) if row is not None else 0
    return out


async def guild_ids(db: Database) -> list[int]:
    """Every guild the store has data for."""
    rows = await db.fetchall(
        "SELECT guild_id FROM data_versions UNION SELECT guild_id FROM elections UNION SELECT guild_id FROM bodies"
        " UNION SELECT guild_id FROM guild_settings UNION SELECT guild_id FROM audit_log ORDER BY guild_id"
    )
    return [int(r[0]) for r in rows]


async def copy_store(source: Database, target: Database, *, force: bool = False) -> CopyReport:
    """Copy every row of `source` into `target` (both migrated to the same version by the caller).

    Refuses (`TargetNotEmpty`) a target holding any row unless `force`, which deletes its rows first.
    """
    unknown = await table_names(source) - set(TABLES)
    if unknown:  # a table added by a migration but not listed here would be silently left behind
        raise RuntimeError(f"copy-store does not know the tables {sorted(unknown)}: add them to TABLES")
    held = {t: n for t, n in (await counts(target)).items() if n}
    if held and not force:
        raise TargetNotEmpty(", ".join(f"{n} {t}" for t, n in held.items()))
    report = CopyReport(guilds=await guild_ids(source))
    async with target.transaction() as tx:
        if held:
            await _empty(tx)
        for table in TABLES:
            rows = await source.fetchall(f"SELECT * FROM {table}")
            report.rows[table] = len(rows)
            if not rows:
                continue
            columns = list(rows[0].keys())
            marks = ", ".join("?" for _ in columns)
            await tx.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                [tuple(r[c] for c in columns) for r in rows],
            )
        if target.engine == "postgresql":
            for table in GENERATED_IDS:  # the next id assigned follows the highest one copied
                await tx.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false)"
                    f" FROM {table}"
                )
    return report


async def _empty(tx: Connection) -> None:
    """Delete every row (children first); audit rows may go only below a cut-off set for their guild."""
    await tx.execute(
        "INSERT INTO audit_prune (guild_id, before) SELECT DISTINCT guild_id, '~' FROM audit_log WHERE true"
        " ON CONFLICT (guild_id) DO UPDATE SET before = excluded.before"
    )
    for table in reversed(TABLES):
        if table != "audit_prune":
            await tx.execute(f"DELETE FROM {table}")
    await tx.execute("DELETE FROM audit_prune")
