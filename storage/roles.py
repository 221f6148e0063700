"""Who holds which role."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import RoleGrant
from storage.types import utcnow
from storage.upsert import insert_for

# Built once: asked on every command and tap, so not rebuilt each time.
_ROLES_OF = select(RoleGrant.role).where(RoleGrant.identity == bindparam("identity"))


async def roles_of(*, session: AsyncSession, identity: str) -> set[str]:
    return set(await session.scalars(_ROLES_OF, {"identity": identity}))


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


async def holders(*, session: AsyncSession, role: str) -> list[str]:
    """Everyone holding `role`, in a stable order."""
    query = select(RoleGrant.identity).where(RoleGrant.role == role).order_by(RoleGrant.identity)
    return list(await session.scalars(query))


async def all_grants(*, session: AsyncSession) -> list[RoleGrant]:
    query = select(RoleGrant).order_by(RoleGrant.identity, RoleGrant.role)
    return list(await session.scalars(query))
