"""Timed jobs: each period of each job runs once, on one replica, whatever the replica count.

APScheduler fires every job on every replica at the same wall-clock moments (multiples of
the job's interval); the replica that claims the period's row in the database runs it, and
the others skip it. A period whose runner died is not retried: the next period catches up,
so jobs are written to do whatever is due, not just what is new.

A job on a calendar (a digest every Monday at 09:00) looks as often as the others, and its
period is the latest calendar moment due (bot/jobs/calendar.py). A `Mailing` is such a job
that only sends: its messages are written in the transaction that claims the moment, so a
crash or a failure leaves the moment unclaimed for the next look instead of skipping it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession

from bot.jobs.calendar import Calendar, Due
from storage import jobs as job_store
from storage.db import Database

log = logging.getLogger(__name__)

STOP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    # Does the work; returns a few words on what it did, kept with the run.
    run: Callable[[], Awaitable[str]]
    # On a calendar: runs once per calendar moment, looking every `every_seconds`.
    calendar: Calendar | None = None


# Writes what a mailing sends, in the claiming transaction; returns words on what it did.
Write = Callable[[AsyncSession], Awaitable[str]]


@dataclass(frozen=True)
class Mailing:
    """A calendar job that sends messages once per moment.

    `prepare` reads and builds the messages (it may take a while: no transaction is held
    open meanwhile); the `Write` it returns puts them in the outbox in the transaction that
    claims the moment, so they go out once, or not at all and the next look tries again.
    """

    name: str
    every_seconds: float
    calendar: Calendar
    prepare: Callable[[Due], Awaitable[Write]]


def slot_of(moment: float, every_seconds: float) -> int:
    """The period a firing belongs to; firings land just after a period starts."""
    return math.floor(moment / every_seconds + 0.5)


def this_replica() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Scheduler:
    def __init__(
        self,
        db: Database,
        jobs: list[Job | Mailing],
        *,
        owner: str | None = None,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.jobs = jobs
        self.owner = owner or this_replica()
        # Tells the outbox's dispatcher a mailing's messages are waiting.
        self.wake = wake
        self._apscheduler = AsyncIOScheduler(timezone=UTC)
        self._running: set[asyncio.Future[bool]] = set()
        self._stopped = False

    def start(self) -> None:
        now = time.time()
        for job in self.jobs:
            first = math.ceil(now / job.every_seconds) * job.every_seconds
            self._apscheduler.add_job(
                self.fire,
                IntervalTrigger(
                    seconds=job.every_seconds,
                    start_date=datetime.fromtimestamp(first, UTC),
                    timezone=UTC,
                ),
                args=[job],
                id=job.name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(1, int(job.every_seconds / 2)),
            )
        self._apscheduler.start()

    async def stop(self) -> None:
        """No new runs; waits for a run in progress to finish (then cancels it)."""
        self._stopped = True
        if self._apscheduler.running:
            self._apscheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # a firing already handed to the loop starts, sees the stop
        if self._running:
            _, late = await asyncio.wait(self._running, timeout=STOP_TIMEOUT_SECONDS)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def fire(self, job: Job | Mailing, at: float | None = None) -> bool:
        """Runs this period of the job if no other replica has. True when it ran here."""
        if self._stopped:
            return False
        # The run is a task of ours, shielded: APScheduler's shutdown cancels the firings it
        # handed out, and a run cut between its claim and its record would be lost; stop()
        # waits for it instead.
        run = asyncio.ensure_future(self._fire(job, time.time() if at is None else at))
        self._running.add(run)
        run.add_done_callback(self._running.discard)
        return await asyncio.shield(run)

    async def _fire(self, job: Job | Mailing, moment: float) -> bool:
        if isinstance(job, Mailing):
            return await self._send(job, moment)
        if job.calendar is None:
            slot = slot_of(moment, job.every_seconds)
        else:
            due = job.calendar.latest(datetime.fromtimestamp(moment, UTC))
            if due is None or await self._claimed(job.name, due.slot):
                return False
            slot = due.slot
        try:
            async with self.db.write() as session:
                won = await job_store.claim(
                    session=session, job=job.name, slot=slot, owner=self.owner
                )
        except Exception:
            log.exception("job %s: could not claim its run; the next one will", job.name)
            return False
        if not won:
            return False
        try:
            outcome = await job.run()
        except Exception as error:
            log.exception("job %s failed; it runs again next time", job.name)
            outcome = f"failed: {type(error).__name__}"
        try:
            async with self.db.write() as session:
                await job_store.finish(session=session, job=job.name, slot=slot, outcome=outcome)
        except Exception:
            log.exception("job %s: could not record how it went", job.name)
        log.info("job %s: %s", job.name, outcome)
        return True

    async def _claimed(self, name: str, slot: int) -> bool:
        """Already done (here or elsewhere): most looks at a calendar job end here."""
        try:
            async with self.db.read() as session:
                return await job_store.claimed(session=session, job=name, slot=slot)
        except Exception:
            log.exception("job %s: could not see whether it is due; the next look will", name)
            return True

    async def _send(self, mailing: Mailing, moment: float) -> bool:
        due = mailing.calendar.latest(datetime.fromtimestamp(moment, UTC))
        if due is None or await self._claimed(mailing.name, due.slot):
            return False
        try:
            write = await mailing.prepare(due)
            async with self.db.write() as session:
                won = await job_store.claim(
                    session=session, job=mailing.name, slot=due.slot, owner=self.owner
                )
                if not won:
                    return False
                outcome = await write(session)
                await job_store.finish(
                    session=session, job=mailing.name, slot=due.slot, outcome=outcome
                )
        except Exception:
            # Nothing was claimed or sent: the moment stays due for the next look.
            log.exception("job %s failed; it tries again at the next look", mailing.name)
            return False
        log.info("job %s: %s", mailing.name, outcome)
        if self.wake is not None:
            self.wake()
        return True
