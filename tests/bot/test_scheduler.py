"""Timed jobs: each period runs once across replicas; resolved requests close themselves."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import update

from bot import messages as m
from bot.jobs.scheduler import Job, Scheduler, slot_of
from bot.requests.statuses import Status
from bot.settings import Settings
from storage import jobs as job_store
from storage import requests as request_store
from storage.db import Database
from storage.models import Request
from storage.types import utcnow
from tests.bot.conftest import World
from tests.bot.test_journey import ANA, TESS, open_request
from tests.helpers import grant


class CountingJob:
    def __init__(self) -> None:
        self.runs: Counter[str] = Counter()

    def for_replica(self, name: str, every: float) -> Job:
        async def run() -> str:
            await asyncio.sleep(0.01)  # long enough for the other replica to try meanwhile
            self.runs[name] += 1
            return f"ran on {name}"

        return Job("count", every, run)


async def test_two_replicas_firing_together_run_each_period_once(
    db: Database, settings: Settings
) -> None:
    other_db = Database(settings.database_url)  # the second replica has its own pool
    counting = CountingJob()
    a = Scheduler(db, [], owner="replica-a")
    b = Scheduler(other_db, [], owner="replica-b")
    start = time.time()
    try:
        for period in range(20):
            moment = start + period * 60
            ran = await asyncio.gather(
                a.fire(counting.for_replica("a", 60), at=moment),
                b.fire(counting.for_replica("b", 60), at=moment),
            )
            assert sorted(ran) == [False, True], f"period {period}: {ran}"
    finally:
        await other_db.dispose()
    assert sum(counting.runs.values()) == 20
    async with db.read() as session:
        runs = await job_store.runs(session=session, job="count")
    assert len(runs) == 20 and all(r.finished_at is not None for r in runs)
    assert {r.outcome for r in runs} <= {"ran on a", "ran on b"}


async def test_two_running_schedulers_share_the_periods(db: Database, settings: Settings) -> None:
    every = 0.25
    other_db = Database(settings.database_url)
    counting = CountingJob()
    a = Scheduler(db, [counting.for_replica("a", every)], owner="replica-a")
    b = Scheduler(other_db, [counting.for_replica("b", every)], owner="replica-b")
    a.start()
    b.start()
    try:
        await asyncio.sleep(3)
    finally:
        await a.stop()
        await b.stop()
        await other_db.dispose()
    async with db.read() as session:
        runs = await job_store.runs(session=session, job="count")
    slots = [r.slot for r in runs]
    assert len(slots) == len(set(slots))
    assert sum(counting.runs.values()) == len(runs) >= 6, (counting.runs, slots)


async def test_stopping_lets_a_run_in_progress_finish_and_be_recorded(db: Database) -> None:
    started, finished = asyncio.Event(), []

    async def slow() -> str:
        started.set()
        await asyncio.sleep(0.3)
        finished.append(1)
        return "done"

    scheduler = Scheduler(db, [Job("slow", 0.2, slow)])
    scheduler.start()
    try:
        await asyncio.wait_for(started.wait(), timeout=5)
    finally:
        await scheduler.stop()  # APScheduler's shutdown cancels what it started
    assert finished == [1]
    async with db.read() as session:
        runs = await job_store.runs(session=session, job="slow")
    assert [r.outcome for r in runs] == ["done"]


def test_a_firing_a_little_late_still_counts_for_its_period() -> None:
    assert slot_of(600.0, 60) == slot_of(600.4, 60) == slot_of(629.0, 60) == 10
    assert slot_of(631.0, 60) == 11


async def test_a_failing_job_is_logged_and_runs_again_next_period(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    calls = []

    async def broken() -> str:
        calls.append(1)
        raise RuntimeError("the directory is down")

    scheduler = Scheduler(db, [])
    job = Job("broken", 60, broken)
    with caplog.at_level(logging.ERROR):
        assert await scheduler.fire(job, at=6000.0)
        assert await scheduler.fire(job, at=6060.0)
    assert len(calls) == 2
    assert "job broken failed" in caplog.text
    async with db.read() as session:
        runs = await job_store.runs(session=session, job="broken")
    assert [r.outcome for r in runs] == ["failed: RuntimeError"] * 2


async def _resolved_days_ago(world: World, code: str, days: float) -> None:
    async with world.db.write() as session:
        await session.execute(
            update(Request)
            .where(Request.code == code)
            .values(resolved_at=utcnow() - timedelta(days=days))
        )


async def test_resolved_requests_close_themselves_after_the_set_days(world: World) -> None:
    await grant(world.db, TESS, "technician")
    old, recent, reopened = [await open_request(world, f"Request {n}") for n in range(3)]
    for code in (old, recent, reopened):
        await world.desk.track(TESS, f"resolve {code}")
    days = world.desk.settings.close_after_days
    await _resolved_days_ago(world, old, days + 1)
    await _resolved_days_ago(world, recent, days - 1)
    await _resolved_days_ago(world, reopened, days + 1)
    await world.desk.track(ANA, f"reopen {reopened}")
    await world.flush()
    world.platform.clear()

    assert await world.desk.requests.close_resolved() == "closed 1"
    assert await world.desk.requests.close_resolved() == "closed 0"
    async with world.db.read() as session:
        statuses = {
            code: (await request_store.get_by_code(session=session, code=code)).status
            for code in (old, recent, reopened)
        }
    assert statuses == {old: Status.CLOSED, recent: Status.RESOLVED, reopened: Status.REOPENED}

    # The tracking card is updated in place, with the reason and the way back; no DM.
    await world.flush()
    updates = world.platform.to(ANA)
    assert [d.updated_in_place for d in updates] == [True]
    card = updates[0].card
    assert card.title.startswith(f"{old} · {Status.CLOSED.label}")
    said = m.AUTO_CLOSED.format(days=days, code=old)
    assert any(entry.text == said for entry in card.timeline)
    reply = await world.desk.track(ANA, f"reopen {old}")
    assert reply.card is not None and reply.card.text == m.REOPENED_ACK.format(code=old)
