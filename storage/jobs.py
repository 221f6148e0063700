"""Which replica runs each period of a scheduled job: the first to claim its row."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import JobRun
from storage.types import utcnow
from storage.upsert import insert_for

# Periods remembered per job, for `cxbot` operators and for the tests; older rows go.
KEEP_SLOTS = 1000


async def claim(*, session: AsyncSession, job: str, slot: int, owner: str) -> bool:
    """True when this replica is the first to claim this period of the job."""
    statement = (
        insert_for(session, JobRun)
        .values(job=job, slot=slot, owner=owner[:200], started_at=utcnow(), outcome="")
        .on_conflict_do_nothing()
    )
    won = (await session.execute(statement)).rowcount == 1
    if won:
        await session.execute(
            delete(JobRun).where(JobRun.job == job, JobRun.slot < slot - KEEP_SLOTS)
        )
    return won


async def finish(*, session: AsyncSession, job: str, slot: int, outcome: str) -> None:
    await session.execute(
        update(JobRun)
        .where(JobRun.job == job, JobRun.slot == slot)
        .values(finished_at=utcnow(), outcome=outcome[:500])
    )


async def runs(*, session: AsyncSession, job: str) -> list[JobRun]:
    query = select(JobRun).where(JobRun.job == job).order_by(JobRun.slot)
    return list(await session.scalars(query))


async def claimed(*, session: AsyncSession, job: str, slot: int) -> bool:
    """True when some replica has claimed this period of the job."""
    return await session.get(JobRun, (job, slot)) is not None
