"""INSERT … ON CONFLICT for the two databases we run on."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_for(session: AsyncSession, table: Any) -> Any:
    """The dialect's own insert(), which has on_conflict_do_update/do_nothing."""
    name = session.bind.dialect.name
    module = postgresql if name == "postgresql" else sqlite
    return module.insert(table)
