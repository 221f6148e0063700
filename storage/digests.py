"""What the leads' daily digest reads: the low scores of a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.comments import unless_anonymous
from storage.models import FollowUp, Rating, Request, Survey

# A score this low on any dimension is an incident (seed 003).
LOW_SCORE = 2


@dataclass(frozen=True)
class LowScore:
    request_id: int
    # None when the person asked to stay anonymous: a code would let a lead look them up.
    code: str | None
    follow_up: int | None
    dimension: str
    score: int
    comment: str | None
    # Who gave it; None when they asked to stay anonymous (it never leaves storage then).
    rater: str | None


async def low_scores(*, session: AsyncSession, since: datetime, until: datetime) -> list[LowScore]:
    """Scores of 1 or 2 given in [since, until), by request then dimension."""
    query = (
        select(
            Request.id,
            unless_anonymous(Request.code),
            FollowUp.id,
            Rating.dimension,
            Rating.score,
            Survey.comment,
            unless_anonymous(Rating.rater),
        )
        .join(Request, Request.id == Rating.request_id)
        .outerjoin(Survey, Survey.request_id == Rating.request_id)
        .outerjoin(FollowUp, FollowUp.request_id == Rating.request_id)
        .where(Rating.rated_at >= since, Rating.rated_at < until, Rating.score <= LOW_SCORE)
        .order_by(Request.id, Rating.dimension)
    )
    return [LowScore(*row) for row in (await session.execute(query)).all()]
