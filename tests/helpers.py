"""Small helpers the tests share."""

from __future__ import annotations

from storage import roles
from storage.db import Database


async def grant(db: Database, identity: str, *role_names: str) -> None:
    async with db.write() as session:
        for role in role_names:
            await roles.grant(session=session, identity=identity, role=role)
