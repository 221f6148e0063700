"""`/cx-summary` at scale: 1,000,000 ratings over 200,000 rated requests.

The data is generated with a fixed seed: requests with their public timelines (opened, up to
three updates, resolved), surveys (answered, or not sent: 10% fatigue, 5% sampling, on
requests of their own), who worked each request, comments, follow-ups and a year of
quarterly pulse answers. It is loaded through storage.bulk (COPY on PostgreSQL, batched
INSERTs on SQLite), then ANALYZE.

Then the summary's figures (Summaries.figures and the weekly points for the chart, the card
included; the chart's drawing is timed apart: it is drawing, not a query) are timed against
the very same statements run as raw SQL on the driver itself (asyncpg, sqlite3): recorded
from cxbot's own run, replayed with the same parameters, taking turns. Bar: at most 1.5x.

    .venv/bin/python -m bench.summary_scale [--ratings 1000000] [--database-url URL]
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
from typing import Any

from sqlalchemy import event, insert, text
from sqlmodel import SQLModel

from bench.common import machine
from bot.cx import summary_cards
from bot.cx.dimensions import DIMENSIONS
from bot.cx.periods import Period, parse_period
from bot.cx.summary import Scope, Summaries, chart_of, zone_offset
from bot.requests.codes import code_for
from bot.settings import Settings
from storage import (
    bulk,
    models,  # noqa: F401 (the tables, for insert)
)
from storage.db import Database
from storage.migrate import migrate
from tests.helpers import reset_postgres

BAR = 1.5
SEED = 20261124
PERIODS = ("7d", "30d", "90d")
TECHNICIANS = 40


def generate(requests: int, per_request: int, now: datetime) -> dict[str, tuple[tuple, list]]:
    """Table → (columns, rows) over the last 180 days, the same for the same seed."""
    rng = random.Random(SEED)
    keys = [d.key for d in DIMENSIONS]
    tables: dict[str, tuple[tuple, list]] = {
        "timeline": (("request_id", "at", "actor", "kind", "text", "public"), []),
        "surveys": (("request_id", "requester", "sent_at", "closes_at", "comment", "comment_at",
                     "skipped", "anonymous", "answered_at"), []),
        "survey_credits": (("request_id", "technician"), []),
        "follow_ups": (("request_id", "state", "opened_at", "note"), []),
    }  # fmt: skip
    request_rows, rating_rows = [], []
    skipped_too = requests * 15 // 85
    for n in range(1, requests + skipped_too + 1):
        opened = now - timedelta(seconds=rng.uniform(0, 180 * 86400))
        resolved = opened + timedelta(seconds=rng.uniform(600, 5 * 86400))
        requester = f"slack:T1:U{rng.randrange(5000):05d}"
        worker = rng.randrange(TECHNICIANS)
        technician = f"slack:T1:UTECH{worker}"
        request_rows.append(
            (n, code_for(n), requester, f"Generated request {n}", "resolved", technician,
             opened, resolved, resolved, resolved)
        )  # fmt: skip
        timeline = tables["timeline"][1]
        timeline.append((n, opened, requester, "opened", "", True))
        for at in sorted(rng.uniform(0, 1) for _ in range(rng.randrange(4))):
            timeline.append((n, opened + (resolved - opened) * at, technician, "update", "", True))
        timeline.append((n, resolved, technician, "status", "", True))
        rated = min(now, resolved + timedelta(hours=rng.uniform(0, 48)))
        closes = resolved + timedelta(days=14)
        if n > requests:  # not asked: fatigue two times in three, else sampling
            skipped = "fatigue" if n % 3 else "sampled"
            tables["surveys"][1].append(
                (n, requester, resolved, closes, None, None, skipped, False, None)
            )
            continue
        commented = rng.random() < 0.1
        tables["surveys"][1].append(
            (n, requester, resolved, closes, "Generated comment" if commented else None,
             rated if commented else None, None, rng.random() < 0.3, rated)
        )  # fmt: skip
        tables["survey_credits"][1].append((n, technician))
        if rng.random() < 0.2:
            other = f"slack:T1:UTECH{(worker + 1) % TECHNICIANS}"
            tables["survey_credits"][1].append((n, other))
        scores = [rng.choice((1, 2, 3, 4, 4, 5, 5, 5)) for _ in keys[:per_request]]
        for key, score in zip(keys, scores, strict=False):
            rating_rows.append((n, requester, key, score, rated))
        if min(scores) <= 2 and rng.random() < 0.1:
            state = rng.choice(("open", "reaching", "resolved"))
            tables["follow_ups"][1].append((n, state, rated, ""))
    tables["pulse_ratings"] = (
        ("quarter", "token", "dimension", "score", "rated_at"),
        [(quarter, f"t{quarter}-{t}", key, rng.randint(2, 5), now)
         for quarter in (20254, 20261, 20262, 20263, 20264) for t in range(2000) for key in keys],
    )  # fmt: skip
    return {"requests": (bulk.REQUEST_COLUMNS, request_rows),
            "ratings": (bulk.RATING_COLUMNS, rating_rows), **tables}  # fmt: skip


async def _copy(session: Any, table: str, columns: tuple, rows: list) -> None:
    """The benchmark's own tables, loaded as storage.bulk loads requests and ratings."""
    if session.bind.dialect.name == "postgresql":
        raw = await (await session.connection()).get_raw_connection()
        await raw.driver_connection.copy_records_to_table(table, records=rows, columns=columns)
        return
    # Through the table's own column types, so times are stored as cxbot stores them.
    statement = insert(SQLModel.metadata.tables[table])
    for start in range(0, len(rows), 10_000):
        batch = rows[start : start + 10_000]
        await session.execute(statement, [dict(zip(columns, r, strict=True)) for r in batch])


async def load(db: Database, requests: int, per_request: int) -> tuple[float, float, int]:
    now = datetime.now(UTC)
    started = time.perf_counter()
    tables = generate(requests, per_request, now)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    async with db.write() as session:
        await bulk.add_requests(session=session, rows=tables.pop("requests")[1])
        ratings = tables.pop("ratings")[1]
        await bulk.add_ratings(session=session, rows=ratings)
        for table, (columns, rows) in tables.items():
            await _copy(session, table, columns, rows)
    loaded = time.perf_counter() - started
    async with db.engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    return generated, loaded, len(ratings)


class Recorder:
    """The statements cxbot sends to the database, with their parameters, as the driver
    receives them."""

    def __init__(self, db: Database) -> None:
        self.statements: list[tuple[str, Any]] = []
        self.on = False
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.on:
            self.statements.append((statement, parameters))


async def replay(db: Database, statements: list[tuple[str, Any]]) -> int:
    """The recorded statements on the driver itself, no SQLAlchemy in between; rows read."""
    rows = 0
    async with db.engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        for statement, parameters in statements:
            if db.dialect == "postgresql":
                rows += len(await raw.fetch(statement, *parameters))
            else:
                cursor = await raw.execute(statement, parameters)
                rows += len(await cursor.fetchall())
    return rows


async def measure(db: Database, repeats: int) -> dict[str, tuple[float, float, float, int]]:
    """Per period: (ours ms, raw ms, chart drawing ms, statements), medians of turns."""
    settings = Settings(database_url=str(db.url))
    summaries = Summaries(db, settings)
    recorder = Recorder(db)
    result = {}
    for word in PERIODS:
        period = parse_period(word, zone=settings.zone, now=datetime.now(UTC))

        async def ours(period: Period = period) -> Any:
            card = summary_cards.summary_card(await summaries.figures(period, Scope()))
            return card, await summaries.weekly_points(period, Scope())

        recorder.statements.clear()
        recorder.on = True
        card, points = await ours()
        recorder.on = False
        statements = list(recorder.statements)
        assert card.fields and points, "the summary came back empty"
        ours_s, raw_s, drawing_s = [], [], []
        for _ in range(repeats):
            started = time.perf_counter()
            await ours()
            ours_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            assert await replay(db, statements)
            raw_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            chart_of(period, points, zone_offset(settings, period.end))
            drawing_s.append(time.perf_counter() - started)
        medians = [statistics.median(s) * 1000 for s in (ours_s, raw_s, drawing_s)]
        result[word] = (*medians, len(statements))
    return result


async def bench(name: str, url: str, args: argparse.Namespace) -> float:
    db = Database(url)
    try:
        await migrate(db)
        per_request = max(1, min(5, args.ratings // args.requests))
        generated, loaded, ratings = await load(db, args.requests, per_request)
        print(
            f"{name}: generated {args.requests:,} rated requests (and {args.requests * 15 // 85:,}"
            f" not asked) and {ratings:,} ratings in {generated:.1f} s, loaded in {loaded:.1f} s"
        )
        worst = 0.0
        for period, (ours, raw, drawing, statements) in (await measure(db, args.repeats)).items():
            ratio = ours / raw
            worst = max(worst, ratio)
            print(
                f"{name} {period:>4}: summary figures {ours:8.1f} ms | the same {statements} "
                f"statements as raw SQL {raw:8.1f} ms | ratio {ratio:.2f}x | "
                f"chart drawing {drawing:6.1f} ms (apart)"
            )
        return worst
    finally:
        await db.dispose()


async def run(args: argparse.Namespace) -> float:
    print(f"{machine()}; median of {args.repeats} interleaved runs per period")
    worst = 0.0
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            sqlite_url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            worst = max(worst, await bench("SQLite", sqlite_url, args))
    if args.database_url:
        await reset_postgres(args.database_url)
        worst = max(worst, await bench("PostgreSQL", args.database_url, args))
        await reset_postgres(args.database_url)
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--ratings", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--database-url",
        "--postgres-url",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/test",
        help="a scratch PostgreSQL database: its public schema is emptied; '' to skip it",
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
