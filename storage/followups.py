"""Follow-ups: a low rating treated as an incident, until a lead resolves it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import FollowUp, Request
from storage.types import utcnow
from storage.upsert import insert_for


class FollowUpState(StrEnum):
    """Where a follow-up stands. Stored as its value, so the names never change."""

    OPEN = "open"
    # A lead said they would reach out.
    REACHING = "reaching"
    RESOLVED = "resolved"


async def open_for(*, session: AsyncSession, request_id: int) -> tuple[FollowUp, bool]:
    """The request's follow-up, opened if it had none; True when it was opened just now.

    One per request whatever happens at once: the unique request_id decides.
    """
    statement = insert_for(session, FollowUp).values(
        request_id=request_id, state=FollowUpState.OPEN, opened_at=utcnow(), note=""
    )
    result = await session.execute(statement.on_conflict_do_nothing(index_elements=["request_id"]))
    found = await of_request(session=session, request_id=request_id)
    assert found is not None  # inserted now, or there already
    return found, result.rowcount == 1


async def of_request(*, session: AsyncSession, request_id: int) -> FollowUp | None:
    query = select(FollowUp).where(FollowUp.request_id == request_id)
    return (await session.scalars(query.execution_options(populate_existing=True))).first()


async def get(*, session: AsyncSession, follow_up_id: int, lock: bool = False) -> FollowUp | None:
    query = select(FollowUp).where(FollowUp.id == follow_up_id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query.execution_options(populate_existing=True))).first()


async def reach_out(*, session: AsyncSession, follow_up: FollowUp, owner: str) -> None:
    follow_up.state = FollowUpState.REACHING
    follow_up.owner = owner


async def resolve(*, session: AsyncSession, follow_up: FollowUp, owner: str, note: str) -> None:
    follow_up.state = FollowUpState.RESOLVED
    follow_up.owner = owner
    follow_up.note = note
    follow_up.resolved_at = utcnow()


async def unresolved(
    *, session: AsyncSession, limit: int = 50
) -> Sequence[tuple[FollowUp, Request]]:
    """The follow-ups not resolved yet, oldest first, with their requests."""
    query = (
        select(FollowUp, Request)
        .join(Request, Request.id == FollowUp.request_id)
        .where(FollowUp.state != FollowUpState.RESOLVED)
        .order_by(FollowUp.opened_at, FollowUp.id)
        .limit(limit)
    )
    return [(follow_up, request) for follow_up, request in await session.execute(query)]


async def count_unresolved(*, session: AsyncSession) -> int:
    query = (
        select(func.count()).select_from(FollowUp).where(FollowUp.state != FollowUpState.RESOLVED)
    )
    return int(await session.scalar(query) or 0)


async def claim_reminders(*, session: AsyncSession, before: datetime, now: datetime) -> list[int]:
    """Marks reminded, and returns, the unresolved follow-ups last shown to the leads (opened
    or reminded) before `before`. The condition is in the UPDATE itself, so a second run at
    the same time claims nothing twice."""
    last_shown = func.coalesce(FollowUp.reminded_at, FollowUp.opened_at)
    statement = (
        update(FollowUp)
        .where(FollowUp.state != FollowUpState.RESOLVED, last_shown <= before)
        .values(reminded_at=now)
        .returning(FollowUp.id)
    )
    return sorted(await session.scalars(statement))


async def with_requests(
    *, session: AsyncSession, ids: Sequence[int]
) -> Sequence[tuple[FollowUp, Request]]:
    if not ids:
        return []
    query = (
        select(FollowUp, Request)
        .join(Request, Request.id == FollowUp.request_id)
        .where(FollowUp.id.in_(ids))
        .order_by(FollowUp.opened_at, FollowUp.id)
        .execution_options(populate_existing=True)
    )
    return [(follow_up, request) for follow_up, request in await session.execute(query)]
