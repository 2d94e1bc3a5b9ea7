"""#19: start-up imports only what serving needs; chart drawing and calendars load on first use."""

from __future__ import annotations

import subprocess
import sys

#: Loaded on first use: Pillow and the fonts with the first chart, icalendar with the first calendar file,
#: asyncpg with a PostgreSQL store; pydantic never.
LAZY = ("PIL", "matplotlib", "bot.render.chartdraw", "icalendar", "asyncpg", "pydantic")


def test_loading_the_bot_and_its_extensions_imports_no_drawing_or_calendar_library() -> None:
    code = (
        "import importlib, sys, bot.app, bot.cli\n"
        "for name in bot.app.EXTENSIONS: importlib.import_module(name)\n"
        f"print(sorted(m for m in {LAZY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_drawing_a_chart_loads_the_drawing_code() -> None:
    code = (
        "import sys\n"
        "from bot.render.charts import Bar, bar_chart\n"
        "assert bar_chart([Bar('Ann', 1)], title='t', xlabel='x').startswith(b'\\x89PNG')\n"
        "print('bot.render.chartdraw' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "False"]
