"""Files Hustings reads at run time (migrations, the demo pack), found with importlib.resources.

They ship inside the installed package, so a wheel, a zip or an editable checkout all work, from any
working directory. A damaged install that lacks one stops with `MissingResourceError` naming it, never
with an empty schema or a half-loaded demo.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

MIGRATIONS_PACKAGE = "bot.migrations"
DATA_PACKAGE = "bot.data"


class MissingResourceError(RuntimeError):
    """A file that ships with Hustings is not installed."""


def _reinstall(what: str) -> MissingResourceError:
    return MissingResourceError(
        f"this Hustings installation has no {what}; reinstall it (pip install --force-reinstall hustings, "
        "or rebuild the Docker image)"
    )


def migrations_folder(engine: str = "sqlite") -> Traversable:
    """The installed folder of numbered SQL migrations for `engine` ("sqlite": the package itself,
    "postgresql": its `postgresql` subpackage); raises when it is missing or holds none."""
    package = MIGRATIONS_PACKAGE if engine == "sqlite" else f"{MIGRATIONS_PACKAGE}.{engine}"
    try:
        folder = resources.files(package)
    except ModuleNotFoundError as exc:
        raise _reinstall(f"database migrations ({package})") from exc
    if not folder.is_dir() or not any(item.name.endswith(".sql") for item in folder.iterdir()):
        raise _reinstall(f"database migrations (no .sql files in {package})")
    return folder


def data_text(name: str) -> str:
    """The text of a data file shipped in `bot/data` (the demo pack)."""
    try:
        return resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise _reinstall(f"data file {name} ({DATA_PACKAGE})") from exc
