"""The benchmark harness works: each table runs at its tiniest size and produces figures.

No wall-clock assertions (machines differ); `python -m bench TABLE` gives the real figures.
"""

from __future__ import annotations

import pytest

from bench.report import Table
from bench.run import TABLES, measure

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", list(TABLES))
async def test_table_produces_figures(name: str) -> None:
    table = await measure(name, tiny=True)
    assert isinstance(table, Table) and table.key == name
    assert table.rows and all(len(row) == len(table.columns) for row in table.rows)
    assert "python -m bench" in table.command and table.markdown().count("|") > 10
    print(f"\n{table.markdown()}")
