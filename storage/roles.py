"""Who holds which role."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import RoleGrant
from storage.types import utcnow
from storage.upsert import insert_for


async def roles_of(*, session: AsyncSession, identity: str) -> set[str]:
    query = select(RoleGrant.role).where(RoleGrant.identity == identity)
    return set(await session.scalars(query))


async def grant(*, session: AsyncSession, identity: str, role: str) -> bool:
    statement = (
        insert_for(session, RoleGrant)
        .values(identity=identity, role=role, granted_at=utcnow())
        .on_conflict_do_nothing()
    )
    return (await session.execute(statement)).rowcount == 1


async def revoke(*, session: AsyncSession, identity: str, role: str) -> bool:
    grant_row = await session.get(RoleGrant, (identity, role))
    if grant_row is None:
        return False
    await session.delete(grant_row)
    return True


async def all_grants(*, session: AsyncSession) -> list[RoleGrant]:
    query = select(RoleGrant).order_by(RoleGrant.identity, RoleGrant.role)
    return list(await session.scalars(query))
