"""The running server prunes old inbound events and old sent messages on its own."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestServer
from sqlalchemy import select, update

from adapters.web import create_app
from bot.settings import Settings
from storage import events as event_store
from storage.db import Database
from storage.migrate import migrate
from storage.models import InboundEvent
from storage.types import utcnow
from tests.helpers import eventually


async def test_the_server_forgets_old_inbound_events_on_its_own(database_url: str) -> None:
    db = Database(database_url)
    await migrate(db)
    async with db.write() as session:
        for event_id in ("slack:EvLastWeek", "slack:EvJustNow"):
            await event_store.first_delivery(session=session, event_id=event_id)
        await session.execute(
            update(InboundEvent)
            .where(InboundEvent.event_id == "slack:EvLastWeek")
            .values(received_at=utcnow() - timedelta(days=7))
        )
    settings = Settings(database_url=database_url, jobs_every_seconds=0.2)
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server()
    try:

        async def only_the_new_one_left() -> bool:
            async with db.read() as session:
                left = set(await session.scalars(select(InboundEvent.event_id)))
            return left == {"slack:EvJustNow"}

        await eventually(only_the_new_one_left)
    finally:
        await server.close()
        await db.dispose()
