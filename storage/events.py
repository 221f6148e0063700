"""Inbound platform events already seen: a redelivered event is handled once."""

from __future__ import annotations

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
