"""Queries on requests, their timelines and watchers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Request, TimelineEntry, Watcher
from storage.types import utcnow
from storage.upsert import insert_for


async def code_exists(*, session: AsyncSession, code: str) -> bool:
    found = await session.scalar(select(Request.id).where(Request.code == code))
    return found is not None


async def add_request(
    *, session: AsyncSession, code: str, requester: str, title: str, status: str
) -> Request:
    request = Request(code=code, requester=requester, title=title, status=status)
    session.add(request)
    await session.flush()
    return request


async def get_by_code(
    *, session: AsyncSession, code: str, for_update: bool = False
) -> Request | None:
    query = select(Request).where(Request.code == code)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def visible_codes(*, session: AsyncSession, identity: str, limit: int = 200) -> list[str]:
    """Codes of the requests this person asked for or watches, newest first."""
    watched = select(Watcher.request_id).where(Watcher.identity == identity)
    query = (
        select(Request.code)
        .where(or_(Request.requester == identity, Request.id.in_(watched)))
        .order_by(Request.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(query))


async def open_requests_for(
    *, session: AsyncSession, identity: str, statuses: Sequence[str], limit: int = 20
) -> list[Request]:
    watched = select(Watcher.request_id).where(Watcher.identity == identity)
    query = (
        select(Request)
        .where(or_(Request.requester == identity, Request.id.in_(watched)))
        .where(Request.status.in_(statuses))
        .order_by(Request.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(query))


async def assigned_to(
    *, session: AsyncSession, identity: str, statuses: Sequence[str], limit: int = 20
) -> list[Request]:
    query = (
        select(Request)
        .where(Request.assignee == identity, Request.status.in_(statuses))
        .order_by(Request.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(query))


async def add_entry(
    *,
    session: AsyncSession,
    request: Request,
    actor: str,
    kind: str,
    text: str = "",
    status: str | None = None,
    public: bool = True,
    at: datetime | None = None,
) -> TimelineEntry:
    when = at or utcnow()
    entry = TimelineEntry(
        request_id=request.id,
        actor=actor,
        kind=kind,
        text=text,
        status=status,
        public=public,
        at=when,
    )
    session.add(entry)
    request.updated_at = when
    if public:
        request.public_at = when
    await session.flush()
    return entry


async def timeline(
    *, session: AsyncSession, request_id: int, public_only: bool
) -> list[TimelineEntry]:
    query = select(TimelineEntry).where(TimelineEntry.request_id == request_id)
    if public_only:
        query = query.where(TimelineEntry.public.is_(True))
    return list(await session.scalars(query.order_by(TimelineEntry.at, TimelineEntry.id)))


async def watchers(*, session: AsyncSession, request_id: int) -> list[str]:
    query = select(Watcher.identity).where(Watcher.request_id == request_id)
    return list(await session.scalars(query.order_by(Watcher.identity)))


async def is_watching(*, session: AsyncSession, request_id: int, identity: str) -> bool:
    query = select(Watcher.identity).where(
        Watcher.request_id == request_id, Watcher.identity == identity
    )
    return await session.scalar(query) is not None


async def add_watcher(*, session: AsyncSession, request_id: int, identity: str) -> bool:
    """Adds the watcher; False when they were already watching."""
    statement = (
        insert_for(session, Watcher)
        .values(request_id=request_id, identity=identity, added_at=utcnow())
        .on_conflict_do_nothing()
    )
    result = await session.execute(statement)
    return result.rowcount == 1


async def remove_watcher(*, session: AsyncSession, request_id: int, identity: str) -> bool:
    watcher = await session.get(Watcher, (request_id, identity))
    if watcher is None:
        return False
    await session.delete(watcher)
    return True


async def recent_codes(*, session: AsyncSession, limit: int) -> list[str]:
    query = select(Request.code).order_by(Request.id.desc()).limit(limit)
    return list(await session.scalars(query))


async def unassigned(
    *, session: AsyncSession, statuses: Sequence[str], limit: int = 20
) -> list[Request]:
    query = (
        select(Request)
        .where(Request.assignee.is_(None), Request.status.in_(statuses))
        .order_by(Request.id)
        .limit(limit)
    )
    return list(await session.scalars(query))


async def recent_resolution_times(*, session: AsyncSession, limit: int = 200) -> list[float]:
    """Seconds from opened to resolved, for the most recently resolved requests."""
    query = (
        select(Request.created_at, Request.resolved_at)
        .where(Request.resolved_at.is_not(None))
        .order_by(Request.resolved_at.desc())
        .limit(limit)
    )
    rows = await session.execute(query)
    return [(resolved - created).total_seconds() for created, resolved in rows]
