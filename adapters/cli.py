"""The `cxbot` command: serve, migrate, roles, outbox, export, chat, teams-package."""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import signal
import socket
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from aiohttp import web
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from adapters import export, logs
from adapters.slack.settings import SlackSettings
from adapters.teams.settings import TeamsSettings
from bot.people import (
    Role,
    SlackOrganisations,
    slack_identity,
    slack_parts,
    teams_identity,
    teams_parts,
    valid_identity,
)
from bot.settings import Settings, explain
from storage import outbox
from storage import people as people_store
from storage import roles as role_store
from storage.db import Database
from storage.migrate import migrate

log = logging.getLogger("cxbot")


def _setup_logging(settings: Settings, platforms: Platforms) -> None:
    logs.install(settings.log_level, secrets=(*platforms.slack.secrets, *platforms.teams.secrets))
    # Alembic says "Context impl SQLiteImpl" on every start; only its warnings matter here.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # APScheduler says "Running job …" every time; cxbot logs each run's outcome itself.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cxbot", description="IT requests tracked like parcels.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the bot (HTTP server on $PORT)")
    commands.add_parser("migrate", help="bring the database schema up to date")
    roles = commands.add_parser("roles", help="grant, revoke or list roles")
    actions = roles.add_subparsers(dest="action", required=True)
    for name in ("grant", "revoke"):
        sub = actions.add_parser(name, help=f"{name} a role")
        sub.add_argument("role", choices=[r.value for r in Role])
        sub.add_argument(
            "identity",
            help="platform identity, e.g. slack:T0123:U0456 or teams:<tenant id>:<object id>",
        )
    actions.add_parser("list", help="who holds which role")
    box = commands.add_parser("outbox", help="messages waiting to be sent")
    box_actions = box.add_subparsers(dest="action", required=True)
    box_actions.add_parser("status", help="counts by state, oldest waiting, last errors")
    again = box_actions.add_parser("retry", help="send a given-up message again")
    again.add_argument("id", type=int)
    package = commands.add_parser(
        "teams-package", help="write the app package a Teams admin uploads"
    )
    package.add_argument(
        "--out", default="cxbot-teams.zip", help="where to write it (a file, or a folder)"
    )
    export.add_parser(commands)
    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument(
        "--as",
        dest="identity",
        default="alex",
        help="who you are: a name (alex by default; it stands for console:local:alex)"
        " or a platform identity, e.g. slack:T1:U1",
    )
    return parser


@dataclass(frozen=True)
class Platforms:
    slack: SlackSettings
    teams: TeamsSettings


def _read_settings() -> tuple[Settings, Platforms] | None:
    """Every setting from the environment; None, with one line per wrong one, if any is."""
    lines: list[str] = []
    read: dict[type[BaseSettings], BaseSettings] = {}
    for kind in (Settings, SlackSettings, TeamsSettings):
        try:
            read[kind] = kind()
        except ValidationError as error:
            lines += explain(error, kind)
    for line in lines:
        print(f"cxbot: {line}", file=sys.stderr)
    if lines:
        return None
    return cast(Settings, read[Settings]), Platforms(
        cast(SlackSettings, read[SlackSettings]), cast(TeamsSettings, read[TeamsSettings])
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    found = _read_settings()
    if found is None:
        return 2
    settings, platforms = found
    _setup_logging(settings, platforms)
    try:
        if args.command == "serve":
            return serve(settings, platforms)
        if args.command == "teams-package":
            return _teams_package(platforms.teams, args.out)
        if args.command == "migrate":
            return asyncio.run(_migrate(settings))
        if args.command == "roles":
            return asyncio.run(_roles(settings, args))
        if args.command == "outbox":
            return asyncio.run(_outbox(settings, args))
        if args.command == "chat":
            return asyncio.run(_chat(settings, args.identity))
        if args.command == "export":
            return asyncio.run(export.run(args, database=lambda: _database(settings)))
    except KeyboardInterrupt:
        return 130
    except OSError as error:
        print(f"cxbot: {error}", file=sys.stderr)
        return 1
    return 2


def _teams_package(teams: TeamsSettings, out: str) -> int:
    from adapters.teams.package import package_problems, write_package

    problems = package_problems(teams)
    for line in problems:
        print(f"cxbot: {line}", file=sys.stderr)
    if problems:
        return 1
    written = write_package(teams, Path(out))
    print(f"wrote {written}: upload it in Teams admin center › Manage apps › Upload new app")
    return 0


def serve(settings: Settings, platforms: Platforms | None = None) -> int:
    asyncio.run(_check_database(settings))
    try:
        listener = _bind(settings.host, settings.port)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            print(
                f"cxbot: port {settings.port} is already in use; set PORT to a free one",
                file=sys.stderr,
            )
        else:
            reason = error.strerror or error
            print(
                f"cxbot: cannot listen on {settings.host}:{settings.port}: {reason}",
                file=sys.stderr,
            )
        return 1
    platforms = platforms or Platforms(SlackSettings(), TeamsSettings())
    return asyncio.run(_serve(settings, platforms, listener))


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, taken before anything starts: a port in use stops us at once."""
    family, *_ = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    return socket.create_server((host, port), family=family, backlog=128)


async def _serve(settings: Settings, platforms: Platforms, listener: socket.socket) -> int:
    """Runs the server on the bound socket until SIGTERM or SIGINT, then stops it gracefully."""
    from adapters.web import create_app

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    runner = web.AppRunner(
        create_app(settings, slack=platforms.slack, teams=platforms.teams),
        access_log_class=logs.AccessLog,
        shutdown_timeout=10,
    )
    try:
        await runner.setup()
        if not stopping.is_set():
            await web.SockSite(runner, listener).start()
            log.info("cxbot listening on http://%s:%s", settings.host, settings.port)
            await stopping.wait()
    finally:
        await runner.cleanup()
        listener.close()
    return 0


async def _check_database(settings: Settings) -> None:
    """Fails fast, with one clear line, when the database cannot be reached."""
    db = Database(settings.database_url)
    problem = db.file_problem()
    if problem is not None:
        await db.dispose()
        raise SystemExit(f"cxbot: {problem}; check CXBOT_DATABASE_URL")
    try:
        await asyncio.wait_for(db.ping(), timeout=10)
    except Exception as error:
        raise SystemExit(
            f"cxbot: cannot reach the database at {db.url.render_as_string(hide_password=True)}:"
            f" {type(error).__name__}: {error}"
        ) from None
    finally:
        await db.dispose()


@asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[Database]:
    """The database, reachable and migrated, closed afterwards."""
    await _check_database(settings)
    db = Database(settings.database_url)
    try:
        await migrate(db)
        yield db
    finally:
        await db.dispose()


async def _migrate(settings: Settings) -> int:
    async with _database(settings):
        print("The database is up to date.")
    return 0


async def _roles(settings: Settings, args: argparse.Namespace) -> int:
    async with _database(settings) as db:
        if args.action == "list":
            async with db.read() as session:
                grants = await role_store.all_grants(session=session)
                names = await people_store.names_of(
                    session=session, identities=[grant.identity for grant in grants]
                )
            for grant in grants:
                name = f"  ({names[grant.identity]})" if grant.identity in names else ""
                print(f"{grant.role:<11} {grant.identity}{name}")
            if not grants:
                print("No roles granted yet. Try: cxbot roles grant technician slack:T…:U…")
            return 0
        if not valid_identity(args.identity):
            print(
                f"cxbot: {args.identity!r} is not a platform identity; it looks like"
                " slack:<team id>:<user id>, e.g. slack:T0123ABC:U0456DEF, or"
                " teams:<tenant id>:<user object id>",
                file=sys.stderr,
            )
            return 2
        identity = await _organisation_identity(db, args.identity)
        if identity != args.identity and slack_parts(identity):
            print(f"{args.identity} is in an Enterprise Grid organisation: using {identity}.")
        async with db.write() as session:
            if args.action == "grant":
                changed = await role_store.grant(session=session, identity=identity, role=args.role)
            else:
                changed = await role_store.revoke(
                    session=session, identity=identity, role=args.role
                )
        verb = "granted to" if args.action == "grant" else "revoked from"
        if changed:
            print(f"{args.role} {verb} {identity}.")
        else:
            state = "already has" if args.action == "grant" else "does not have"
            print(f"Nothing to do: {identity} {state} {args.role}.")
        return 0


async def _organisation_identity(db: Database, identity: str) -> str:
    """A Slack identity by workspace, as its Grid organisation knows it once it joined one:
    the server re-keyed that workspace's people, so a grant must use the same key."""
    teams = teams_parts(identity)
    if teams is not None:  # Teams ids are GUIDs, which people copy in either case
        return teams_identity(*teams)
    parts = slack_parts(identity)
    if parts is None:
        return identity
    enterprise = await SlackOrganisations(db).enterprise_of(parts[0])
    return slack_identity(enterprise, parts[1]) if enterprise else identity


async def _outbox(settings: Settings, args: argparse.Namespace) -> int:
    async with _database(settings) as db:
        if args.action == "retry":
            async with db.write() as session:
                done = await outbox.retry_now(session=session, message_id=args.id)
            if not done:
                print(f"cxbot: message {args.id} is not waiting or given up.", file=sys.stderr)
                return 2
            print(f"Message {args.id} will be sent again by the running server.")
            return 0
        async with db.read() as session:
            counts = await outbox.counts(session=session)
            oldest = await outbox.oldest_pending(session=session)
            errors = await outbox.recent_errors(session=session)
        states = (outbox.PENDING, outbox.SENT, outbox.DEAD, outbox.SUPERSEDED)
        print("  ".join(f"{state}: {counts.get(state, 0)}" for state in states))
        if oldest is not None:
            age = int((datetime.now(UTC) - oldest).total_seconds())
            print(f"oldest waiting: {age} s ago ({oldest:%Y-%m-%d %H:%M:%S} UTC)")
        for row in errors:
            print(
                f"#{row.id} {row.state} after {row.attempts} tries to {row.target}: "
                f"{(row.last_error or '')[:200]}"
            )
        return 0


async def _chat(settings: Settings, who: str) -> int:
    from adapters.console.chat import run_chat
    from adapters.console.people import identity_of

    if identity_of(who) is None:
        print(
            f"cxbot: {who!r} is neither a name (e.g. sam) nor a platform identity"
            " (e.g. slack:T1:U1)",
            file=sys.stderr,
        )
        return 2
    await _check_database(settings)
    # Ctrl-C ends the chat with a goodbye; asyncio.run then raises KeyboardInterrupt,
    # which main() turns into exit status 130.
    await run_chat(settings, who)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
