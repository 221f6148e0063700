"""PostgreSQL sessions: cxbot's connection check against SQLAlchemy's `pool_pre_ping`.

Every request opens one or more short sessions. With `pool_pre_ping`, each session first
costs three round trips (BEGIN, a ping, ROLLBACK); cxbot instead hands out connections the
server has not closed and pings only those that sat idle (storage/db.py). The two pools take
turns running the same one-row read. Prints the time per session, wall and CPU, and the ratio.

    .venv/bin/python -m bench.db_sessions --database-url postgresql+asyncpg://…
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.common import machine
from storage.db import Database

ONE_ROW = text("SELECT 1")


def with_pre_ping(url: str) -> Database:
    """The same Database, its pool checked the SQLAlchemy way."""
    db = Database(url)
    db.engine = create_async_engine(db.url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    db._reader = db.engine.execution_options(isolation_level="AUTOCOMMIT")
    return db


async def per_session(db: Database, sessions: int) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(sessions):
        async with db.read() as session:
            await session.scalar(ONE_ROW)
    return (
        (time.perf_counter() - wall) / sessions * 1e6,
        (time.process_time() - cpu) / sessions * 1e6,
    )


async def run(args: argparse.Namespace) -> float:
    url = args.database_url
    pools = {"cxbot": Database(url), "pool_pre_ping": with_pre_ping(url)}
    measured: dict[str, list[tuple[float, float]]] = {name: [] for name in pools}
    try:
        for db in pools.values():  # warm-up: connections made, statements prepared
            await per_session(db, 200)
        for _ in range(args.rounds):
            for name, db in pools.items():
                measured[name].append(await per_session(db, args.sessions))
    finally:
        for db in pools.values():
            await db.dispose()
    print(f"{args.rounds} rounds of {args.sessions} read sessions each; {machine()}")
    medians = {
        name: (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
        for name, runs in measured.items()
    }
    for name, (wall, cpu) in medians.items():
        print(f"{name:14s} {wall:6.0f} us wall, {cpu:6.0f} us CPU per session")
    ours, theirs = medians["cxbot"], medians["pool_pre_ping"]
    print(f"wall ratio {ours[0] / theirs[0]:.2f}x")
    return ours[1] / theirs[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database")
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    ratio = asyncio.run(run(args))
    print(f"CPU per read session, cxbot / pool_pre_ping: {ratio:.2f}x")


if __name__ == "__main__":
    main()
