"""The connection layer both engines share (bot/store/engine.py): placeholders, rows, counts, shims."""

from __future__ import annotations

from bot.store.database import Database
from bot.store.engine import to_postgres


def test_placeholders_are_numbered_outside_quoted_text_only() -> None:
    sql = "SELECT ?, '?', \"a?\" FROM t WHERE x = ? AND y LIKE 'it''s ?' AND z = ?"
    assert to_postgres(sql) == "SELECT $1, '?', \"a?\" FROM t WHERE x = $2 AND y LIKE 'it''s ?' AND z = $3"


async def test_greatest_and_least_skip_nulls_on_either_engine(db: Database) -> None:
    row = await db.fetchone(
        "SELECT greatest(CAST(? AS BIGINT), 3, NULL) AS g, least(CAST(? AS TEXT), 'b') AS l,"
        " greatest(CAST(NULL AS TEXT), NULL) AS n",
        (5, "a"),
    )
    assert row is not None and (row["g"], row["l"], row["n"]) == (5, "a", None)


async def test_rows_counts_and_returning_read_alike(db: Database) -> None:
    async with db.transaction() as tx:
        cur = await tx.execute("INSERT INTO bot_state (key, value) VALUES (?, ?) RETURNING key", ("a", "1"))
        row = await cur.fetchone()
        assert row is not None and row["key"] == row[0] == "a" and list(row.keys()) == ["key"]
        assert (await tx.execute("UPDATE bot_state SET value = ? WHERE key = ?", ("2", "a"))).rowcount == 1
        assert (await tx.execute("DELETE FROM bot_state WHERE key = ?", ("nothing",))).rowcount == 0
        added = await tx.executemany(
            "INSERT INTO bot_state (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING", [("a", "x"), ("b", "y")]
        )
        assert added == 1  # only the new key counts
    assert [tuple(r) for r in await db.fetchall("SELECT key, value FROM bot_state ORDER BY key")] == [
        ("a", "2"),
        ("b", "y"),
    ]
