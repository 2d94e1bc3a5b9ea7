"""The two migration trees give the same schema (issue #20 part 1), read back from each database.

Tables, columns (kind, nullability), primary keys, unique keys, foreign keys (with their ON DELETE),
the number of CHECK constraints, the explicitly created indexes and the triggers must match between
`migrations/*.sql` on SQLite and `migrations/postgresql/*.sql` on PostgreSQL. A migration added to one
tree only fails here. Runs on the PostgreSQL pass (the `db` fixture is the migrated server database).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.store.database import Database
from bot.store.migrations import discover, migrate

KIND = {"bigint": "INTEGER", "integer": "INTEGER", "text": "TEXT", "double precision": "REAL", "bytea": "BLOB"}
ON_DELETE = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


async def _sqlite_schema(db: Database) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    tables = await db.fetchall("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    for t in tables:
        name = t["name"]
        cols = await db.fetchall(f"PRAGMA table_info({name})")
        pk = tuple(c["name"] for c in sorted((c for c in cols if c["pk"]), key=lambda c: c["pk"]))
        columns = {c["name"]: (c["type"].upper(), bool(c["notnull"]) or c["name"] in pk) for c in cols}
        uniques = set()
        indexes = set()
        for index in await db.fetchall(f"PRAGMA index_list({name})"):
            keys = [r for r in await db.fetchall(f"PRAGMA index_xinfo({index['name']})") if r["key"]]
            if index["origin"] == "c":
                indexes.add(index["name"])
            if index["unique"] and index["origin"] != "pk":
                uniques.add(tuple(r["name"] or "expr" for r in keys))
        foreign = {
            (f["from"], f["table"], f["to"], f["on_delete"].upper())
            for f in await db.fetchall(f"PRAGMA foreign_key_list({name})")
        }
        checks = len(re.findall(r"\bCHECK\s*\(", t["sql"], flags=re.IGNORECASE))
        schema[name] = {
            "columns": columns,
            "pk": pk,
            "unique": uniques,
            "fk": foreign,
            "checks": checks,
            "idx": indexes,
        }
    schema["triggers"] = {r["name"] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    return schema


async def _postgres_schema(db: Database) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    tables = await db.fetchall("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    for t in tables:
        name = t["tablename"]
        cols = await db.fetchall(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            (name,),
        )
        columns = {c["column_name"]: (KIND[c["data_type"]], c["is_nullable"] == "NO") for c in cols}
        cons = await db.fetchall(
            "SELECT CAST(c.contype AS TEXT) AS contype, CAST(c.confdeltype AS TEXT) AS confdeltype,"
            " f.relname AS target,"
            " (SELECT array_agg(a.attname ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(num, n)"
            "  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num) AS cols,"
            " (SELECT array_agg(a.attname ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(num, n)"
            "  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num) AS fcols"
            " FROM pg_constraint c LEFT JOIN pg_class f ON f.oid = c.confrelid"
            " WHERE c.conrelid = to_regclass(CAST(? AS TEXT))",
            (name,),
        )
        pk = next((tuple(c["cols"]) for c in cons if c["contype"] == "p"), ())
        uniques = {tuple(c["cols"]) for c in cons if c["contype"] == "u"}
        foreign = {
            (c["cols"][0], c["target"], c["fcols"][0], ON_DELETE[c["confdeltype"]]) for c in cons if c["contype"] == "f"
        }
        checks = sum(1 for c in cons if c["contype"] == "c")
        indexes = set()
        for index in await db.fetchall(
            "SELECT i.relname AS name, x.indisunique AS uniq,"
            " (SELECT array_agg(coalesce(a.attname, 'expr') ORDER BY k.n)"
            "  FROM unnest(x.indkey) WITH ORDINALITY k(num, n)"
            "  LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.num) AS cols"
            " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " WHERE x.indrelid = to_regclass(CAST(? AS TEXT))"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            (name,),
        ):
            indexes.add(index["name"])
            if index["uniq"]:
                uniques.add(tuple(index["cols"]))
        schema[name] = {
            "columns": columns,
            "pk": pk,
            "unique": uniques,
            "fk": foreign,
            "checks": checks,
            "idx": indexes,
        }
    schema["triggers"] = {
        r["tgname"] for r in await db.fetchall("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
    }
    return schema


def test_both_trees_have_the_same_versions() -> None:
    sqlite = [(m.version, m.name) for m in discover()]
    postgresql = [(m.version, m.name) for m in discover(engine="postgresql")]
    assert sqlite == postgresql, "each migration needs its twin in migrations/postgresql/ (same number and name)"


async def test_both_trees_give_the_same_schema(db: Database, tmp_path) -> None:
    if db.engine != "postgresql":
        pytest.skip("compares with PostgreSQL: runs on the PostgreSQL pass (HUSTINGS_TEST_DATABASE)")
    sqlite = await Database.open(tmp_path / "parity.db")
    try:
        await migrate(sqlite)
        expected = await _sqlite_schema(sqlite)
    finally:
        await sqlite.close()
    found = await _postgres_schema(db)
    assert sorted(found) == sorted(expected)
    for table in sorted(expected):
        assert found[table] == expected[table], table
