"""Fan-out to Teams: 200 DMs, each to its own person's chat with the bot, through the outbox,
the real dispatcher and Teams' delivery to a fake Bot Connector that keeps Teams' limits.

The fake refuses a write with 429 and `Retry-After` (whole seconds) past either limit:
Teams' published windows for one conversation (7 in 1 s, 8 in 2 s, 60 in 30 s, 1800 an
hour) and a limit for the bot across conversations (Teams publishes 50 requests a second per
app per tenant, without its shape; two shapes are measured). Every person's conversation
reference is stored first, as the inbound side stores it when they talk to the bot. Prints
one line per run: accepted writes, the floor (the time a sender that knew the limits exactly
would need from the first accepted write to the last, `limiters.floor`), the elapsed time
over the same span, their ratio, messages lost and sent twice, and the 429 answers.
Bar: 0 lost, 0 duplicates, at most 1.1x.

    .venv/bin/python -m bench.teams_fanout [--messages 200] [--shapes a,b] [--database-url URL]
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from botbuilder.core import TurnContext
from botbuilder.schema import Activity
from sqlalchemy import delete

from adapters.core import build_core
from adapters.teams.auth import build_adapter
from adapters.teams.delivery import TeamsDelivery
from adapters.teams.settings import TeamsSettings
from bench.fanout import Row, shapes_main
from bench.limiters import AllOf, Limiter, PerChannel, SlidingWindow, TokenBucket, floor
from bench.limiters import teams_conversation as per_conversation
from bot.people import teams_identity
from bot.settings import Settings
from bot.views import Card, dump_card
from storage import outbox
from storage import people as people_store
from storage.db import Database
from storage.models import CardRef, ConversationRecord, OutboxMessage
from tests.e2e.fake_teams import FakeTeams
from tests.e2e.teams_activities import TeamsUser

BAR = 1.1
TITLE = "teams fan-out"
APP_ID = "00000000-0000-4000-8000-0000000b3c11"
TENANT = "00000000-0000-4000-8000-00000000be1c"


@dataclass(frozen=True)
class Shape:
    name: str
    what: str
    limiter: Callable[[], Limiter]


SHAPES = [
    Shape(
        "sliding",
        "50 in any second across conversations; Teams' windows per conversation",
        lambda: AllOf([SlidingWindow(50, 1.0), PerChannel(per_conversation)]),
    ),
    Shape(
        "bucket",
        "token bucket, 50 a second, 10 saved, across conversations; Teams' windows each",
        lambda: AllOf([TokenBucket(50, burst=10), PerChannel(per_conversation)]),
    ),
]


async def run_shape(shape: Shape, messages: int, url: str) -> Row:
    db = Database(url)
    settings = Settings(database_url=url)
    fake = FakeTeams()
    await fake.start()
    try:
        await _empty(db)
        users = [
            TeamsUser(f"Person {n}", f"00000000-0000-4000-8000-{n:012d}") for n in range(messages)
        ]
        conversations = await _remember(db, fake, users)
        await _enqueue(db, users)
        fake.limit(shape.limiter())
        core = build_core(settings, db)
        teams = TeamsSettings(emulator=True)
        core.add("teams", TeamsDelivery(build_adapter(teams), teams, core), triage=False)
        task = asyncio.create_task(core.dispatcher.run())
        try:
            await fake.wait_for(
                lambda calls: len({c.activity["summary"] for c in fake.posted()}) >= messages,
                within=messages / 10 + 60,
            )
            await asyncio.sleep(0.5)  # anything sent twice would arrive by now
        finally:
            core.dispatcher.stop()
            await task
        writes = fake.posted()
        await _empty(db)
    finally:
        await fake.close()
        await db.dispose()
    summaries = Counter(c.activity["summary"] for c in writes)
    return Row(
        shape=shape,
        database="PostgreSQL" if url.startswith("postgresql") else "SQLite",
        writes=len(writes),
        floor=floor(shape.limiter, conversations),
        elapsed=max(c.at for c in writes) - min(c.at for c in writes),
        lost=messages - len(summaries),
        duplicates=sum(n - 1 for n in summaries.values()),
        refused=fake.rate_limited,
    )


async def _remember(db: Database, fake: FakeTeams, users: list[TeamsUser]) -> list[str]:
    """Each person's chat with the bot, stored as the inbound side stores it; their ids."""
    activities = fake.activities(APP_ID, tenant_id=TENANT)
    ids = []
    async with db.write() as session:
        for user in users:
            message = Activity().deserialize(activities.personal_message(user, "hi"))
            await people_store.save_conversation(
                session=session,
                key=f"person:{_identity(user)}",
                platform="teams",
                reference=TurnContext.get_conversation_reference(message).serialize(),
            )
            ids.append(message.conversation.id)
    return ids


async def _enqueue(db: Database, users: list[TeamsUser]) -> None:
    async with db.write() as session:
        for n, user in enumerate(users):
            card = Card(title=f"{TITLE} {n}", fallback=f"{TITLE} {n}")
            await outbox.enqueue(
                session=session,
                platform="teams",
                op="post",
                target=f"person:{_identity(user)}",
                payload=dump_card(card),
            )


def _identity(user: TeamsUser) -> str:
    return teams_identity(TENANT, user.aad_object_id)


async def _empty(db: Database) -> None:
    """The outbox, and this benchmark's people (a scratch database may hold others)."""
    async with db.write() as session:
        await session.execute(delete(OutboxMessage))
        await session.execute(delete(CardRef))
        mine = ConversationRecord.key.startswith(f"person:teams:{TENANT}:")
        await session.execute(delete(ConversationRecord).where(mine))


def main() -> None:
    shapes_main(
        description=__doc__.split("\n\n")[0],
        shapes=SHAPES,
        run_shape=run_shape,
        messages=200,
        what="DMs to as many Teams conversations",
        headline="Teams fan-out",
        columns="| shape | database | accepted |",
    )


if __name__ == "__main__":
    main()
