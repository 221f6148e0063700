"""Fan-out under a rate limit: 1,000 DMs through the outbox to a Slack that rate-limits.

The fake Slack takes one message a second per channel and `--per-second` messages a second
across the workspace, answering 429 with Retry-After past either. `cxbot serve` starts with
the DMs already in its outbox (as after a broadcast) and sends them. Prints delivered, lost
and the elapsed time over the floor the limits allow (the last message cannot go out sooner
than (N-1) // per_second seconds after the first). Bar: 0 lost, at most 1.1x.

    .venv/bin/python -m bench.fanout [--messages 1000] [--per-second 50] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections import Counter
from pathlib import Path

from bench.common import cxbot, fake_slack, machine
from storage import outbox
from storage.db import Database
from storage.migrate import migrate
from tests.helpers import enqueue_messages

BAR = 1.1
TITLE = "fan-out"


def ours(calls: list) -> list:
    """The benchmark's own DMs (a scratch database may hold other messages)."""
    return [
        c
        for c in calls
        if c.method == "chat.postMessage" and str(c.args.get("text", "")).startswith(TITLE)
    ]


async def run(args: argparse.Namespace) -> tuple[int, int, float]:
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        db = Database(url)
        await migrate(db)
        if args.database_url:  # nothing else in line ahead of the fan-out
            await _empty_outbox(url)
        await enqueue_messages(db, args.messages, title=TITLE)
        async with fake_slack() as fake:
            fake.limit_posts(per_second=args.per_second)
            async with cxbot(fake, url, Path(tmp)):
                await fake.wait_for(
                    lambda calls: len({c.args.get("text") for c in ours(calls)}) >= args.messages,
                    within=args.messages / args.per_second * 3 + 30,
                )
            posts = ours(fake.calls)
            rate_limited = fake.rate_limited
        async with db.read() as session:
            states = await outbox.counts(session=session)
        await db.dispose()
        if args.database_url:
            await _empty_outbox(url)
    texts = Counter(c.args.get("text") for c in posts)
    delivered = len(texts)
    duplicates = sum(n - 1 for n in texts.values())
    elapsed = max(c.at for c in posts) - min(c.at for c in posts)
    floor = (args.messages - 1) // args.per_second
    print(
        f"{machine()}; {args.messages} DMs, limits: 1/s per channel, "
        f"{args.per_second}/s per workspace"
    )
    print(
        f"delivered {delivered}, lost {args.messages - delivered}, duplicates {duplicates}, "
        f"429 answers {rate_limited}, outbox {states}"
    )
    print(f"elapsed {elapsed:.2f} s, floor {floor} s")
    return delivered, args.messages - delivered, elapsed / floor


async def _empty_outbox(url: str) -> None:
    from sqlalchemy import delete

    from storage.models import OutboxMessage

    db = Database(url)
    async with db.write() as session:
        await session.execute(delete(OutboxMessage))
    await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--per-second", type=int, default=50)
    parser.add_argument(
        "--database-url",
        default="",
        help="a scratch database (its outbox is emptied afterwards); default: a new SQLite file",
    )
    args = parser.parse_args()
    _, lost, ratio = asyncio.run(run(args))
    verdict = "meets" if lost == 0 and ratio <= BAR else "MISSES"
    print(
        f"fan-out of {args.messages} DMs: {lost} lost, {ratio:.2f}x the floor "
        f"({verdict} the bar: 0 lost, {BAR}x)"
    )


if __name__ == "__main__":
    main()
