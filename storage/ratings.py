"""Surveys and ratings: who is asked, what they tapped, and who worked each request."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Rating, Request, Survey, SurveyCredit, TimelineEntry
from storage.types import utcnow
from storage.upsert import insert_for


class Skipped(StrEnum):
    """Why a resolved request's requester was not asked to rate it."""

    # Asked about another request within the cooldown.
    FATIGUE = "fatigue"
    # Left out by the sampling rate.
    SAMPLED = "sampled"


async def get_survey(
    *, session: AsyncSession, request_id: int, for_update: bool = False
) -> Survey | None:
    return await session.get(
        Survey, request_id, with_for_update=for_update or None, populate_existing=for_update
    )


async def last_survey_sent(*, session: AsyncSession, requester: str) -> datetime | None:
    """When this person was last sent a rating card; surveys skipped were never seen."""
    query = select(func.max(Survey.sent_at)).where(
        Survey.requester == requester, Survey.skipped.is_(None)
    )
    return await session.scalar(query)


async def add_survey(
    *,
    session: AsyncSession,
    request_id: int,
    requester: str,
    sent_at: datetime,
    closes_at: datetime,
    skipped: Skipped | None = None,
) -> Survey:
    """A survey sent, or one skipped: recorded as decided at `sent_at` and closed at once,
    so the expiry job never sees it and the response rate counts it."""
    survey = Survey(
        request_id=request_id,
        requester=requester,
        sent_at=sent_at,
        closes_at=sent_at if skipped else closes_at,
        closed_at=sent_at if skipped else None,
        skipped=skipped,
    )
    session.add(survey)
    return survey


def _claiming(query: Any, session: AsyncSession) -> Any:
    """On PostgreSQL, rows another replica is working on are skipped, not waited for."""
    if session.bind.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True, of=Survey)
    return query


async def due_reminders(
    *, session: AsyncSession, sent_before: datetime, now: datetime, limit: int
) -> list[tuple[Survey, Request]]:
    """Open surveys sent before `sent_before`, not answered at all and not reminded yet."""
    query = (
        select(Survey, Request)
        .join(Request, Request.id == Survey.request_id)
        .where(
            Survey.closed_at.is_(None),
            Survey.closes_at > now,
            Survey.sent_at <= sent_before,
            Survey.reminded_at.is_(None),
            Survey.answered_at.is_(None),
        )
        .order_by(Survey.sent_at)
        .limit(limit)
    )
    rows = await session.execute(_claiming(query, session))
    return [(survey, request) for survey, request in rows]


async def due_to_close(
    *, session: AsyncSession, now: datetime, limit: int
) -> list[tuple[Survey, Request]]:
    """Surveys still open whose time is up."""
    query = (
        select(Survey, Request)
        .join(Request, Request.id == Survey.request_id)
        .where(Survey.closed_at.is_(None), Survey.closes_at <= now)
        .order_by(Survey.closes_at)
        .limit(limit)
    )
    rows = await session.execute(_claiming(query, session))
    return [(survey, request) for survey, request in rows]


_PUBLIC_ACTORS = (
    select(TimelineEntry.actor)
    .where(TimelineEntry.request_id == bindparam("request_id"), TimelineEntry.public.is_(True))
    .distinct()
)


async def public_actors(*, session: AsyncSession, request_id: int) -> list[str]:
    """Everyone who made a change the requester could see, the requester included."""
    return list(await session.scalars(_PUBLIC_ACTORS, {"request_id": request_id}))


async def credit(*, session: AsyncSession, request_id: int, technicians: Iterable[str]) -> None:
    """Adds these technicians to the request's credits; those already there stay."""
    rows = [{"request_id": request_id, "technician": who} for who in dict.fromkeys(technicians)]
    if not rows:
        return
    statement = insert_for(session, SurveyCredit).values(rows)
    await session.execute(
        statement.on_conflict_do_nothing(index_elements=["request_id", "technician"])
    )


async def credits(*, session: AsyncSession, request_id: int) -> list[str]:
    query = select(SurveyCredit.technician).where(SurveyCredit.request_id == request_id)
    return sorted(await session.scalars(query))


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
