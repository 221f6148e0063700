"""Loading many rows at once (imports, generated data for benchmarks).

PostgreSQL gets COPY through asyncpg; SQLite gets batched multi-row INSERTs. Rows come as
tuples in the order of the column names given; datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Rating, Request

REQUEST_COLUMNS = (
    "id", "code", "requester", "title", "status", "assignee",
    "created_at", "updated_at", "public_at", "resolved_at",
)  # fmt: skip
RATING_COLUMNS = ("request_id", "rater", "dimension", "score", "rated_at")
_BATCH = 10_000


async def add_requests(*, session: AsyncSession, rows: Iterable[Sequence[Any]]) -> int:
    count = await _load(session, Request, REQUEST_COLUMNS, rows)
    if session.bind.dialect.name == "postgresql":
        # Ids were given; the next request opened the usual way continues after them.
        await session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('requests', 'id'), "
                "(SELECT coalesce(max(id), 1) FROM requests))"
            )
        )
    return count


async def add_ratings(*, session: AsyncSession, rows: Iterable[Sequence[Any]]) -> int:
    return await _load(session, Rating, RATING_COLUMNS, rows)


async def _load(
    session: AsyncSession, table: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    count = 0
    iterator = iter(rows)
    postgres = session.bind.dialect.name == "postgresql"
    while batch := list(islice(iterator, _BATCH)):
        if postgres:
            connection = await session.connection()
            raw = await connection.get_raw_connection()
            await raw.driver_connection.copy_records_to_table(
                table.__tablename__, records=batch, columns=list(columns)
            )
        else:
            await session.execute(
                insert(table), [dict(zip(columns, row, strict=True)) for row in batch]
            )
        count += len(batch)
    return count
