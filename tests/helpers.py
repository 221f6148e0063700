"""Small helpers the tests share."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from storage import roles
from storage.db import Database

# Figures the long tests measure (cases tried, duplicates), printed at the end of the run.
FIGURES: Counter[str] = Counter()


async def reset_postgres(url: str) -> None:
    """Empties a scratch PostgreSQL database: its public schema, dropped and made again."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


async def grant(db: Database, identity: str, *role_names: str) -> None:
    async with db.write() as session:
        for role in role_names:
            await roles.grant(session=session, identity=identity, role=role)


async def eventually(check, within: float = 10.0) -> None:
    """Waits until `await check()` is true; fails with the last value after `within` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not (result := await check()):
        if loop.time() > deadline:
            raise AssertionError(f"still not true after {within}s: {result!r}")
        await asyncio.sleep(0.02)


async def enqueue_messages(
    db: Database,
    count: int,
    title: str = "message",
    *,
    target: str | None = None,
    payload: dict[str, Any] | None = None,
    op: str = "post",
    card_key: str | None = None,
    supersede: bool = True,
) -> list[int]:
    """`count` messages in the outbox, titled "<title> <n>"; their ids, oldest first.

    Each goes to its own person unless `target` is given; `payload` stores exactly that
    instead of a card (e.g. one that cannot be read).
    """
    from bot.views import Card, dump_card
    from storage import outbox

    async with db.write() as session:
        rows = []
        for n in range(count):
            card = Card(title=f"{title} {n}", fallback=f"{title} {n}")
            rows.append(
                await outbox.enqueue(
                    session=session,
                    platform="slack",
                    op=op,
                    target=target or f"person:slack:T1:U{n}",
                    payload=dump_card(card) if payload is None else payload,
                    card_key=card_key,
                    supersede=supersede,
                )
            )
        await session.flush()
        return [row.id for row in rows]
