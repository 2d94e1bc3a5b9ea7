"""The `hustings` command line: run, migrate, import, export, demo, backup, sandbox, sync."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from bot.config import Settings

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
    db = await _open(settings)
    try:
        async with HustingsBot(settings=settings, db=db, clock=clock_from_env()) as bot:  # HUSTINGS_FAKE_NOW
            _stop_on_signals(bot, settings.stop_grace)
            try:
                await bot.start(token)
            except discord.LoginFailure:
                print("Discord refused the token in DISCORD_TOKEN: reset it in the developer portal.", file=sys.stderr)
                return 1
    finally:
        await db.close()
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
        except (NotImplementedError, RuntimeError):  # platforms without asyncio signal support
            pass


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


def _read_pack(path: Path, kind: str | None, zone: str | None = None):
    from bot.services.imports import parse_csv, parse_pack_json, parse_upload

    data = path.read_bytes()
    if kind:
        return parse_csv(kind, data, path.name, zone=zone)
    if path.suffix.lower() in (".csv", ".tsv"):
        return parse_upload(path.name, data, zone=zone)  # the kind from the file name or its header
    return parse_pack_json(data, path.name, zone=zone)


async def _guild_zone(settings: Settings, guild: int) -> str:
    """The server's configured time zone (else the bot's), in which a file's offset-less times are read."""
    from bot.services.imports import guild_zone

    db = await _open(settings)
    try:
        return await guild_zone(db, guild, settings.timezone)
    finally:
        await db.close()


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
    from bot.domain.import_rules import ImportMode
    from bot.packs.errors import PackError
    from bot.services.imports import apply_import, plan_file

    db = await _open(settings)
    try:
        try:
            plan = await plan_file(db, guild, parse, mode=ImportMode.of(replace))
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
    zone = await _guild_zone(settings, args.guild)
    return await _import(
        settings,
        args.guild,
        lambda: _read_pack(path, args.kind, zone),
        args.dry_run,
        f"file {path.name}",
        replace=args.replace,
        yes=args.yes,
    )


async def _cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.clock import SystemClock
    from bot.services.imports import load_demo_pack

    pack = load_demo_pack(SystemClock().now())
    return await _import(settings, args.guild, lambda: pack, False, "demo pack")


async def _cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services.imports import export_pack

    db = await _open(settings)
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


async def _cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    db = await _open(settings)
    try:
        await db.backup(args.dest)
    finally:
        await db.close()
    print(f"backed up {settings.database} to {args.dest}")
    return 0


async def _cmd_sandbox(args: argparse.Namespace, settings: Settings) -> int:
    from bot.sandbox.main import run_sandbox

    return await run_sandbox(database=args.database, commands=args.run or [], output=args.output)


async def _cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    from bot.clock import SystemClock
    from bot.domain.sources import Outcome
    from bot.render.sources import report_text
    from bot.services.sources import SourceService

    db = await _open(settings)
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

    p = sub.add_parser("backup", help="write a consistent copy of the live database")
    p.add_argument("dest", help="file to write the copy to")
    p.set_defaults(func=_cmd_backup)

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
    except ValidationError as exc:
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "settings"
            print(f"configuration error in {field}: {err['msg']}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(args.func(args, settings))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a clean one-line message for operators; tracebacks are for logs
        from bot.resources import MissingResourceError
        from bot.store.migrations import MigrationError

        if isinstance(exc, MissingResourceError):  # a damaged install: nothing the operator's data can fix
            print(f"hustings: {exc}", file=sys.stderr)
            return 2
        if isinstance(exc, MigrationError | OSError):
            print(f"hustings: {exc}", file=sys.stderr)
            return 1
        raise
