"""Read and write sessions on SQLite: reads go without a transaction around them, as
PostgreSQL's already do; writes still take the write lock with BEGIN IMMEDIATE."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from storage.db import Database


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'cxbot.db'}")
    async with database.write() as session:
        await session.execute(text("CREATE TABLE t (n INTEGER)"))
    yield database
    await database.dispose()


def statements_of(database: Database) -> list[str]:
    seen: list[str] = []

    @event.listens_for(database.engine.sync_engine, "before_cursor_execute")
    def _seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement.strip().upper())

    return seen


async def test_a_read_on_sqlite_sends_no_begin(sqlite: Database) -> None:
    seen = statements_of(sqlite)
    async with sqlite.read() as session:
        await session.execute(text("SELECT count(*) FROM t"))
        await session.execute(text("SELECT 1"))
    assert [s for s in seen if s.startswith("BEGIN")] == []
    assert len(seen) == 2


async def test_a_write_on_sqlite_still_begins_immediate(sqlite: Database) -> None:
    seen = statements_of(sqlite)
    async with sqlite.write() as session:
        await session.execute(text("INSERT INTO t (n) VALUES (1)"))
    assert seen[0] == "BEGIN IMMEDIATE"


async def test_a_read_sees_each_commit_as_it_lands(sqlite: Database) -> None:
    async with sqlite.read() as session:
        before = await session.scalar(text("SELECT count(*) FROM t"))
        async with sqlite.write() as writer:
            await writer.execute(text("INSERT INTO t (n) VALUES (1)"))
        after = await session.scalar(text("SELECT count(*) FROM t"))
    assert (before, after) == (0, 1)
