"""Queries on requests, their timelines and watchers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, bindparam, func, or_, select
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
    now = utcnow()
    request = Request(
        code=code,
        requester=requester,
        title=title,
        status=status,
        created_at=now,
        updated_at=now,
        public_at=now,
    )
    session.add(request)
    await session.flush()
    return request


# The hottest queries are built once and bound to values each time: building a statement
# costs more than running it on an indexed column.
_BY_CODE = select(Request).where(Request.code == bindparam("code"))
_BY_CODE_FOR_UPDATE = _BY_CODE.with_for_update()
_TIMELINE = (
    select(TimelineEntry)
    .where(TimelineEntry.request_id == bindparam("request_id"))
    .order_by(TimelineEntry.at, TimelineEntry.id)
)
_PUBLIC_TIMELINE = _TIMELINE.where(TimelineEntry.public.is_(True))
_WATCHERS = (
    select(Watcher.identity)
    .where(Watcher.request_id == bindparam("request_id"))
    .order_by(Watcher.identity)
)
_IS_WATCHING = select(Watcher.identity).where(
    Watcher.request_id == bindparam("request_id"), Watcher.identity == bindparam("identity")
)


async def get_by_code(
    *, session: AsyncSession, code: str, for_update: bool = False
) -> Request | None:
    query = _BY_CODE_FOR_UPDATE if for_update else _BY_CODE
    return await session.scalar(query, {"code": code})


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


@dataclass(frozen=True)
class Page:
    """Some of the requests a query finds, and how many it finds in all."""

    requests: list[Request]
    total: int


async def _page(
    session: AsyncSession, query: Select[tuple[Request]], *, limit: int, offset: int
) -> Page:
    found = list(await session.scalars(query.limit(limit).offset(offset)))
    if 0 < len(found) < limit or (offset == 0 and len(found) < limit):
        return Page(found, offset + len(found))  # the last page: nothing left to count
    counted = query.order_by(None).with_only_columns(func.count(Request.id))
    return Page(found, int(await session.scalar(counted) or 0))


async def open_requests_for(
    *,
    session: AsyncSession,
    identity: str,
    statuses: Sequence[str],
    limit: int = 20,
    offset: int = 0,
) -> Page:
    """Open requests this person asked for or watches, newest first."""
    watched = select(Watcher.request_id).where(Watcher.identity == identity)
    query = (
        select(Request)
        .where(or_(Request.requester == identity, Request.id.in_(watched)))
        .where(Request.status.in_(statuses))
        .order_by(Request.id.desc())
    )
    return await _page(session, query, limit=limit, offset=offset)


async def assigned_to(
    *,
    session: AsyncSession,
    identity: str,
    statuses: Sequence[str],
    limit: int = 20,
    offset: int = 0,
) -> Page:
    """Requests assigned to this technician, newest first."""
    query = (
        select(Request)
        .where(Request.assignee == identity, Request.status.in_(statuses))
        .order_by(Request.id.desc())
    )
    return await _page(session, query, limit=limit, offset=offset)


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
    query = _PUBLIC_TIMELINE if public_only else _TIMELINE
    return list(await session.scalars(query, {"request_id": request_id}))


async def watchers(*, session: AsyncSession, request_id: int) -> list[str]:
    return list(await session.scalars(_WATCHERS, {"request_id": request_id}))


async def is_watching(*, session: AsyncSession, request_id: int, identity: str) -> bool:
    found = await session.scalar(_IS_WATCHING, {"request_id": request_id, "identity": identity})
    return found is not None


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
    *, session: AsyncSession, statuses: Sequence[str], limit: int = 20, offset: int = 0
) -> Page:
    """Requests nobody has picked up, oldest first (the order to pick them up in)."""
    query = (
        select(Request)
        .where(Request.assignee.is_(None), Request.status.in_(statuses))
        .order_by(Request.id)
    )
    return await _page(session, query, limit=limit, offset=offset)


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


async def resolved_before(
    *, session: AsyncSession, status: str, before: datetime, limit: int
) -> list[Request]:
    """Requests still in `status` (resolved) whose resolution is older than `before`."""
    query = (
        select(Request)
        .where(Request.status == status, Request.resolved_at < before)
        .order_by(Request.resolved_at)
        .limit(limit)
    )
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(await session.scalars(query))
