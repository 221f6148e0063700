"""What the leads' digests read: who the leads are, and the low scores of a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import FollowUp, Rating, Request, RoleGrant, Survey

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


async def holders(*, session: AsyncSession, role: str) -> list[str]:
    """Everyone holding `role`, in a stable order."""
    query = select(RoleGrant.identity).where(RoleGrant.role == role).order_by(RoleGrant.identity)
    return list(await session.scalars(query))


async def low_scores(*, session: AsyncSession, since: datetime, until: datetime) -> list[LowScore]:
    """Scores of 1 or 2 given in [since, until), by request then dimension."""
    query = (
        select(
            Request.id,
            case((Survey.anonymous.is_(True), None), else_=Request.code),
            FollowUp.id,
            Rating.dimension,
            Rating.score,
            Survey.comment,
            case((Survey.anonymous.is_(True), None), else_=Rating.rater),
        )
        .join(Request, Request.id == Rating.request_id)
        .outerjoin(Survey, Survey.request_id == Rating.request_id)
        .outerjoin(FollowUp, FollowUp.request_id == Rating.request_id)
        .where(Rating.rated_at >= since, Rating.rated_at < until, Rating.score <= LOW_SCORE)
        .order_by(Request.id, Rating.dimension)
    )
    return [LowScore(*row) for row in (await session.execute(query)).all()]
