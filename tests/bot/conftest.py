"""Core tests go through an in-memory platform that records what would be sent."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bot.delivery.dispatch import Dispatcher, Outgoing, Result, Sent
from bot.desk import Desk
from bot.settings import Settings
from bot.views import Card
from storage.db import Database


@dataclass
class Delivered:
    op: str
    target: str
    card: Card
    card_key: str | None
    updated_in_place: bool


@dataclass
class RecordingPlatform:
    """A platform that accepts everything and remembers it."""

    delivered: list[Delivered] = field(default_factory=list)
    _counter: int = 0

    async def deliver(self, message: Outgoing) -> Result:
        in_place = message.op == "upsert" and message.address is not None
        self.delivered.append(
            Delivered(message.op, message.target, message.card, message.card_key, in_place)
        )
        if message.address is not None and in_place:
            return Sent(message.address)
        self._counter += 1
        return Sent({"conversation": f"C-{message.target}", "message": str(self._counter)})

    def to(self, identity: str) -> list[Delivered]:
        return [d for d in self.delivered if d.target == f"person:{identity}"]

    def titles_to(self, identity: str) -> list[str]:
        return [d.card.title for d in self.to(identity)]

    def triage(self) -> list[Delivered]:
        return [d for d in self.delivered if d.target == "triage"]

    def clear(self) -> None:
        self.delivered.clear()


@dataclass
class World:
    desk: Desk
    platform: RecordingPlatform
    dispatcher: Dispatcher
    db: Database

    async def flush(self) -> None:
        await self.dispatcher.drain()


@pytest.fixture
async def world(db: Database, settings: Settings) -> World:
    platform = RecordingPlatform()
    dispatcher = Dispatcher(db, settings, {"slack": platform})
    desk = Desk(db, settings, dispatcher.wake)
    desk.requests.notify.triage = ("slack",)  # IT works in a Slack channel
    return World(desk=desk, platform=platform, dispatcher=dispatcher, db=db)
