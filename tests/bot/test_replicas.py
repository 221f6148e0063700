"""Two dispatchers (as in two replicas) on one database send each message once."""

from __future__ import annotations

import asyncio
from collections import Counter

from bot.delivery.dispatch import Dispatcher, Outgoing, Result, Sent
from bot.settings import Settings
from storage import outbox
from storage.db import Database
from tests.helpers import enqueue_messages

MESSAGES = 300


class CountingPlatform:
    def __init__(self) -> None:
        self.sent: Counter[int] = Counter()
        self.by_replica: Counter[str] = Counter()

    def for_replica(self, name: str) -> _Replica:
        return _Replica(self, name)


class _Replica:
    def __init__(self, platform: CountingPlatform, name: str) -> None:
        self.platform = platform
        self.name = name

    async def deliver(self, message: Outgoing) -> Result:
        await asyncio.sleep(0.001)  # let the other replica run meanwhile
        self.platform.sent[message.id] += 1
        self.platform.by_replica[self.name] += 1
        return Sent({"conversation": "D1", "message": str(message.id)})


async def test_two_replicas_send_each_message_once(db: Database, settings: Settings) -> None:
    await enqueue_messages(db, MESSAGES)
    platform = CountingPlatform()
    small_batches = settings.model_copy(update={"outbox_batch": 10})
    other_db = Database(settings.database_url)  # the second replica has its own pool
    try:
        first = Dispatcher(db, small_batches, {"slack": platform.for_replica("a")})
        second = Dispatcher(other_db, small_batches, {"slack": platform.for_replica("b")})
        await asyncio.gather(first.drain(rounds=1000), second.drain(rounds=1000))
    finally:
        await other_db.dispose()
    assert len(platform.sent) == MESSAGES
    assert set(platform.sent.values()) == {1}, "a message was sent twice"
    async with db.read() as session:
        assert await outbox.counts(session=session) == {outbox.SENT: MESSAGES}
    assert platform.by_replica["a"] > 0 and platform.by_replica["b"] > 0
