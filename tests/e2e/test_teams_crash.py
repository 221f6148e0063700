"""kill -9 in the middle of a Teams fan-out: after a restart, every watcher has the update."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from storage import outbox
from storage import requests as request_store
from storage.db import Database
from storage.migrate import migrate
from storage.models import Request
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.fake_teams import FakeTeams
from tests.e2e.serve_process import free_port, start_serve, wait_until_healthy
from tests.e2e.teams_activities import TeamsActivities, TeamsUser
from tests.e2e.teams_stack import APP_ID, identity, shown
from tests.helpers import FIGURES, eventually, grant

WATCHERS = 300
CONCURRENCY = 8
ANA = TeamsUser("Ana Alvarez")
TESS = TeamsUser("Tess Tech")
NEWS = "Parts are on their way"


class SlowTeams(FakeTeams):
    """The fake connector, taking `delay` seconds over each call, as a busy one does."""

    delay = 0.0

    def _handle(self, kind: str) -> Callable[[web.Request], Any]:
        handle = super()._handle(kind)

        async def slowly(request: web.Request) -> web.StreamResponse:
            await asyncio.sleep(self.delay)
            return await handle(request)

        return slowly


@pytest.fixture(name="fakes")
async def fakes_fixture() -> AsyncIterator[tuple[SlowTeams, FakeSlack]]:
    teams, slack = SlowTeams(), FakeSlack()
    await teams.start()
    await slack.start()
    yield teams, slack
    await slack.close()
    await teams.close()


class Served:
    """One `cxbot serve` with Teams in emulator mode, and a way to post activities to it."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.base = f"http://127.0.0.1:{port}"

    async def post(self, http: aiohttp.ClientSession, activity: dict[str, Any]) -> int:
        async with http.post(f"{self.base}/api/messages", json=activity) as response:
            return response.status


async def serve(database_url: str, slack: FakeSlack, cwd: Path) -> Served:
    port = free_port()
    process = await start_serve(
        database_url=database_url,
        fake=slack,
        cwd=cwd,
        port=port,
        CXBOT_TEAMS_EMULATOR="1",
        CXBOT_OUTBOX_LEASE="2",
        CXBOT_OUTBOX_POLL="0.1",
        CXBOT_OUTBOX_CONCURRENCY=str(CONCURRENCY),
        CXBOT_LOG_LEVEL="WARNING",
    )
    served = Served(process, port)
    await wait_until_healthy(served.base, process)
    return served


def notices(teams: FakeTeams) -> Counter[str]:
    """Conversations the update reached, each with how many times."""
    return Counter(c.conversation or "" for c in teams.posted() if NEWS in shown(c))


async def open_watched_request(
    db: Database, served: Served, acts: TeamsActivities, watchers: list[TeamsUser]
) -> str:
    """Everyone talks to the bot once (so it knows their chat); Ana opens a request, and the
    watchers follow it. Returns its code."""
    async with aiohttp.ClientSession() as http:
        for start in range(0, len(watchers), 50):
            joined = [acts.members_added(w, bot=False) for w in watchers[start : start + 50]]
            statuses = await asyncio.gather(*(served.post(http, a) for a in joined))
            assert set(statuses) == {200}
        assert await served.post(http, acts.personal_message(ANA, "track The VPN drops")) == 200

    async def opened() -> str | None:
        async with db.read() as session:
            return await session.scalar(select(Request.code))

    await eventually(opened)
    async with db.write() as session:
        request = (await session.scalars(select(Request))).one()
        for watcher in watchers:
            await request_store.add_watcher(
                session=session, request_id=request.id, identity=identity(watcher)
            )
    return request.code


async def test_kill_9_mid_teams_fan_out_loses_nothing(
    database_url: str, fakes: tuple[SlowTeams, FakeSlack], tmp_path: Path
) -> None:
    teams, slack = fakes
    acts = teams.activities(APP_ID)
    watchers = [TeamsUser(f"Watcher {n}") for n in range(WATCHERS)]
    everyone = {acts.personal_conversation_id(p) for p in [ANA, *watchers]}
    db = Database(database_url)
    await migrate(db)
    await grant(db, identity(TESS), "technician")
    first = await serve(database_url, slack, tmp_path)
    try:
        code = await open_watched_request(db, first, acts, watchers)
        teams.delay = 0.05
        async with aiohttp.ClientSession() as http:
            update = acts.personal_message(TESS, f"track update {code} {NEWS}")
            assert await first.post(http, update) == 200
        await teams.wait_for(lambda _: sum(notices(teams).values()) >= len(everyone) // 5, 60)
    finally:
        first.process.send_signal(signal.SIGKILL)
        await first.process.communicate()
    before = sum(notices(teams).values())
    assert before < len(everyone), "the fan-out finished before the kill; nothing was tested"

    second = await serve(database_url, slack, tmp_path)

    async def all_settled() -> dict[str, int]:
        # Not "every chat reached": a message sent just before the kill was seen, but its
        # row goes out again only once its lease runs out.
        async with db.read() as session:
            counts = await outbox.counts(session=session)
        return counts if counts.get(outbox.PENDING, 0) == 0 else {}

    try:
        await eventually(all_settled, within=120)
    finally:
        second.process.terminate()
        await second.process.communicate()
    async with db.read() as session:
        counts = await outbox.counts(session=session)
    reached = notices(teams)
    duplicates = sum(n - 1 for n in reached.values())
    backend = database_url.split("+", 1)[0]
    label = f"kill -9 in a Teams fan-out to {len(everyone)} ({backend})"
    FIGURES[f"{label}: sent before the kill"] = before
    FIGURES[f"{label}: duplicates"] = duplicates
    assert outbox.DEAD not in counts, counts
    assert set(reached) == everyone, f"{len(everyone - set(reached))} never got the update"
    # At least once: only messages in flight at the kill may go twice.
    assert duplicates <= CONCURRENCY
    await db.dispose()
