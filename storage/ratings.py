"""Surveys and ratings, and the one aggregate query behind /cx-summary."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Rating, Survey
from storage.types import utcnow
from storage.upsert import insert_for


async def get_survey(*, session: AsyncSession, request_id: int) -> Survey | None:
    return await session.get(Survey, request_id)


async def last_survey_sent(*, session: AsyncSession, requester: str) -> datetime | None:
    query = select(func.max(Survey.sent_at)).where(Survey.requester == requester)
    return await session.scalar(query)


async def add_survey(
    *, session: AsyncSession, request_id: int, requester: str, closes_at: datetime
) -> Survey:
    survey = Survey(request_id=request_id, requester=requester, closes_at=closes_at)
    session.add(survey)
    return survey


async def save_rating(
    *, session: AsyncSession, request_id: int, rater: str, dimension: str, score: int
) -> None:
    """One rating per person per dimension per request; a new tap replaces the old one."""
    now = utcnow()
    statement = insert_for(session, Rating).values(
        request_id=request_id, rater=rater, dimension=dimension, score=score, rated_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=["request_id", "rater", "dimension"],
        set_={"score": score, "rated_at": now},
    )
    await session.execute(statement)


_RATINGS_FOR = select(Rating.dimension, Rating.score).where(
    Rating.request_id == bindparam("request_id"), Rating.rater == bindparam("rater")
)


async def ratings_for(*, session: AsyncSession, request_id: int, rater: str) -> dict[str, int]:
    rows = await session.execute(_RATINGS_FOR, {"request_id": request_id, "rater": rater})
    return {dimension: score for dimension, score in rows}


async def summary(*, session: AsyncSession, since: datetime) -> dict[str, tuple[float, int]]:
    """Per dimension: (average score, number of ratings) for ratings since `since`."""
    query = (
        select(Rating.dimension, func.avg(Rating.score), func.count())
        .where(Rating.rated_at >= since)
        .group_by(Rating.dimension)
    )
    return {
        dimension: (float(average), int(count))
        for dimension, average, count in await session.execute(query)
    }
