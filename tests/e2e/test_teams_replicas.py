"""Two `cxbot serve` processes on one database, both with Teams on: an activity the Bot
Connector delivers to both is handled once, and each message to Teams is sent once."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from storage import outbox
from storage.db import Database
from storage.migrate import migrate
from storage.models import Request
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.serve_process import free_port, start_serve, stop, wait_until_healthy
from tests.e2e.teams_activities import TeamsUser
from tests.e2e.teams_stack import APP_ID, identity, shown
from tests.e2e.test_teams_crash import (
    ANA,
    NEWS,
    TESS,
    Served,
    SlowTeams,
    fakes_fixture,  # noqa: F401 (the fixture)
    notices,
    open_watched_request,
)
from tests.helpers import FIGURES, eventually, grant

WATCHERS = 200
PEOPLE = 20
CONCURRENCY = 8
# A dispatcher claims this many at a time, so the other replica finds some left to claim.
BATCH = 10


@pytest.fixture
async def replicas(
    database_url: str, fakes: tuple[SlowTeams, FakeSlack], tmp_path: Path
) -> AsyncIterator[list[Served]]:
    _, slack = fakes
    db = Database(database_url)
    await migrate(db)  # before either starts, so they do not race to make the schema
    await db.dispose()
    ports = [free_port(), free_port()]
    processes = [
        await start_serve(
            database_url=database_url,
            fake=slack,
            cwd=tmp_path,
            port=port,
            CXBOT_TEAMS_EMULATOR="1",
            CXBOT_OUTBOX_POLL="0.05",
            CXBOT_OUTBOX_BATCH=str(BATCH),
            CXBOT_OUTBOX_CONCURRENCY=str(CONCURRENCY),
            CXBOT_LOG_LEVEL="WARNING",
        )
        for port in ports
    ]
    servers = [Served(process, port) for process, port in zip(processes, ports, strict=True)]
    try:
        for server in servers:
            await wait_until_healthy(server.base, server.process)
        yield servers
    finally:
        logs = [await stop(server.process) for server in servers]
    for server, log in zip(servers, logs, strict=True):
        assert server.process.returncode == 0, log[-3000:]
        assert "Traceback" not in log, log[-3000:]


async def sent_by(server: Served, http: aiohttp.ClientSession) -> int:
    """Messages this replica sent to Teams, by its own count."""
    async with http.get(f"{server.base}/metrics") as response:
        text = await response.text()
    found = re.search(r'cxbot_deliveries_total\{platform="teams",result="sent"\} (\S+)', text)
    return int(float(found.group(1))) if found else 0


async def test_an_activity_delivered_to_both_replicas_is_handled_once(
    database_url: str, fakes: tuple[SlowTeams, FakeSlack], replicas: list[Served]
) -> None:
    teams, _ = fakes
    acts = teams.activities(APP_ID)
    people = [TeamsUser(f"Person {n}") for n in range(PEOPLE)]
    activities = [
        acts.personal_message(p, f"track Both replicas got {n}") for n, p in enumerate(people)
    ]
    async with aiohttp.ClientSession() as http:
        # Each activity reaches both at once, as a Bot Connector retry racing the original.
        statuses = await asyncio.gather(
            *(server.post(http, a) for a in activities for server in replicas)
        )
    assert set(statuses) == {200}

    def answered(person: TeamsUser) -> list:
        return [
            c
            for c in teams.posted(acts.personal_conversation_id(person))
            if "Both replicas got" in shown(c) and "IT-" in shown(c)
        ]

    await teams.wait_for(lambda _: all(answered(p) for p in people), within=30)
    await asyncio.sleep(1)  # time enough for a second answer, were one coming
    db = Database(database_url)
    async with db.read() as session:
        requesters = Counter(await session.scalars(select(Request.requester)))
    await db.dispose()
    assert requesters == Counter({identity(p): 1 for p in people})
    # One tracking card each (later updated in place, never posted again).
    assert [len(answered(p)) for p in people] == [1] * PEOPLE


async def test_each_teams_message_is_sent_once_by_two_replicas(
    database_url: str, fakes: tuple[SlowTeams, FakeSlack], replicas: list[Served]
) -> None:
    teams, _ = fakes
    acts = teams.activities(APP_ID)
    watchers = [TeamsUser(f"Watcher {n}") for n in range(WATCHERS)]
    everyone = {acts.personal_conversation_id(p) for p in [ANA, *watchers]}
    db = Database(database_url)
    await grant(db, identity(TESS), "technician")
    code = await open_watched_request(db, replicas[0], acts, watchers)
    async with aiohttp.ClientSession() as http:
        before = [await sent_by(server, http) for server in replicas]
        teams.delay = 0.02  # long enough for the other replica to find work left
        update = acts.personal_message(TESS, f"track update {code} {NEWS}")
        assert await replicas[0].post(http, update) == 200
        await teams.wait_for(lambda _: set(notices(teams)) == everyone, within=60)

        async def settled() -> bool:
            async with db.read() as session:
                counts = await outbox.counts(session=session)
            return counts.get(outbox.PENDING, 0) == 0

        await eventually(settled, within=30)
        await asyncio.sleep(1)  # a second copy would have gone by now
        shares = [
            await sent_by(server, http) - b for server, b in zip(replicas, before, strict=True)
        ]
    await db.dispose()
    reached = notices(teams)
    backend = database_url.split("+", 1)[0]
    for n, share in enumerate(shares):
        FIGURES[f"Teams fan-out of {len(everyone)} on two replicas ({backend}): #{n} sent"] = share
    assert [n for n in reached.values() if n != 1] == [], "a message went out twice"
    assert set(reached) == everyone
    assert min(shares) > 0, f"one replica sent everything ({shares}): nothing was shared"
