"""The quarterly pulse: who is asked (by token), and the answers (by token only).

`quarter` is the quarter the pulse asks about (20264: October to December 2026), sent at
the start of the next. An answer row carries no identity: only `pulse_invites` ties a token
to a person, and nothing that shows the pulse to leads reads it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PulseInvite, PulseRating, Request
from storage.types import utcnow
from storage.upsert import insert_for


async def requesters(*, session: AsyncSession, since: datetime, until: datetime) -> list[str]:
    """Everyone who opened a request in [since, until)."""
    query = (
        select(Request.requester)
        .where(Request.created_at >= since, Request.created_at < until)
        .distinct()
        .order_by(Request.requester)
    )
    return list(await session.scalars(query))


async def invite(*, session: AsyncSession, quarter: int, identity: str, token: str) -> bool:
    """Records the invitation; False when this person was already asked about the quarter."""
    statement = (
        insert_for(session, PulseInvite)
        .values(quarter=quarter, identity=identity, token=token, sent_at=utcnow())
        .on_conflict_do_nothing()
    )
    return (await session.execute(statement)).rowcount == 1


async def invitation(*, session: AsyncSession, token: str) -> PulseInvite | None:
    query = select(PulseInvite).where(PulseInvite.token == token)
    return await session.scalar(query)


async def save(
    *, session: AsyncSession, quarter: int, token: str, dimension: str, score: int
) -> None:
    """One answer per token per dimension; a new tap replaces the old one."""
    now = utcnow()
    statement = insert_for(session, PulseRating).values(
        quarter=quarter, token=token, dimension=dimension, score=score, rated_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["token", "dimension"], set_={"score": score, "rated_at": now}
        )
    )


async def chosen(*, session: AsyncSession, token: str) -> dict[str, int]:
    query = select(PulseRating.dimension, PulseRating.score).where(PulseRating.token == token)
    return {dimension: score for dimension, score in await session.execute(query)}


async def figures(*, session: AsyncSession, quarter: int) -> dict[str, tuple[float, int]]:
    """Per dimension: (average score, number of answers) for one quarter's pulse."""
    query = (
        select(PulseRating.dimension, func.avg(PulseRating.score), func.count())
        .where(PulseRating.quarter == quarter)
        .group_by(PulseRating.dimension)
    )
    return {
        dimension: (float(average), int(count))
        for dimension, average, count in await session.execute(query)
    }


async def latest_quarter(*, session: AsyncSession, up_to: int) -> int | None:
    """The latest quarter, up to `up_to`, that has any answers."""
    query = select(func.max(PulseRating.quarter)).where(PulseRating.quarter <= up_to)
    latest = await session.scalar(query)
    return int(latest) if latest is not None else None
