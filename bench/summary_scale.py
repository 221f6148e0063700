"""`/cx-summary` at scale: 1,000,000 ratings over 200,000 requests.

The data is generated with a fixed seed and loaded through storage.bulk (COPY on
PostgreSQL, batched INSERTs on SQLite). Then `/cx-summary`'s computation (Surveys.summary,
the card included) is timed against the same aggregate written as raw SQL and run on the
driver directly, taking turns, on SQLite and on PostgreSQL. Bar: at most 1.5x.

    .venv/bin/python -m bench.summary_scale [--ratings 1000000] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bench.common import machine
from bot.cx.dimensions import DIMENSIONS, PERIODS
from bot.cx.surveys import Surveys
from bot.people import Person, Role
from bot.requests.codes import code_for
from bot.settings import Settings
from storage import bulk
from storage.db import Database
from storage.migrate import migrate
from tests.helpers import reset_postgres

BAR = 1.5
SEED = 20261124
RAW_SQL = (
    "SELECT dimension, avg(score), count(*) FROM ratings WHERE rated_at >= {since} "
    "GROUP BY dimension"
)


def generate(requests: int, ratings_per_request: int, now: datetime):
    """(request rows, rating rows) over the last 180 days, the same for the same seed."""
    rng = random.Random(SEED)
    request_rows, rating_rows = [], []
    keys = [d.key for d in DIMENSIONS]
    for n in range(1, requests + 1):
        opened = now - timedelta(seconds=rng.uniform(0, 180 * 86400))
        resolved = opened + timedelta(seconds=rng.uniform(600, 5 * 86400))
        requester = f"slack:T1:U{rng.randrange(5000):05d}"
        request_rows.append(
            (n, code_for(n), requester, f"Generated request {n}", "resolved",
             f"slack:T1:UTECH{rng.randrange(40)}", opened, resolved, resolved, resolved)
        )  # fmt: skip
        rated = min(now, resolved + timedelta(hours=rng.uniform(0, 48)))
        for key in keys[:ratings_per_request]:
            rating_rows.append((n, requester, key, rng.choice((1, 2, 3, 4, 4, 5, 5, 5)), rated))
    return request_rows, rating_rows


async def load(db: Database, requests: int, per_request: int) -> tuple[float, float]:
    now = datetime.now(UTC)
    started = time.perf_counter()
    request_rows, rating_rows = generate(requests, per_request, now)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    async with db.write() as session:
        await bulk.add_requests(session=session, rows=request_rows)
        await bulk.add_ratings(session=session, rows=rating_rows)
    loaded = time.perf_counter() - started
    async with db.engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    return generated, loaded


async def raw_summary(db: Database, since: datetime) -> list:
    """The aggregate on the driver itself: asyncpg or sqlite3, no SQLAlchemy in between."""
    async with db.engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        if db.dialect == "postgresql":
            return await raw.fetch(RAW_SQL.format(since="$1"), since)
        stored = since.replace(tzinfo=None).isoformat(sep=" ")
        cursor = await raw.execute(RAW_SQL.format(since="?"), (stored,))
        return list(await cursor.fetchall())


async def measure(db: Database, repeats: int) -> dict[str, tuple[float, float, int]]:
    """Per period: (ours ms, raw ms, ratings counted), medians of interleaved runs."""
    surveys = Surveys(db, Settings(database_url=str(db.url)), wake=lambda: None)
    lead = Person("slack:T1:ULEAD", frozenset({Role.LEAD}))
    result = {}
    for period, days in PERIODS.items():
        ours, raw = [], []
        counted = 0
        for _ in range(repeats):
            started = time.perf_counter()
            card = await surveys.summary(lead, period)
            ours.append(time.perf_counter() - started)
            since = datetime.now(UTC) - timedelta(days=days)
            started = time.perf_counter()
            rows = await raw_summary(db, since)
            raw.append(time.perf_counter() - started)
            counted = sum(int(r[2]) for r in rows)
        assert card.fields, "the summary card came back empty"
        result[period] = (statistics.median(ours) * 1000, statistics.median(raw) * 1000, counted)
    return result


async def bench(name: str, url: str, args: argparse.Namespace) -> float:
    db = Database(url)
    try:
        await migrate(db)
        per_request = max(1, min(5, args.ratings // args.requests))
        generated, loaded = await load(db, args.requests, per_request)
        print(
            f"{name}: generated {args.requests:,} requests and {args.requests * per_request:,} "
            f"ratings in {generated:.1f} s, loaded in {loaded:.1f} s"
        )
        worst = 0.0
        for period, (ours, raw, counted) in (await measure(db, args.repeats)).items():
            ratio = ours / raw
            worst = max(worst, ratio)
            print(
                f"{name} {period:>4}: /cx-summary {ours:8.1f} ms | raw SQL {raw:8.1f} ms | "
                f"ratio {ratio:.2f}x | {counted:,} ratings"
            )
        return worst
    finally:
        await db.dispose()


async def run(args: argparse.Namespace) -> float:
    print(f"{machine()}; median of {args.repeats} interleaved runs per period")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        worst = max(worst, await bench("SQLite", sqlite_url, args))
    if args.postgres_url:
        await reset_postgres(args.postgres_url)
        worst = max(worst, await bench("PostgreSQL", args.postgres_url, args))
        await reset_postgres(args.postgres_url)
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--ratings", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--postgres-url",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/test",
        help="its public schema is emptied; '' to skip PostgreSQL",
    )
    args = parser.parse_args()
    worst = asyncio.run(run(args))
    verdict = "meets" if worst <= BAR else "MISSES"
    print(
        f"/cx-summary over {args.ratings:,} ratings, worst ratio to raw SQL: {worst:.2f}x "
        f"({verdict} the {BAR}x bar)"
    )


if __name__ == "__main__":
    main()
