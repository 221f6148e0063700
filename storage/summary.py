"""The figures behind /cx-summary and /cx-me, each one aggregate query.

Every figure is computed by the database (GROUP BY on indexed columns; window functions for
medians and silences, in storage/measured.py); Python only shapes the few rows that come
back. A technician's figures go through `survey_credits`: the people who worked a request
when its survey went out. Times are compared as seconds since 1970 (`seconds`), the one thing
SQLite and PostgreSQL spell differently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, Integer, Select, and_, case, cast, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import pulse as pulse_store
from storage.comments import unless_anonymous
from storage.followups import FollowUpState
from storage.models import (
    FollowUp,
    PersonRecord,
    Rating,
    Request,
    RoleGrant,
    Survey,
    SurveyCredit,
)
from storage.ratings import Skipped

DAY = 86_400
WEEK = 7 * DAY
# 1970-01-05 was the first Monday after the epoch: weeks and weekends are counted from it.
MONDAY = 4 * DAY


@dataclass(frozen=True)
class Scores:
    """How many ratings gave each score, 1 to 5."""

    counts: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)

    @property
    def count(self) -> int:
        return sum(self.counts)

    @property
    def average(self) -> float | None:
        total = sum(score * n for score, n in enumerate(self.counts, start=1))
        return total / self.count if self.count else None


@dataclass(frozen=True)
class Responses:
    sent: int = 0
    answered: int = 0
    fatigue: int = 0
    sampled: int = 0


def seconds(session: AsyncSession, column: Any) -> Any:
    if session.bind.dialect.name == "postgresql":
        # EXTRACT gives numeric, whose arithmetic is several times slower than a float's.
        return cast(func.extract("epoch", column), Float)
    return (func.julianday(column) - 2440587.5) * DAY


def whole(session: AsyncSession, value: Any) -> Any:
    """The whole part of a positive number."""
    if session.bind.dialect.name == "postgresql":
        return func.floor(value)
    return cast(value, Integer)


def written(value: float) -> Any:
    # Written into the SQL, not bound: PostgreSQL matches GROUP BY expressions by their
    # text, and two bound parameters never read as the same expression.
    return literal_column(repr(float(value)))


def credited(query: Select, request_id: Any, technician: str | None) -> Select:
    if technician is None:
        return query
    return query.join(
        SurveyCredit,
        and_(SurveyCredit.request_id == request_id, SurveyCredit.technician == technician),
    )


async def scores(
    *,
    session: AsyncSession,
    start: datetime,
    end: datetime,
    before: datetime,
    technician: str | None = None,
) -> dict[str, tuple[Scores, Scores]]:
    """Per dimension: (scores in [start, end), scores in [before, start)), in one query."""
    recent = case((Rating.rated_at >= start, 1), else_=0).label("recent")
    query = select(recent, Rating.dimension, Rating.score, func.count()).where(
        Rating.rated_at >= before, Rating.rated_at < end
    )
    query = credited(query, Rating.request_id, technician)
    query = query.group_by(literal_column("recent"), Rating.dimension, Rating.score)
    counts: dict[tuple[str, int], list[int]] = {}
    for is_recent, dimension, score, count in await session.execute(query):
        if 1 <= score <= 5:
            counts.setdefault((dimension, int(is_recent)), [0] * 5)[score - 1] = int(count)
    dimensions = {dimension for dimension, _ in counts}
    return {
        d: (Scores(tuple(counts.get((d, 1), [0] * 5))), Scores(tuple(counts.get((d, 0), [0] * 5))))  # type: ignore[arg-type]
        for d in dimensions
    }


async def responses(
    *, session: AsyncSession, start: datetime, end: datetime, technician: str | None = None
) -> Responses:
    """Surveys due in the period: sent, answered, and not sent (fatigue, sampling)."""

    def counted(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    query = select(
        counted(Survey.skipped.is_(None)),
        counted(and_(Survey.skipped.is_(None), Survey.answered_at.is_not(None))),
        counted(Survey.skipped == Skipped.FATIGUE),
        counted(Survey.skipped == Skipped.SAMPLED),
    ).where(Survey.sent_at >= start, Survey.sent_at < end)
    query = credited(query, Survey.request_id, technician)
    row = (await session.execute(query)).one()
    return Responses(*(int(n) for n in row))


async def technician_rows(
    *, session: AsyncSession, start: datetime, end: datetime, least: int
) -> tuple[dict[str, dict[str, tuple[float, int]]], int]:
    """Per technician with at least `least` rated requests in the period: per dimension
    (average, count); and how many technicians were left out for having fewer."""
    in_period = and_(Rating.rated_at >= start, Rating.rated_at < end)
    credited = (
        select()
        .select_from(SurveyCredit)
        .join(Rating, Rating.request_id == SurveyCredit.request_id)
    )
    # Two passes over the period's ratings, each one GROUP BY: a filter on the first inside
    # the second would read them once per technician kept.
    rated = (
        credited.add_columns(SurveyCredit.technician, func.count(func.distinct(Rating.request_id)))
        .where(in_period)
        .group_by(SurveyCredit.technician)
    )
    per_dimension = (
        credited.add_columns(
            SurveyCredit.technician, Rating.dimension, func.avg(Rating.score), func.count()
        )
        .where(in_period)
        .group_by(SurveyCredit.technician, Rating.dimension)
    )
    counted = {technician: int(n) for technician, n in await session.execute(rated)}
    shown = {technician for technician, n in counted.items() if n >= least}
    rows: dict[str, dict[str, tuple[float, int]]] = {}
    for technician, dimension, average, count in await session.execute(per_dimension):
        if technician in shown:
            rows.setdefault(technician, {})[dimension] = (float(average), int(count))
    return rows, len(counted) - len(shown)


async def open_follow_ups(
    *, session: AsyncSession, oldest: int = 3, technician: str | None = None
) -> tuple[int, list[tuple[str | None, str | None, int, datetime]]]:
    """How many follow-ups are not resolved, and the oldest few: (code, title, follow-up id,
    opened); code and title are None when the person asked to stay anonymous."""
    waiting = FollowUp.state != FollowUpState.RESOLVED
    count = credited(select(func.count()).select_from(FollowUp), FollowUp.request_id, technician)
    query = (
        select(
            unless_anonymous(Request.code),
            unless_anonymous(Request.title),
            FollowUp.id,
            FollowUp.opened_at,
        )
        .join(Request, Request.id == FollowUp.request_id)
        .outerjoin(Survey, Survey.request_id == FollowUp.request_id)
        .where(waiting)
        .order_by(FollowUp.opened_at)
        .limit(oldest)
    )
    query = credited(query, FollowUp.request_id, technician)
    total = await session.scalar(count.where(waiting))
    return int(total or 0), [tuple(row) for row in await session.execute(query)]  # type: ignore[misc]


async def latest_comments(
    *,
    session: AsyncSession,
    start: datetime,
    end: datetime,
    limit: int = 5,
    technician: str | None = None,
) -> list[tuple[str | None, int | None, str, str | None]]:
    """(code, follow-up id, comment, requester) newest first; code and requester are None
    when the survey was anonymous, so neither a name nor a way to find it is ever shown."""
    query = (
        select(
            unless_anonymous(Request.code),
            FollowUp.id,
            Survey.comment,
            unless_anonymous(Survey.requester),
        )
        .join(Request, Request.id == Survey.request_id)
        .outerjoin(FollowUp, FollowUp.request_id == Survey.request_id)
        .where(Survey.comment_at >= start, Survey.comment_at < end, Survey.comment != "")
        .order_by(Survey.comment_at.desc())
        .limit(limit)
    )
    query = credited(query, Survey.request_id, technician)
    return [tuple(row) for row in await session.execute(query)]  # type: ignore[misc]


async def weekly(
    *,
    session: AsyncSession,
    start: datetime,
    end: datetime,
    offset: float = 0.0,
    technician: str | None = None,
) -> dict[tuple[int, str], float]:
    """(week number, dimension) → average. Week n starts on Monday 1970-01-05 + n weeks,
    local time (`offset`: the time zone's offset from UTC in seconds)."""
    week = whole(
        session, (seconds(session, Rating.rated_at) + written(offset - MONDAY)) / written(WEEK)
    )
    query = select(week.label("week"), Rating.dimension, func.avg(Rating.score)).where(
        Rating.rated_at >= start, Rating.rated_at < end
    )
    query = credited(query, Rating.request_id, technician)
    query = query.group_by(literal_column("week"), Rating.dimension)
    return {(int(w), d): float(avg) for w, d, avg in await session.execute(query)}


async def pulse(
    *, session: AsyncSession, quarter: int
) -> tuple[int | None, dict[str, tuple[float, int]]]:
    """The latest quarterly pulse up to `quarter` (e.g. 20264): (its quarter, per dimension
    (average, count)); (None, {}) when there was none."""
    latest = await pulse_store.latest_quarter(session=session, up_to=quarter)
    if latest is None:
        return None, {}
    return latest, await pulse_store.figures(session=session, quarter=latest)


async def technicians_named(*, session: AsyncSession, name: str) -> list[tuple[str, str]]:
    """(identity, name) of the support staff going by `name`: the exact name (any case), or
    else the names starting with it. Requesters are never matched."""
    staff = or_(
        PersonRecord.identity.in_(select(RoleGrant.identity)),
        PersonRecord.identity.in_(select(SurveyCredit.technician)),
    )
    wanted = name.strip().lower()
    base = select(PersonRecord.identity, PersonRecord.name).where(staff).limit(10)
    exact = base.where(func.lower(PersonRecord.name) == wanted)
    found = [tuple(row) for row in await session.execute(exact)]
    if not found:
        prefix = base.where(func.lower(PersonRecord.name).startswith(wanted, autoescape=True))
        found = [tuple(row) for row in await session.execute(prefix)]
    return found  # type: ignore[return-value]
