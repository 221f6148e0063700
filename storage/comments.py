"""What a person adds to their ratings: a comment, and whether leads may see who they are."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Survey
from storage.types import utcnow


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
