"""What a person adds to their ratings: a comment, and whether leads may see who they are."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Survey
from storage.types import utcnow


def unless_anonymous(column: Any) -> Any:
    """The column, or NULL where the person asked to stay anonymous (a query joined to
    surveys). Dropped in SQL, so what would name them never reaches this process."""
    return case((Survey.anonymous.is_(True), None), else_=column)


async def set_comment(*, session: AsyncSession, request_id: int, comment: str) -> None:
    statement = (
        update(Survey)
        .where(Survey.request_id == request_id)
        .values(comment=comment, comment_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    await session.execute(statement)


async def set_anonymous(*, session: AsyncSession, request_id: int, anonymous: bool) -> None:
    statement = (
        update(Survey)
        .where(Survey.request_id == request_id)
        .values(anonymous=anonymous)
        .execution_options(synchronize_session="fetch")
    )
    await session.execute(statement)
