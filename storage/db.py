"""The database: one async engine, sessions for reading and for writing.

SQLite runs in WAL mode with a busy timeout, and write transactions start with
`BEGIN IMMEDIATE` behind a process-wide lock, so concurrent requests queue for the single
writer instead of failing with "database is locked". PostgreSQL uses a connection pool whose
connections are checked before use (see _check_connections).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000
# A pooled PostgreSQL connection idle longer than this is pinged before it is used again.
PING_AFTER_IDLE_SECONDS = 30.0


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.dialect = self.url.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_timeout=30)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if not self.is_sqlite:
            _check_connections(self.engine)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        # Reads skip BEGIN and ROLLBACK: on PostgreSQL through the driver's autocommit, on
        # SQLite through _on_begin (see _tune_sqlite), which keeps the transaction control.
        self._reader = (
            self.engine.execution_options(sqlite_autocommit=True)
            if self.is_sqlite
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        if self.is_sqlite:
            _tune_sqlite(self.engine, in_memory=self.url.database in (None, "", ":memory:"))

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for looking only. Each statement runs on its own, without BEGIN and
        ROLLBACK around them (two round trips fewer for every lookup), and so sees the latest
        commit: a read that needs one consistent view must ask in a single statement."""
        async with AsyncSession(self._reader, expire_on_commit=False) as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session whose work commits on success and rolls back on any error."""
        if self._write_lock is None:
            async with AsyncSession(self.engine, expire_on_commit=False) as session:
                async with session.begin():
                    yield session
            return
        async with self._write_lock:
            bind = self.engine.execution_options(sqlite_immediate=True)
            async with AsyncSession(bind, expire_on_commit=False) as session:
                async with session.begin():
                    yield session

    def file_problem(self) -> str | None:
        """Why SQLite could not write its file here, in a few words; None when it can.

        SQLite says only "unable to open database file" whatever the cause. In WAL mode it
        also writes two files beside the database, so the folder itself must be writable.
        """
        if not self.is_sqlite or self.url.database in (None, "", ":memory:"):
            return None
        path = os.path.abspath(self.url.database)
        folder = os.path.dirname(path)
        if os.path.isdir(path):
            return f"{path} is a folder, not a database file"
        if not os.path.exists(folder):
            return f"the folder {folder} does not exist"
        if not os.path.isdir(folder):
            return f"{folder} is a file, not a folder"
        if not os.access(folder, os.W_OK | os.X_OK):
            return f"cxbot cannot write to the folder {folder}"
        if os.path.exists(path) and not os.access(path, os.R_OK | os.W_OK):
            return f"cxbot cannot write to {path}"
        return None

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def _check_connections(engine: AsyncEngine) -> None:
    """Hands out only live connections, like `pool_pre_ping` but without its cost.

    SQLAlchemy's pre-ping on asyncpg costs three round trips (BEGIN, a ping, ROLLBACK) every
    time a connection is taken from the pool, more than the lookup it guards (bench/
    db_sessions.py: a read session's CPU time about halves without it). A connection the server
    closed (a restart, an administrator) is already known to be closed, at no cost; only a
    connection that sat idle for a while, where a network could have dropped it silently, is
    pinged. Raising DisconnectionError makes the pool throw the connection away and take
    another.
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise exc.DisconnectionError("the database closed this connection")
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since > PING_AFTER_IDLE_SECONDS:
            try:
                dbapi_connection.ping()
            except Exception as error:
                raise exc.DisconnectionError("this connection no longer answers") from error


def _tune_sqlite(engine: AsyncEngine, *, in_memory: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from the driver so BEGIN can be IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get("sqlite_autocommit", False):
            # A read: each statement sees the latest commit on its own, as on PostgreSQL,
            # without a BEGIN, a trip to the driver's thread, in front of it.
            return
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("sqlite_immediate") else "BEGIN")
