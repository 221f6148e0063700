"""Fan-out under rate limits of every shape: messages through the outbox to a Slack that
rate-limits, one table row per limiter shape.

For each shape the outbox is filled (DMs, each to its own person, or card edits in a few
conversations), then the dispatcher sends them through the Slack delivery to a fake Slack
that limits `chat.postMessage` and `chat.update` with that shape (`bench/limiters.py`) and
answers 429 with `Retry-After` (whole seconds) past it. Prints per shape: accepted writes,
the floor (the time a sender that knew the limiter exactly would need from the first
accepted write to the last, computed by `limiters.floor`), the elapsed time over the same
span, their ratio, messages lost and sent twice, and the 429 answers. Bar: 0 lost,
0 duplicates, at most 1.1x, for every shape.

    .venv/bin/python -m bench.fanout [--messages 1000] [--shapes a,b] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.delivery import SlackDelivery
from bench.common import fake_slack, machine
from bench.limiters import (
    AllOf,
    Limiter,
    PerChannel,
    SlidingWindow,
    TokenBucket,
    floor,
    teams_conversation,
)
from bot.delivery.dispatch import Dispatcher
from bot.delivery.pace import TEAMS_PER_CONVERSATION, Window
from bot.settings import Settings
from storage.db import Database
from storage.migrate import migrate
from tests.helpers import enqueue_messages

BAR = 1.1
TITLE = "fan-out"
WRITES = ("chat.postMessage", "chat.update")
TEAMS = TEAMS_PER_CONVERSATION


@dataclass(frozen=True)
class Shape:
    name: str
    what: str
    limiter: Callable[[], Limiter]
    # Where each write goes, in the order they are queued: a person's DM or a conversation.
    workload: Callable[[int], list[str]]
    # The per-conversation limits the delivery declares (Slack's own unless said).
    windows: tuple[Window, ...] = SlackDelivery.per_destination
    # Several writes to one person: one card edited in place (chat.update), else new messages.
    cards: bool = False


def dms(count: int) -> list[str]:
    return [f"U{n}" for n in range(count)]


def edits(count: int) -> list[str]:
    """Ten cards, each posted and then edited in place, one round of edits after another."""
    return [f"UCARD{n % 10}" for n in range(count // 5)]


def teams_mix(count: int) -> list[str]:
    """Four busy conversations among DMs to many people."""
    busy = [f"UCONV{n % 4}" for n in range(count // 5)]
    people = dms(count - len(busy))
    mixed = [m for pair in zip(busy, people, strict=False) for m in pair]
    return mixed + people[len(busy) :]


SHAPES = [
    Shape(
        "slack",
        "50 a sliding second across the workspace, 1 a second per channel; DMs",
        lambda: AllOf([SlidingWindow(50, 1.0), PerChannel(lambda: SlidingWindow(1, 1.0))]),
        dms,
    ),
    Shape("sliding", "50 in any 1 s (a log of calls); DMs", lambda: SlidingWindow(50, 1.0), dms),
    Shape(
        "bucket+burst",
        "token bucket, 50 a second, 50 saved; DMs",
        lambda: TokenBucket(50, burst=50),
        dms,
    ),
    Shape(
        "even bucket",
        "token bucket, 20 a second, nothing saved (an even pace, as in issue 8); 2 in 5 DMs",
        lambda: TokenBucket(20, burst=1),
        lambda count: dms(count * 2 // 5),
    ),
    Shape(
        "per channel",
        "1 a second per channel, 50 a second across; ten cards edited (chat.update)",
        lambda: AllOf([SlidingWindow(50, 1.0), PerChannel(lambda: SlidingWindow(1, 1.0))]),
        edits,
        cards=True,
    ),
    Shape(
        "teams",
        "per conversation 7/1 s, 8/2 s, 60/30 s, 1800/h; 50 a second across (10 saved); "
        "four busy conversations among DMs",
        lambda: AllOf([TokenBucket(50, burst=10), PerChannel(teams_conversation)]),
        teams_mix,
        TEAMS,
    ),
]


@dataclass
class Row:
    shape: Any  # a benchmark's own shape, with a name and what it is
    writes: int
    floor: float
    elapsed: float
    lost: int
    duplicates: int
    refused: int
    database: str = ""  # shown as a column when set

    @property
    def ratio(self) -> float:
        return self.elapsed / self.floor


def ours(calls: list) -> list:
    """The benchmark's own writes (a scratch database may hold other messages)."""
    return [
        c for c in calls if c.method in WRITES and str(c.args.get("text", "")).startswith(TITLE)
    ]


async def run_shape(shape: Shape, messages: int, url: str) -> Row:
    channels = shape.workload(messages)
    db = Database(url)
    await _empty_outbox(db)
    await _enqueue(db, channels, cards=shape.cards)
    settings = Settings(database_url=url)
    async with fake_slack() as fake, aiohttp.ClientSession() as http:
        fake.limit(shape.limiter(), methods=WRITES)
        client = AsyncWebClient(token="xoxb-bench", base_url=fake.url, session=http)
        delivery = SlackDelivery(client, triage_channel=None)
        delivery.per_destination = shape.windows
        dispatcher = Dispatcher(db, settings, {"slack": delivery})
        task = asyncio.create_task(dispatcher.run())
        try:
            await fake.wait_for(
                lambda calls: len({c.args.get("text") for c in ours(calls)}) >= len(channels),
                within=len(channels) / 10 + 60,
            )
            await asyncio.sleep(0.5)  # anything sent twice would arrive by now
        finally:
            dispatcher.stop()
            await task
        writes, refused = ours(fake.calls), fake.rate_limited
    await _empty_outbox(db)
    await db.dispose()
    texts = Counter(c.args.get("text") for c in writes)
    return Row(
        shape=shape,
        writes=len(writes),
        floor=floor(shape.limiter, [_conversation(c) for c in channels]),
        elapsed=max(c.at for c in writes) - min(c.at for c in writes),
        lost=len(channels) - len(texts),
        duplicates=sum(n - 1 for n in texts.values()),
        refused=refused,
    )


def _conversation(user: str) -> str:
    return "D" + user[1:]


async def _enqueue(db: Database, channels: list[str], *, cards: bool) -> None:
    """Each write in line in order."""
    if channels == dms(len(channels)):
        await enqueue_messages(db, len(channels), title=TITLE)  # DMs, to U0, U1, …
        return
    rounds: Counter[str] = Counter()
    counts = Counter(channels)
    for user in channels:
        n = rounds[user]
        rounds[user] += 1
        card = cards and counts[user] > 1
        await enqueue_messages(
            db,
            1,
            title=f"{TITLE} {user} {n}",
            target=f"person:slack:T1:{user}",
            op="upsert" if card else "post",
            card_key=f"bench:{user}" if card else None,
            supersede=False,
        )


async def _empty_outbox(db: Database) -> None:
    from sqlalchemy import delete

    from storage.models import CardRef, OutboxMessage

    async with db.write() as session:
        await session.execute(delete(OutboxMessage))
        await session.execute(delete(CardRef))


async def run_shapes(
    shapes: Sequence[Any],
    run_shape: Callable[[Any, int, str], Awaitable[Row]],
    args: argparse.Namespace,
) -> list[Row]:
    """Each wanted shape in turn on one database (a new SQLite file unless one is given),
    printing its row as soon as it is measured."""
    wanted = {s.strip() for s in args.shapes.split(",")} if args.shapes else None
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        db = Database(url)
        await migrate(db)
        await db.dispose()
        for shape in shapes:
            if wanted is None or shape.name in wanted:
                rows.append(await run_shape(shape, args.messages, url))
                print(_line(rows[-1]), flush=True)
    return rows


def _line(row: Row) -> str:
    database = f" {row.database} |" if row.database else ""
    return (
        f"| {row.shape.name} |{database} {row.writes} | {row.floor:.2f} s | "
        f"{row.elapsed:.2f} s | {row.ratio:.2f}x | {row.lost} | {row.duplicates} | "
        f"{row.refused} |"
    )


def shapes_main(
    *,
    description: str,
    shapes: Sequence[Any],
    run_shape: Callable[[Any, int, str], Awaitable[Row]],
    messages: int,
    what: str,
    headline: str,
    columns: str = "| shape | accepted writes |",
) -> None:
    """The command line of a fan-out benchmark: its table, then its headline."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--messages", type=int, default=messages, help=what)
    parser.add_argument("--shapes", default="", help="comma-separated names; default: all")
    parser.add_argument(
        "--database-url",
        default="",
        help="a scratch database (its outbox is emptied); default: a new SQLite file",
    )
    args = parser.parse_args()
    database = "PostgreSQL" if args.database_url.startswith("postgresql") else "SQLite"
    print(f"{machine()}; {database}; {args.messages} {what}")
    for shape in shapes:
        print(f"  {shape.name}: {shape.what}")
    print(f"{columns} floor | elapsed | ratio | lost | duplicates | 429s |")
    print("| --- " * (columns.count("|") + 5) + "|")
    rows = asyncio.run(run_shapes(shapes, run_shape, args))
    worst = max(rows, key=lambda r: r.ratio)
    lost = sum(r.lost for r in rows)
    duplicates = sum(r.duplicates for r in rows)
    verdict = "meets" if lost == 0 and duplicates == 0 and worst.ratio <= BAR else "MISSES"
    print(
        f"{headline}: {lost} lost, {duplicates} duplicates, worst "
        f"{worst.ratio:.2f}x the floor ({worst.shape.name}) ({verdict} the bar: 0 lost, {BAR}x)"
    )


def main() -> None:
    shapes_main(
        description=__doc__.split("\n\n")[0],
        shapes=SHAPES,
        run_shape=run_shape,
        messages=1000,
        what="messages per shape (DM shapes)",
        headline="fan-out by limiter shape",
    )


if __name__ == "__main__":
    main()
