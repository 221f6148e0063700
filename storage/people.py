"""The people directory: names to show, and who cannot be reached; conversation references."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConversationRecord, PersonRecord
from storage.types import utcnow
from storage.upsert import insert_for


async def names_of(*, session: AsyncSession, identities: Iterable[str]) -> dict[str, str]:
    """The known names of these people; people with no name known are left out."""
    wanted = list(dict.fromkeys(identities))
    if not wanted:
        return {}
    query = select(PersonRecord.identity, PersonRecord.name).where(
        PersonRecord.identity.in_(wanted), PersonRecord.name.is_not(None)
    )
    return {identity: name for identity, name in (await session.execute(query)).all()}


async def remember_name(*, session: AsyncSession, identity: str, name: str) -> None:
    now = utcnow()
    statement = insert_for(session, PersonRecord).values(identity=identity, name=name, name_at=now)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["identity"], set_={"name": name, "name_at": now}
        )
    )


async def person(*, session: AsyncSession, identity: str) -> PersonRecord | None:
    return await session.get(PersonRecord, identity)


async def mark_unreachable(*, session: AsyncSession, identity: str, at: datetime) -> bool:
    """Records that the person cannot be messaged. True the first time (since they were
    last reachable), so whoever needs telling is told once."""
    result = await session.execute(
        update(PersonRecord)
        .where(PersonRecord.identity == identity, PersonRecord.unreachable_at.is_(None))
        .values(unreachable_at=at)
    )
    if result.rowcount == 1:
        return True
    statement = insert_for(session, PersonRecord).values(identity=identity, unreachable_at=at)
    inserted = await session.execute(statement.on_conflict_do_nothing(index_elements=["identity"]))
    return inserted.rowcount == 1


async def mark_reachable(*, session: AsyncSession, identity: str) -> None:
    await session.execute(
        update(PersonRecord)
        .where(PersonRecord.identity == identity, PersonRecord.unreachable_at.is_not(None))
        .values(unreachable_at=None)
    )


async def save_conversation(
    *, session: AsyncSession, key: str, platform: str, reference: dict[str, Any]
) -> None:
    now = utcnow()
    statement = insert_for(session, ConversationRecord).values(
        key=key, platform=platform, reference=reference, updated_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["key"], set_={"reference": reference, "updated_at": now}
        )
    )


async def conversation(*, session: AsyncSession, key: str) -> dict[str, Any] | None:
    found = await session.get(ConversationRecord, key)
    return dict(found.reference) if found is not None else None


async def latest_conversation(*, session: AsyncSession, prefix: str) -> dict[str, Any] | None:
    """The reference most recently saved under a key starting with `prefix`."""
    query = (
        select(ConversationRecord.reference)
        .where(ConversationRecord.key.startswith(prefix, autoescape=True))
        .order_by(ConversationRecord.updated_at.desc())
        .limit(1)
    )
    found = await session.scalar(query)
    return dict(found) if found is not None else None
