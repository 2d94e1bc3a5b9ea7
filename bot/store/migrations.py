"""Numbered SQL migrations, each applied in one transaction together with its version row.

Each engine has its own tree: `migrations/NNNN_*.sql` for SQLite and `migrations/postgresql/NNNN_*.sql`
for PostgreSQL, numbered alike (version N is the same schema on both; tests/store/test_schema_parity.py
checks it). The applied version is kept in the database's `schema_migrations` table.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources.abc import Traversable

from bot.resources import MissingResourceError, migrations_folder
from bot.store.database import Database
from bot.store.engine import Connection

#: The advisory lock key migrations hold (small keys are process-wide locks; guild locks use snowflakes).
MIGRATION_LOCK = 1

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(RuntimeError):
    """The database cannot be brought to the code's schema."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered migration file."""

    version: int
    name: str
    path: Traversable

    def statements(self) -> list[str]:
        """Split the file into statements (executescript would commit first, so we split ourselves)."""
        out: list[str] = []
        buf = ""
        for line in self.path.read_text(encoding="utf-8").splitlines(keepends=True):
            if not buf and (not line.strip() or line.lstrip().startswith("--")):
                continue
            buf += line
            if sqlite3.complete_statement(buf):
                out.append(buf.strip())
                buf = ""
        if buf.strip():
            raise MigrationError(f"{self.path.name}: unterminated statement at the end of the file")
        return out


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    """Which migrations are applied and which are pending."""

    applied: list[tuple[int, str, str]]  # (version, name, applied_at)
    pending: list[Migration]
    current: int
    latest: int


def discover(directory: Traversable | None = None, engine: str = "sqlite") -> list[Migration]:
    """Find the migration files in order; numbers must be unique and contiguous from 1.

    `directory` defaults to the installed migrations of `engine`; a missing or empty one raises
    `MissingResourceError` rather than passing for "up to date".
    """
    folder = directory if directory is not None else migrations_folder(engine)
    found: list[Migration] = []
    for path in sorted((p for p in folder.iterdir() if p.name.endswith(".sql")), key=lambda p: p.name):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"migration file {path.name} is not named NNNN_description.sql")
        found.append(Migration(int(match.group(1)), match.group(2), path))
    if not found:  # never let an empty folder pass for "up to date"
        raise MissingResourceError(f"this Hustings installation has no database migrations in {folder.name}")
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(f"migration {expected:04d} is missing (found {migration.path.name})")
    return found


async def _ensure_table(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.lock(MIGRATION_LOCK)
        await tx.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )


async def status(db: Database, directory: Traversable | None = None) -> MigrationStatus:
    """Report applied and pending migrations."""
    await _ensure_table(db)
    migrations = discover(directory, db.engine)
    rows = await db.fetchall("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
    applied = [(r["version"], r["name"], r["applied_at"]) for r in rows]
    current = applied[-1][0] if applied else 0
    latest = migrations[-1].version if migrations else 0
    return MigrationStatus(applied, [m for m in migrations if m.version > current], current, latest)


async def migrate(db: Database, directory: Traversable | None = None) -> list[Migration]:
    """Apply pending migrations in order and return them; refuse a database newer than the code."""
    state = await status(db, directory)
    if state.current > state.latest:
        raise MigrationError(
            f"the database is at schema version {state.current}, newer than this Hustings "
            f"(knows up to {state.latest}); upgrade Hustings or restore a backup"
        )
    for migration in state.pending:
        # PostgreSQL runs a whole file as one script (function bodies hold semicolons); DDL is
        # transactional there, so the file and its version row still commit together.
        statements = migration.statements() if db.engine == "sqlite" else [migration.path.read_text(encoding="utf-8")]
        async with db.transaction() as tx:
            await tx.lock(MIGRATION_LOCK)  # two processes starting at once migrate one after the other
            if db.engine != "sqlite" and await _applied(tx, migration.version):
                continue
            for statement in statements:
                await tx.execute(statement)
            await tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, datetime.now(UTC).isoformat(timespec="seconds")),
            )
            if db.engine == "sqlite":
                await tx.execute(f"PRAGMA user_version = {migration.version}")
    return state.pending


async def _applied(tx: Connection, version: int) -> bool:
    async with tx.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)) as c:
        return await c.fetchone() is not None


async def applied_version(db: Database) -> int:
    """The schema version the database is at, read without writing anything (0 for an empty file)."""
    if not await db.has_table("schema_migrations"):
        return 0
    row = await db.fetchone("SELECT max(version) AS v FROM schema_migrations")
    return int(row["v"] or 0) if row is not None else 0


async def require_current(db: Database, directory: Traversable | None = None) -> None:
    """Refuse (MigrationError) a database whose schema is not exactly this code's: never migrate it here.

    Tools that run beside the bot (backup, export, sync) must not upgrade the running bot's schema under it.
    """
    current, latest = await applied_version(db), discover(directory, db.engine)[-1].version
    if current < latest:
        raise MigrationError(
            f"the database {db} is at schema version {current} and this Hustings needs {latest}: "
            "stop the bot, then run `hustings migrate` (or start the new version with `hustings run`)"
        )
    if current > latest:
        raise MigrationError(
            f"the database {db} is at schema version {current}, newer than this Hustings "
            f"(knows up to {latest}): use the Hustings version the bot runs"
        )
