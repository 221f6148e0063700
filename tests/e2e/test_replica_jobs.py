"""Two `cxbot serve` processes on one database: each period of a timed job runs once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.requests import codes
from storage.db import Database
from storage.migrate import migrate
from storage.models import JobRun, Request, TimelineEntry
from storage.types import utcnow
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.serve_process import free_port, start_serve, stop, wait_until_healthy
from tests.helpers import eventually

OLD_REQUESTS = 30
EVERY = "0.5"


async def add_old_resolved_requests(db: Database) -> list[str]:
    long_ago = utcnow() - timedelta(days=30)
    async with db.write() as session:
        requests = [
            Request(
                code=codes.new_code(),
                requester=f"slack:T1:U{n:03d}",
                title=f"Old request {n}",
                status="resolved",
                created_at=long_ago,
                updated_at=long_ago,
                public_at=long_ago,
                resolved_at=long_ago,
            )
            for n in range(OLD_REQUESTS)
        ]
        session.add_all(requests)
    return [r.code for r in requests]


async def test_two_servers_close_each_request_once(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    db = Database(database_url)
    await migrate(db)
    await add_old_resolved_requests(db)
    ports = [free_port(), free_port()]
    servers = [
        await start_serve(
            database_url=database_url,
            fake=fake_slack,
            cwd=tmp_path,
            port=port,
            CXBOT_JOBS_EVERY=EVERY,
            CXBOT_LOG_LEVEL="INFO",
        )
        for port in ports
    ]
    try:
        for port, server in zip(ports, servers, strict=True):
            await wait_until_healthy(f"http://127.0.0.1:{port}", server)

        async def all_closed() -> bool:
            async with db.read() as session:
                query = select(func.count()).where(Request.status == "closed")
                return await session.scalar(query) == OLD_REQUESTS

        await eventually(all_closed, within=30)
        # One tracking card and one triage card per request.
        await fake_slack.wait_for(
            lambda calls: (
                len([c for c in calls if c.method == "chat.postMessage"]) >= 2 * OLD_REQUESTS
            ),
            within=30,
        )
        await asyncio.sleep(3)  # several more periods, on both servers
    finally:
        logs = [await stop(server) for server in servers]
    for server, log in zip(servers, logs, strict=True):
        assert server.returncode == 0, log[-3000:]

    async with db.read() as session:
        closings = Counter(
            await session.scalars(
                select(TimelineEntry.request_id).where(TimelineEntry.kind == "closed")
            )
        )
        runs = list(await session.scalars(select(JobRun).where(JobRun.job == "close-resolved")))
    assert len(closings) == OLD_REQUESTS and set(closings.values()) == {1}
    assert len(runs) >= 6, "the job should have run in several periods"
    assert len({r.slot for r in runs}) == len(runs)
    assert sum(r.outcome == f"closed {OLD_REQUESTS}" for r in runs) == 1
    # Each server logs the runs it did: together, one per period.
    assert sum(log.count("job close-resolved: ") for log in logs) == len(runs)
    assert len(fake_slack.of("chat.postMessage")) == 2 * OLD_REQUESTS, "a card went out twice"
    await db.dispose()
