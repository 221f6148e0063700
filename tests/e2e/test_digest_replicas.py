"""Two `cxbot serve` processes on one database: each lead gets the week's digest and the
day's low scores once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from bot import messages as m
from storage.db import Database
from storage.migrate import migrate
from storage.models import JobRun
from storage.types import utcnow
from tests.bot.test_digest import rated
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.serve_process import free_port, start_serve, stop, wait_until_healthy
from tests.helpers import grant

LEADS = {"slack:T1:ULEE": "LEE", "slack:T1:UKIM": "KIM"}
JOBS = ("weekly-digest", "low-scores")


def to_lead(channel: str) -> str | None:
    """The lead a chat.postMessage went to (a user id, or the DM the fake opens for it)."""
    for user in LEADS.values():
        if channel in (f"U{user}", f"D{user}"):
            return user
    return None


async def test_two_servers_send_each_lead_one_weekly_digest_and_one_days_low_scores(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    db = Database(database_url)
    await migrate(db)
    for lead in LEADS:
        await grant(db, lead, "lead")
    yesterday = utcnow().date() - timedelta(days=1)
    noon = datetime.combine(yesterday, time(12, 0), tzinfo=UTC)
    await rated(db, "IT-AAAAA1", "slack:T1:UANA", noon, {"speed": 1, "quality": 2})
    ports = [free_port(), free_port()]
    servers = [
        await start_serve(
            database_url=database_url,
            fake=fake_slack,
            cwd=tmp_path,
            port=port,
            CXBOT_JOBS_EVERY="0.5",
            CXBOT_LOG_LEVEL="INFO",
            CXBOT_DAILY_LOW_SCORES="1",
            # Today at midnight UTC is the moment of both (the digest's day is today): both
            # are due, caught up, as soon as the servers look.
            CXBOT_DIGEST_TIME="00:00",
            CXBOT_DIGEST_DAY=utcnow().strftime("%a").lower(),
        )
        for port in ports
    ]
    try:
        for port, server in zip(ports, servers, strict=True):
            await wait_until_healthy(f"http://127.0.0.1:{port}", server)
        await fake_slack.wait_for(
            lambda calls: (
                {
                    to_lead(str(c.args.get("channel")))
                    for c in calls
                    if c.method == "chat.postMessage"
                }
                >= set(LEADS.values())
            ),
            within=30,
        )
        await asyncio.sleep(3)  # several more looks, on both servers
    finally:
        logs = [await stop(server) for server in servers]
    for server, log in zip(servers, logs, strict=True):
        assert server.returncode == 0, log[-3000:]

    sent: dict[str, list[str]] = {user: [] for user in LEADS.values()}
    for call in fake_slack.of("chat.postMessage"):
        if (user := to_lead(str(call.args.get("channel")))) is not None:
            sent[user].append(str(call.args.get("text")))
    low_scores = m.LOW_SCORES_TITLE.format(day=f"{yesterday:%A} {yesterday.day} {yesterday:%B}")
    digest = m.SUMMARY_TITLE_TEAM.format(period=m.PERIOD_LAST_DAYS.format(days=7))
    assert {user: sorted(texts) for user, texts in sent.items()} == {
        user: [digest, low_scores] for user in LEADS.values()
    }
    async with db.read() as session:
        runs = list(await session.scalars(select(JobRun).where(JobRun.job.in_(JOBS))))
    today = utcnow().date()
    assert sorted((r.job, r.slot, r.outcome) for r in runs) == [
        ("low-scores", today.toordinal(), f"sent 2 low scores of {yesterday} to 2 leads"),
        ("weekly-digest", today.toordinal(), "sent the weekly digest to 2 leads"),
    ]
    for job in JOBS:
        assert sum(log.count(f"job {job}: ") for log in logs) == 1, job
    await db.dispose()
