"""Charts the server serves by address, each under a token nobody can guess."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChartRecord
from storage.types import utcnow

# 32 random bytes, as URL-safe text: as hard to guess as a strong password.
TOKEN_BYTES = 32


async def save(*, session: AsyncSession, png: bytes) -> str:
    """Keeps the PNG; returns the token it is served under."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(ChartRecord(token=token, png=png, created_at=utcnow()))
    return token


async def png(*, session: AsyncSession, token: str) -> bytes | None:
    """The PNG kept under `token`; None when there is none (never was, or pruned)."""
    return await session.scalar(select(ChartRecord.png).where(ChartRecord.token == token))


async def prune(*, session: AsyncSession, before: datetime, limit: int) -> int:
    """Deletes up to `limit` charts made before `before`; returns how many."""
    # Keys first, then a delete by key, as the other prunes do (see storage/events.py).
    query = select(ChartRecord.token).where(ChartRecord.created_at < before).limit(limit)
    old = list(await session.scalars(query))
    if old:
        await session.execute(delete(ChartRecord).where(ChartRecord.token.in_(old)))
    return len(old)
