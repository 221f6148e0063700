"""Measured beside perceived: how long requests took, and whether people heard from IT every
working day, for the requests resolved in a period. Medians and silences are computed by
the database (window functions), as the rest of the summary (storage/summary.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Rating, Request, TimelineEntry
from storage.summary import DAY, MONDAY, WEEK, credited, seconds, whole, written

# Timeline.kind of the entry a request starts with (bot.requests.timeline.Kind.OPENED).
OPENED = "opened"


@dataclass(frozen=True)
class Measured:
    """Times in seconds; None where no request was resolved."""

    resolved: int
    first_response: float | None
    to_resolve: float | None
    # Requests with no silence longer than one working day (see `measured`).
    regular: int
    speed_regular: tuple[float | None, int]
    speed_irregular: tuple[float | None, int]


async def measured(
    *,
    session: AsyncSession,
    start: datetime,
    end: datetime,
    offset: float = 0.0,
    technician: str | None = None,
) -> Measured:
    """For requests resolved in [start, end): median time to first response (the first
    entry the requester could see, by someone else, after the opening one), median time to
    resolve, and how many had regular updates, with their average Speed against the rest's.

    Regular updates: no silence longer than one working day between consecutive entries the
    requester could see, from opening to resolution, where a silence counts two days less
    for each Monday 00:00 it crosses (a weekend), in local time: `offset` is the time zone's
    offset from UTC in seconds. A request resolved without any other entry had one silence:
    from opening to resolution.
    """
    resolved = _resolved(start, end, technician)
    took = seconds(session, resolved.c.resolved_at) - seconds(session, resolved.c.created_at)
    to_resolve = select(took.label("v")).subquery()
    first = (
        select(func.min(TimelineEntry.at).label("at"), resolved.c.created_at)
        .join(resolved, resolved.c.id == TimelineEntry.request_id)
        .where(
            TimelineEntry.public.is_(True),
            TimelineEntry.kind != OPENED,
            TimelineEntry.actor != resolved.c.requester,
        )
        .group_by(TimelineEntry.request_id, resolved.c.created_at)
        .subquery()
    )
    waited = seconds(session, first.c.at) - seconds(session, first.c.created_at)
    first_response = select(waited.label("v")).subquery()

    regular = _regular_requests(session, resolved, offset)
    # One pass: each request once per flag, with its Speed rating if it has one.
    by_flag = (
        select(
            regular.c.regular,
            func.count(func.distinct(regular.c.id)),
            func.avg(Rating.score),
            func.count(Rating.id),
        )
        .select_from(regular)
        .outerjoin(Rating, and_(Rating.request_id == regular.c.id, Rating.dimension == "speed"))
        .group_by(regular.c.regular)
    )
    flags = {
        int(flag): (int(n), avg, int(rated))
        for flag, n, avg, rated in await session.execute(by_flag)
    }
    requests = {flag: n for flag, (n, _, _) in flags.items()}
    speed = {
        flag: ((float(avg) if avg is not None else None), rated)
        for flag, (_, avg, rated) in flags.items()
    }
    return Measured(
        resolved=sum(requests.values()),
        first_response=await _median(session, first_response),
        to_resolve=await _median(session, to_resolve),
        regular=requests.get(1, 0),
        speed_regular=speed.get(1, (None, 0)),
        speed_irregular=speed.get(0, (None, 0)),
    )


def _resolved(start: datetime, end: datetime, technician: str | None) -> Any:
    query = select(Request.id, Request.requester, Request.created_at, Request.resolved_at).where(
        Request.resolved_at >= start, Request.resolved_at < end
    )
    return credited(query, Request.id, technician).subquery("resolved")


async def _median(session: AsyncSession, values: Any) -> float | None:
    """The median of a subquery's column `v`: the middle one, or the middle two's average."""
    ranked = select(
        values.c.v,
        func.row_number().over(order_by=values.c.v).label("rank"),
        func.count().over().label("n"),
    ).subquery("ranked")
    middle = ranked.c.rank.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2])
    median = await session.scalar(select(func.avg(ranked.c.v)).where(middle))
    return float(median) if median is not None else None


def _regular_requests(session: AsyncSession, resolved: Any, offset: float) -> Any:
    """(id, regular: 1 or 0) for each resolved request; see `measured`."""
    at = seconds(session, TimelineEntry.at)
    before = func.lag(at).over(partition_by=TimelineEntry.request_id, order_by=TimelineEntry.at)
    gaps = (
        select(TimelineEntry.request_id, at.label("at"), before.label("before"))
        .join(resolved, resolved.c.id == TimelineEntry.request_id)
        .where(TimelineEntry.public.is_(True), TimelineEntry.at <= resolved.c.resolved_at)
        .subquery("gaps")
    )
    shift = written(offset - MONDAY)
    mondays = whole(session, (gaps.c.at + shift) / written(WEEK)) - whole(
        session, (gaps.c.before + shift) / written(WEEK)
    )
    working = gaps.c.at - gaps.c.before - mondays * (2 * DAY)
    longest = func.coalesce(func.max(working), 0)
    return (
        select(gaps.c.request_id.label("id"), case((longest <= DAY, 1), else_=0).label("regular"))
        .group_by(gaps.c.request_id)
        .subquery("regular")
    )
