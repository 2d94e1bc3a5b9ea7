"""The `hustings` command line: run, migrate, import, export, demo, backup, restore, health, sandbox, sync."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import Settings, SettingsError

NO_TOKEN = (
    "No DISCORD_TOKEN is set: create an application at the Discord developer portal, copy its bot token "
    "into .env as DISCORD_TOKEN=..., or try everything without Discord using `hustings sandbox`."
)
CLI_ACTOR = "command line"


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    if getattr(args, "database", None):
        overrides["HUSTINGS_DATABASE"] = args.database
    return Settings(**overrides)


RESTORE_HINT = 'restore the latest good backup with `hustings restore BACKUP` (see "Running it in production")'
#: A heartbeat older than this means the bot is stuck or gone (it writes one every HEARTBEAT_EVERY seconds).
HEARTBEAT_STALE = 90.0
#: The delivery loop wakes at least every 5 minutes (its safety timer); allow two missed wakes.
TICK_STALE = 11 * 60.0


def _local_base(settings: Settings) -> Path:
    """Where the run lock and heartbeat live: beside a SQLite file, or `data/postgresql.*` for a server."""
    return settings.database if isinstance(settings.database, Path) else Path("data") / "postgresql"


def _shown(settings: Settings) -> str:
    """The database as an operator may see it: the path, or the URL without its password."""
    if isinstance(settings.database, Path):
        return str(settings.database)
    from bot.store.postgres import redact

    return redact(settings.database)


def _no_file_tool(settings: Settings, what: str) -> int | None:
    """Refuse (exit 2) a file-level tool on a PostgreSQL database, in one sentence; None on SQLite."""
    if not settings.on_postgres:
        return None
    print(
        f"`hustings {what}` copies SQLite files; back PostgreSQL up with pg_dump and pg_restore "
        "(or `hustings copy-store` to a SQLite file), see docs/scaling.md.",
        file=sys.stderr,
    )
    return 2


async def _open(settings: Settings):
    from bot.store.database import Database
    from bot.store.migrations import migrate

    db = await Database.open(settings.database)
    try:
        await migrate(db)
    except Exception:
        await db.close()
        raise
    return db


async def _open_current(settings: Settings, *, read_only: bool):
    """Open the database without migrating it; refuse one whose schema is not this code's."""
    from bot.store.database import Database
    from bot.store.migrations import require_current

    db = await Database.open(settings.database, read_only=read_only)
    try:
        await require_current(db)
    except BaseException:
        await db.close()
        raise
    return db


async def _cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    import discord

    from bot import logs
    from bot.app import HustingsBot, point_discord_at
    from bot.clock import clock_from_env

    if settings.discord_token is None:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    token = settings.discord_token.get_secret_value()
    logs.setup(settings.log_level, secrets=[token])
    point_discord_at(settings.discord_api, settings.discord_gateway)
    from bot.store.sidecar import Busy, RunLock

    # SQLite: one process per file. PostgreSQL: any number, one of which leads (bot.services.leader).
    lock = None if settings.on_postgres else RunLock(_local_base(settings))
    try:
        if lock is not None:
            lock.acquire()
    except Busy:
        print(f"Another Hustings is already running on {_shown(settings)}: stop it first.", file=sys.stderr)
        return 1
    try:
        from bot.store.database import Database, DatabaseUnavailable
        from bot.store.migrations import migrate

        try:
            db = await Database.open(settings.database)
        except DatabaseUnavailable as exc:
            hint = f": {RESTORE_HINT}" if "damaged" in str(exc) else ""
            print(f"{str(exc).rstrip('.')}{hint}.", file=sys.stderr)
            return 1
        try:
            problems = await db.check()  # before migrating: never build on a damaged file
            if not problems:
                await migrate(db)
            if problems:
                print(
                    f"The database {_shown(settings)} is damaged ({problems[0]}), so the bot won't start on it: "
                    f"{RESTORE_HINT}.",
                    file=sys.stderr,
                )
                return 1
            async with HustingsBot(
                settings=settings, db=db, clock=clock_from_env(), heartbeat=_local_base(settings)
            ) as bot:  # HUSTINGS_FAKE_NOW
                _stop_on_signals(bot, settings.stop_grace)
                try:
                    await bot.start(token)
                except discord.LoginFailure:
                    print(
                        "Discord refused the token in DISCORD_TOKEN: reset it in the developer portal.", file=sys.stderr
                    )
                    return 1
        finally:
            await db.close()
    finally:
        if lock is not None:
            lock.release()
    return 0


def _stop_on_signals(bot, grace: float) -> None:
    """SIGTERM (docker stop, systemd) and SIGINT stop the bot cleanly: no new sends, those in flight
    get `grace` seconds, then the gateway and the database close and `run` exits 0."""
    import logging
    import signal

    log = logging.getLogger("bot.cli")
    loop = asyncio.get_running_loop()
    stopping: list[asyncio.Task] = []

    def stop(name: str) -> None:
        if stopping:
            return  # already stopping; the wait is bounded
        log.warning("%s received: stopping (messages being sent get up to %.0fs to finish)", name, grace)
        stopping.append(loop.create_task(bot.close()))

    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop, sig.name)
        except (NotImplementedError, RuntimeError):
            # No asyncio signal handlers here (Windows, or not the main thread): Ctrl+C still ends the run
            # through KeyboardInterrupt, and sends it cuts off are recovered at the next start.
            log.warning("%s can't be caught here: stopping won't wait for messages being sent", sig.name)


async def _cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.store.database import Database
    from bot.store.migrations import migrate, status

    async with await Database.open(settings.database) as db:
        if args.status:
            state = await status(db)
            for version, name, at in state.applied:
                print(f"applied  {version:04d}_{name}  ({at})")
            for m in state.pending:
                print(f"pending  {m.version:04d}_{m.name}")
            print(f"schema version {state.current} of {state.latest}")
            return 0
        applied = await migrate(db)
        print(f"applied {len(applied)} migration(s)" if applied else "database is up to date")
    return 0


async def _cmd_copy_store(args: argparse.Namespace, settings: Settings) -> int:
    """Copy every guild's data from one store to another (SQLite file or PostgreSQL URL), then check
    that each guild's export and every table's row count match."""
    from bot.services.imports import export_pack
    from bot.store.copy import TargetNotEmpty, copy_store, counts
    from bot.store.database import Database, is_postgres_url
    from bot.store.migrations import migrate, require_current

    def where(text: str) -> str | Path:
        return text if is_postgres_url(text) else Path(text)

    source_at, target_at = where(args.source), where(args.target)
    if isinstance(source_at, Path) and isinstance(target_at, Path) and _same_file(source_at, target_at):
        print("The source and the target are the same database: name another target.", file=sys.stderr)
        return 2
    if source_at == target_at:
        print("The source and the target are the same database: name another target.", file=sys.stderr)
        return 2
    source = await Database.open(source_at, read_only=True)
    try:
        await require_current(source)  # never migrate the source: a bot may be running on it
        target = await Database.open(target_at)
        try:
            await migrate(target)
            try:
                report = await copy_store(source, target, force=args.force)
            except TargetNotEmpty as exc:
                print(
                    f"The target {target} already holds data ({exc}): copy into an empty database, "
                    "or add --force to replace everything in it.",
                    file=sys.stderr,
                )
                return 1
            mismatched = [
                g
                for g in report.guilds
                if await _export(export_pack, source, g) != await _export(export_pack, target, g)
            ]
            if mismatched or await counts(source) != await counts(target):
                what = f"guilds {', '.join(map(str, mismatched))}" if mismatched else "row counts"
                print(f"The copy in {target} does not match the source ({what} differ): don't use it.", file=sys.stderr)
                return 1
        finally:
            await target.close()
    finally:
        await source.close()
    guilds = len(report.guilds)
    print(
        f"copied {report.total} rows of {guilds} server{'s' if guilds != 1 else ''} from {source} to {target}; "
        "every server's export and every table's row count match"
    )
    return 0


async def _export(export_pack, db, guild_id: int):
    try:
        return await export_pack(db, guild_id)
    except LookupError:
        return None


def _read_pack(path: Path, kind: str | None, zone: str | None = None):
    from bot.services.imports import parse_csv, parse_pack_json, parse_upload

    data = path.read_bytes()
    if kind:
        return parse_csv(kind, data, path.name, zone=zone)
    if path.suffix.lower() in (".csv", ".tsv"):
        return parse_upload(path.name, data, zone=zone)  # the kind from the file name or its header
    return parse_pack_json(data, path.name, zone=zone)


def _problems(name: str, exc) -> int:
    """Every problem of a file on stderr, one a line, and exit code 2 (bad input: nothing was written)."""
    noun = "problem" if len(exc.issues) == 1 else "problems"
    print(f"{name}: {len(exc.issues)} {noun} found; nothing was imported:", file=sys.stderr)
    for issue in exc.issues:
        print(f"  {issue}", file=sys.stderr)
    return 2


async def _import(
    settings: Settings, guild: int, parse, dry_run: bool, source: str, *, replace: bool = False, yes: bool = False
) -> int:
    """Plan and apply a file; `parse(zone)` reads it, offset-less times in the guild's zone (from its settings)."""
    from bot.domain.import_rules import ImportMode
    from bot.packs.errors import PackError
    from bot.services.imports import apply_import, guild_zone, plan_file

    db = await _open(settings)
    try:
        zone = await guild_zone(db, guild, settings.timezone)
        try:
            plan = await plan_file(db, guild, lambda: parse(zone), mode=ImportMode.of(replace))
        except PackError as exc:
            return _problems(source.removeprefix("file "), exc)
        for line in plan.summary_lines():
            print(line)
        danger = plan.danger()
        large = f"this import {danger.describe().removeprefix('it ')}" if danger is not None else ""
        if plan.is_empty:
            print("nothing to change")
        elif dry_run:
            if danger is not None:
                print(f"warning: {large}; applying it will need --yes")
            print("dry run: nothing written")
        elif danger is not None and not yes:
            print(
                f"{large[:1].upper()}{large[1:]}, so nothing was written: check the file, then run the same "
                "command with --yes to apply it",
                file=sys.stderr,
            )
            return 2
        else:
            from bot.clock import SystemClock

            await apply_import(
                db, guild, plan, actor_id=None, actor_name=CLI_ACTOR, now=SystemClock().now(), source=source
            )
            print("imported")
    finally:
        await db.close()
    return 0


async def _cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.path)
    if not path.is_file():  # noqa: ASYNC240 - one-shot CLI, nothing else on the loop
        print(f"{path}: no such file", file=sys.stderr)
        return 1
    return await _import(
        settings,
        args.guild,
        lambda zone: _read_pack(path, args.kind, zone),
        args.dry_run,
        f"file {path.name}",
        replace=args.replace,
        yes=args.yes,
    )


async def _cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.clock import SystemClock
    from bot.services.imports import load_demo_pack

    pack = load_demo_pack(SystemClock().now())
    return await _import(settings, args.guild, lambda _zone: pack, False, "demo pack")


async def _cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services.imports import export_pack

    db = await _open_current(settings, read_only=True)
    try:
        pack = await export_pack(db, args.guild, args.election)
    except LookupError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        await db.close()
    json.dump(pack, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and a.exists() and a.samefile(b))
    except OSError:
        return False


def _is_database_file(live: Path, other: Path) -> bool:
    """`other` is the live database or one of SQLite's files beside it (-wal, -shm, -journal)."""
    return any(_same_file(live.with_name(live.name + suffix), other) for suffix in ("", "-wal", "-shm", "-journal"))


async def _checked_copy(source: Path, dest: Path) -> list[str]:
    """Copy `source` (opened read-only, not migrated) to `dest` through a temporary file, then run
    `integrity_check` on the copy; only a sound copy replaces `dest`. Returns the problems found."""
    import os

    from bot.store.database import Database

    tmp = dest.with_name(f".{dest.name}.partial")
    tmp.unlink(missing_ok=True)
    db = await Database.open(source, read_only=True)
    try:
        await db.backup(tmp)
    finally:
        await db.close()
    try:
        copy = await Database.open(tmp, read_only=True)
        try:
            problems = await copy.check(full=True)
        finally:
            await copy.close()
    except Exception as exc:
        problems = [str(exc)]
    if problems:
        tmp.unlink(missing_ok=True)
        return problems
    os.replace(tmp, dest)
    return []


async def _cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    if (refused := _no_file_tool(settings, "backup")) is not None:
        return refused
    dest, live = Path(args.dest), Path(settings.database)
    if _is_database_file(live, dest):
        print(f"{dest} is the live database itself: give the backup another file name.", file=sys.stderr)
        return 2
    from bot.store.database import Database
    from bot.store.migrations import require_current

    db = await Database.open(live, read_only=True)  # never migrated: the running bot owns its schema
    try:
        await require_current(db)
    finally:
        await db.close()
    dest.parent.mkdir(parents=True, exist_ok=True)
    problems = await _checked_copy(live, dest)
    if problems:
        print(
            f"Backup failed: the copy of {live} did not pass SQLite's integrity check ({problems[0]}), so the "
            f"database itself is damaged; {dest} was not written. Keep your previous backups and {RESTORE_HINT}.",
            file=sys.stderr,
        )
        return 1
    print(f"backed up {live} to {dest} (integrity check passed)")
    return 0


async def _cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    import os
    import time

    from bot.store.database import Database
    from bot.store.migrations import applied_version, discover
    from bot.store.sidecar import Busy, RunLock

    if (refused := _no_file_tool(settings, "restore")) is not None:
        return refused
    backup, live = Path(args.backup), Path(settings.database)
    if _is_database_file(live, backup):
        print(f"{backup} is the live database itself: name a backup file.", file=sys.stderr)
        return 2
    db = await Database.open(backup, read_only=True)
    try:
        problems = await db.check(full=True)
        version = await applied_version(db)
    finally:
        await db.close()
    if problems:
        print(f"{backup} is damaged ({problems[0]}): choose an older backup. Nothing was changed.", file=sys.stderr)
        return 1
    latest = discover()[-1].version
    if version == 0 or version > latest:
        what = "is not a Hustings database" if version == 0 else f"is from a newer Hustings (schema {version})"
        print(f"{backup} {what}. Nothing was changed.", file=sys.stderr)
        return 1
    try:
        lock = RunLock(live).acquire()
    except Busy:
        print(f"The bot is running on {live}: stop it, then restore. Nothing was changed.", file=sys.stderr)
        return 1
    try:
        live.parent.mkdir(parents=True, exist_ok=True)
        staged = live.with_name(f".{live.name}.restoring")
        problems = await _checked_copy(backup, staged)
        if problems:
            print(f"Copying {backup} failed its integrity check ({problems[0]}). Nothing was changed.", file=sys.stderr)
            return 1
        aside = None
        if live.exists():  # noqa: ASYNC240 - one-shot CLI, nothing else on the loop. Keep the replaced file (and its WAL, which may hold its latest writes) aside
            aside = live.with_name(f"{live.name}.replaced-{time.strftime('%Y%m%d-%H%M%S')}")
            for suffix in ("-wal", "-shm"):
                if live.with_name(live.name + suffix).exists():
                    os.replace(live.with_name(live.name + suffix), aside.with_name(aside.name + suffix))
            os.replace(live, aside)
        os.replace(staged, live)
    finally:
        lock.release()
    kept = f"; the replaced database is kept as {aside}" if aside else ""
    print(f"restored {live} from {backup}{kept}")
    if version < latest:
        print("the backup is from an older Hustings: `hustings run` will migrate it when the bot starts")
    return 0


async def _cmd_health(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from bot.store.database import Database
    from bot.store.sidecar import read_heartbeat

    live = settings.database
    beat = read_heartbeat(_local_base(settings))
    problems: list[str] = []
    if beat is None:
        problems.append("the bot has written no heartbeat (it is not running, or is still starting)")
    else:
        age = time.time() - beat.at
        if age > HEARTBEAT_STALE:
            problems.append(f"the bot's last heartbeat is {age:.0f}s old (it is stuck or stopped)")
        if not beat.gateway_connected:
            problems.append("the bot is not connected to Discord")
        if beat.last_tick is None or time.time() - beat.last_tick > TICK_STALE:
            problems.append("the delivery loop has not run recently")
        if not beat.database_ok:
            problems.append(f"the bot can't save to its database ({beat.problem or 'see its log'})")
    db = await Database.open(live, read_only=True)
    try:
        await db.fetchone("SELECT 1" if db.engine == "postgresql" else "SELECT count(*) FROM sqlite_master")
    finally:
        await db.close()
    if problems:
        print("unhealthy: " + "; ".join(problems), file=sys.stderr)
        return 1
    print("healthy")
    return 0


async def _cmd_sandbox(args: argparse.Namespace, settings: Settings) -> int:
    from bot.sandbox.main import run_sandbox

    return await run_sandbox(database=args.database, commands=args.run or [], output=args.output)


async def _cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    from bot.clock import SystemClock
    from bot.domain.sources import Outcome
    from bot.render.sources import report_text
    from bot.services.sources.commands import SourceService

    db = await _open_current(settings, read_only=False)  # writes, but never migrates under the bot
    service = SourceService(db, SystemClock(), settings)
    try:
        chosen = [s for s in await service.for_guild(args.guild) if args.source in (None, s.id)]
        if not chosen:
            print(
                f"no source #{args.source} on server {args.guild}"
                if args.source
                else f"server {args.guild} has no sources (add one with /admin source add)",
                file=sys.stderr,
            )
            return 1
        failed = False
        for source in chosen:
            report = await service.run(source.id, manual=True)
            print("\n".join(report_text(report)))
            failed |= report.outcome is Outcome.FAILED
    finally:
        await service.stop()
        await db.close()
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="hustings", description="Hustings: a Discord bot for committee elections.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="migrate the database, then start the bot (needs DISCORD_TOKEN)")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("migrate", help="apply pending database migrations")
    p.add_argument("--status", action="store_true", help="show applied and pending migrations; change nothing")
    p.set_defaults(func=_cmd_migrate)

    p = sub.add_parser("import", help="load an election pack (JSON) or a CSV file into a server")
    p.add_argument(
        "path", help="pack.json, or candidates.csv / bodies.csv / nominations.csv / results.csv / eligible.csv"
    )
    p.add_argument("--guild", type=int, required=True, help="Discord server (guild) id")
    p.add_argument(
        "--kind",
        choices=["candidates", "bodies", "nominations", "results", "eligible"],
        help="what a CSV file holds (default: taken from its file name)",
    )
    p.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    p.add_argument(
        "--replace",
        action="store_true",
        help="also remove what the file leaves out, within the elections it names (default: add and update only)",
    )
    p.add_argument("--yes", action="store_true", help="apply even if it removes more than 20%% of an election's rows")
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("export", help="write a server's election pack (JSON) to standard output")
    p.add_argument("--guild", type=int, required=True, help="Discord server (guild) id")
    p.add_argument("--election", help="only this election (slug)")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("demo", help="load the bundled demo pack (NEC 2018 result and a live fictional election)")
    p.add_argument("--guild", type=int, required=True, help="Discord server (guild) id")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser(
        "copy-store", help="copy every server's data from one database to another (SQLite file or PostgreSQL URL)"
    )
    p.add_argument("source", help="the database to copy: a SQLite file or a postgresql:// URL (left unchanged)")
    p.add_argument("target", help="the database to fill: a SQLite file or a postgresql:// URL (migrated first)")
    p.add_argument("--force", action="store_true", help="replace whatever the target holds")
    p.set_defaults(func=_cmd_copy_store)

    p = sub.add_parser("backup", help="write a checked copy of the live database (safe while the bot runs)")
    p.add_argument("dest", help="file to write the copy to")
    p.set_defaults(func=_cmd_backup)

    p = sub.add_parser("restore", help="replace the database with a backup (stop the bot first)")
    p.add_argument("backup", help="a file written by `hustings backup`")
    p.set_defaults(func=_cmd_restore)

    p = sub.add_parser("health", help="exit 0 if the running bot is connected, saving and delivering, else 1")
    p.set_defaults(func=_cmd_health)

    p = sub.add_parser("sandbox", help="try the bot in the terminal against a local simulated Discord")
    p.add_argument(
        "--run",
        action="append",
        metavar="COMMAND",
        help='run a command non-interactively, e.g. "/candidate name: Yasmine Dar" (repeatable)',
    )
    p.add_argument("--database", help="keep the sandbox's state in this file between runs")
    p.add_argument("--output", default="sandbox-output", help="folder for charts and attachments")
    p.set_defaults(func=_cmd_sandbox)

    p = sub.add_parser("sync", help="read a server's sources now (published sheets or feeds) and apply changes")
    p.add_argument("--guild", type=int, required=True, help="Discord server (guild) id")
    p.add_argument("--source", type=int, help="only this source (its number in /admin source list)")
    p.set_defaults(func=_cmd_sync)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `hustings` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = _settings(args) if args.command != "sandbox" else Settings()
    except SettingsError as exc:
        for name, why in exc.problems:
            print(f"configuration error in {name}: {why}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(args.func(args, settings))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a clean one-line message for operators; tracebacks are for logs
        import sqlite3

        from bot.resources import MissingResourceError
        from bot.store.database import DatabaseUnavailable, describe_failure
        from bot.store.migrations import MigrationError

        if isinstance(exc, MissingResourceError):  # a damaged install: nothing the operator's data can fix
            print(f"hustings: {exc}", file=sys.stderr)
            return 2
        if isinstance(exc, MigrationError | OSError | DatabaseUnavailable):
            print(f"hustings: {exc}", file=sys.stderr)
            return 1
        if isinstance(exc, sqlite3.Error):  # e.g. a file damaged past its first pages: found when read
            print(f"hustings: {describe_failure(settings.database, exc)}", file=sys.stderr)
            return 1
        raise
