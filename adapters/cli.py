"""The `cxbot` command: serve, migrate, roles, chat."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from aiohttp import web
from pydantic import ValidationError

from adapters import logs
from bot.people import Role, valid_identity
from bot.settings import Settings
from storage import outbox
from storage import roles as role_store
from storage.db import Database
from storage.migrate import migrate

log = logging.getLogger("cxbot")


def _setup_logging(settings: Settings) -> None:
    logs.install(
        settings.log_level,
        secrets=(settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token),
    )
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
        sub.add_argument("identity", help="platform identity, e.g. slack:T0123:U0456")
    actions.add_parser("list", help="who holds which role")
    box = commands.add_parser("outbox", help="messages waiting to be sent")
    box_actions = box.add_subparsers(dest="action", required=True)
    box_actions.add_parser("status", help="counts by state, oldest waiting, last errors")
    again = box_actions.add_parser("retry", help="send a given-up message again")
    again.add_argument("id", type=int)
    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument(
        "--as",
        dest="identity",
        default="slack:T1:U1",
        help="who you are, e.g. slack:T1:U1 (default)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"cxbot: a setting is wrong: {error}", file=sys.stderr)
        return 2
    _setup_logging(settings)
    try:
        if args.command == "serve":
            return serve(settings)
        if args.command == "migrate":
            return asyncio.run(_migrate(settings))
        if args.command == "roles":
            return asyncio.run(_roles(settings, args))
        if args.command == "outbox":
            return asyncio.run(_outbox(settings, args))
        if args.command == "chat":
            return asyncio.run(_chat(settings, args.identity))
    except KeyboardInterrupt:
        return 130
    except OSError as error:
        print(f"cxbot: {error}", file=sys.stderr)
        return 1
    return 2


def serve(settings: Settings) -> int:
    from adapters.web import create_app

    asyncio.run(_check_database(settings))
    log.info("cxbot listening on http://%s:%s", settings.host, settings.port)
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        print=None,
        shutdown_timeout=10,
    )
    return 0


async def _check_database(settings: Settings) -> None:
    """Fails fast, with one clear line, when the database cannot be reached."""
    db = Database(settings.database_url)
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
            for grant in grants:
                print(f"{grant.role:<11} {grant.identity}")
            if not grants:
                print("No roles granted yet. Try: cxbot roles grant technician slack:T…:U…")
            return 0
        if not valid_identity(args.identity):
            print(
                f"cxbot: {args.identity!r} is not a platform identity; it looks like"
                " slack:<team id>:<user id>, e.g. slack:T0123ABC:U0456DEF",
                file=sys.stderr,
            )
            return 2
        async with db.write() as session:
            if args.action == "grant":
                changed = await role_store.grant(
                    session=session, identity=args.identity, role=args.role
                )
            else:
                changed = await role_store.revoke(
                    session=session, identity=args.identity, role=args.role
                )
        verb = "granted to" if args.action == "grant" else "revoked from"
        if changed:
            print(f"{args.role} {verb} {args.identity}.")
        else:
            state = "already has" if args.action == "grant" else "does not have"
            print(f"Nothing to do: {args.identity} {state} {args.role}.")
        return 0


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


async def _chat(settings: Settings, identity: str) -> int:
    from adapters.console.chat import run_chat

    if not valid_identity(identity):
        print(f"cxbot: {identity!r} is not a platform identity, e.g. slack:T1:U1", file=sys.stderr)
        return 2
    await _check_database(settings)
    await run_chat(settings, identity)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
