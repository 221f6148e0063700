"""PostgreSQL's pooled connections: one the server closed, or one that stopped answering after
sitting idle, is replaced before anyone uses it; a person never sees the error."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection

from storage import db as db_module
from storage.db import Database
from tests.conftest import POSTGRES_URL
from tests.helpers import eventually

# These run only against PostgreSQL (CI sets CXBOT_TEST_POSTGRES_URL); SQLite has no server
# to close a connection.
pytestmark = pytest.mark.parametrize(
    "url", [POSTGRES_URL] if POSTGRES_URL else [], ids=["postgresql"] if POSTGRES_URL else []
)

BACKEND_PID = text("SELECT pg_backend_pid()")


@pytest.fixture
async def pool(url: str) -> AsyncIterator[Database]:
    database = Database(url)
    yield database
    await database.dispose()


async def backend_pid(db: Database) -> int:
    async with db.read() as session:
        return int(await session.scalar(BACKEND_PID))


async def test_a_connection_the_server_closed_is_replaced_unseen(pool: Database, url: str) -> None:
    async with pool.read() as session:
        first = int(await session.scalar(BACKEND_PID))
        raw = await (await session.connection()).get_raw_connection()
        driver = raw.driver_connection
    admin = Database(url)
    try:
        async with admin.read() as session:
            await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    finally:
        await admin.dispose()

    async def noticed_closed() -> bool:
        return driver.is_closed()

    await eventually(noticed_closed, within=5)  # the event loop read the server's goodbye
    assert await backend_pid(pool) != first
    async with pool.write() as session:
        assert await session.scalar(text("SELECT 1")) == 1


async def test_an_idle_connection_that_no_longer_answers_is_replaced(
    pool: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await backend_pid(pool)
    pings: list[int] = []

    def silent(connection: AsyncAdapt_asyncpg_connection) -> None:
        pings.append(1)
        raise OSError("no answer")

    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", silent)
    replaced = await backend_pid(pool)  # the new connection is fresh: no ping
    assert pings == [1] and replaced != first


async def test_a_connection_in_steady_use_is_not_pinged(
    pool: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings: list[int] = []
    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", lambda _c: pings.append(1))
    first = await backend_pid(pool)
    for _ in range(5):
        assert await backend_pid(pool) == first
    assert pings == []
