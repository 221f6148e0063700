"""Ratings and requests row by row, for `cxbot export`, in constant memory.

Rows come through a server-side cursor a batch at a time (PostgreSQL's cursor, SQLite's
step-by-step reads), never as one list. A time window is half-open, `since <= t < until`,
either end left open by None.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from storage.comments import unless_anonymous
from storage.db import Database
from storage.models import Rating, Request, Survey

RATING_FIELDS = ("request", "rater", "dimension", "score", "rated_at", "comment")
REQUEST_FIELDS = (
    "code", "requester", "assignee", "status", "title", "created_at", "resolved_at", "closed_at",
)  # fmt: skip
# Rows fetched per round trip: large enough to keep the driver busy, small enough that the
# memory they take does not matter.
BATCH = 2_000


@asynccontextmanager
async def snapshot(db: Database) -> AsyncIterator[AsyncSession]:
    """One read-only transaction for a whole export.

    The count for the progress bar and the rows then agree however long the export takes,
    and PostgreSQL keeps a server-side cursor only inside a transaction (Database.read()
    runs without one). On SQLite the plain BEGIN is deferred: the export reads beside the
    writers (WAL) and never takes their lock.
    """
    options: dict[str, Any] = {}
    if not db.is_sqlite:
        options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    async with AsyncSession(db.engine.execution_options(**options)) as session:
        async with session.begin():
            yield session


def ratings(
    *, session: AsyncSession, since: datetime | None = None, until: datetime | None = None
) -> AsyncIterator[Sequence[Any]]:
    """Ratings rated in the window, oldest first, as RATING_FIELDS; request and rater are
    None when the person asked to stay anonymous."""
    query = (
        select(
            # The request code goes too: the requests export (or `/track`) would name the person.
            unless_anonymous(Request.code).label("request"),
            unless_anonymous(Rating.rater).label("rater"),
            Rating.dimension,
            Rating.score,
            Rating.rated_at,
            Survey.comment,
        )
        .select_from(Rating)
        .join(Request, Request.id == Rating.request_id)
        .outerjoin(Survey, Survey.request_id == Rating.request_id)
        .where(_within(Rating.rated_at, since, until))
        .order_by(Rating.rated_at, Rating.id)
    )
    return _stream(session, query)


async def count_ratings(
    *, session: AsyncSession, since: datetime | None = None, until: datetime | None = None
) -> int:
    query = select(func.count()).select_from(Rating).where(_within(Rating.rated_at, since, until))
    return int(await session.scalar(query) or 0)


def requests(
    *, session: AsyncSession, since: datetime | None = None, until: datetime | None = None
) -> AsyncIterator[Sequence[Any]]:
    """Requests opened in the window, oldest first, as REQUEST_FIELDS."""
    query = (
        select(
            Request.code,
            Request.requester,
            Request.assignee,
            Request.status,
            Request.title,
            Request.created_at,
            Request.resolved_at,
            Request.closed_at,
        )
        .where(_within(Request.created_at, since, until))
        .order_by(Request.created_at, Request.id)
    )
    return _stream(session, query)


async def count_requests(
    *, session: AsyncSession, since: datetime | None = None, until: datetime | None = None
) -> int:
    query = select(func.count()).select_from(Request)
    query = query.where(_within(Request.created_at, since, until))
    return int(await session.scalar(query) or 0)


def _within(column: Any, since: datetime | None, until: datetime | None) -> ColumnElement[bool]:
    bounds = []
    if since is not None:
        bounds.append(column >= since)
    if until is not None:
        bounds.append(column < until)
    return and_(true(), *bounds)


async def _stream(session: AsyncSession, query: Select[Any]) -> AsyncIterator[Sequence[Any]]:
    """The rows one at a time; close it (contextlib.aclosing) before the session if it
    may be left before its end."""
    result = await session.stream(query.execution_options(yield_per=BATCH))
    try:
        async for row in result:
            yield row
    finally:
        await result.close()
