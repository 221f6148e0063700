"""Inbound platform events already seen: a redelivered event is handled once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboundEvent
from storage.types import utcnow
from storage.upsert import insert_for


async def first_delivery(*, session: AsyncSession, event_id: str) -> bool:
    """Records the event; True the first time it is seen, False for a redelivery."""
    statement = (
        insert_for(session, InboundEvent)
        .values(event_id=event_id, received_at=utcnow())
        .on_conflict_do_nothing()
    )
    return (await session.execute(statement)).rowcount == 1


async def forget(*, session: AsyncSession, before: datetime, limit: int) -> int:
    """Deletes up to `limit` events received before `before`; returns how many."""
    # Ids first, then a delete by key: a `DELETE … IN (SELECT … LIMIT)` can make PostgreSQL
    # scan the whole table once per batch.
    query = select(InboundEvent.event_id).where(InboundEvent.received_at < before).limit(limit)
    old = list(await session.scalars(query))
    if old:
        await session.execute(delete(InboundEvent).where(InboundEvent.event_id.in_(old)))
    return len(old)
