"""Fifty people at once for a minute: every answer in time, no errors, nothing locked.

Each client is a person working through requests the way people do: open one, look it up,
a technician takes it, list my requests, the technician resolves it, the person taps two
ratings. Slash commands and button clicks, reads and writes, with the outbox delivering
in the background. CXBOT_LOAD_SECONDS shortens the run while developing.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import messages as m
from storage.db import Database
from storage.migrate import migrate
from storage.models import Rating, Request
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.serve_process import serving
from tests.e2e.slack_client import TEAM, SlackSender
from tests.helpers import FIGURES, grant

pytestmark = pytest.mark.slow

CLIENTS = 50
TECHNICIANS = 10
SECONDS = float(os.environ.get("CXBOT_LOAD_SECONDS", "60"))
P99_BAR = 1.0
# A person reads each answer before the next command or tap: 0.5 to 1.5 s, far quicker
# than people are, so fifty of them keep the server busy.
THINK_SECONDS = (0.5, 1.5)
CODE = re.compile(r"IT-[0-9A-Z]{6}")
TROUBLE = ("database is locked", "QueuePool limit", "TimeoutError", "Traceback")


class Load:
    def __init__(self, sender: SlackSender, fake: FakeSlack, stop_at: float) -> None:
        self.sender = sender
        self.fake = fake
        self.stop_at = stop_at
        self.latencies: list[float] = []
        self.by_kind: dict[str, list[float]] = {}
        self.failures: list[str] = []
        self.opened = 0
        self.rated: set[tuple[str, str]] = set()

    def running(self) -> bool:
        return time.monotonic() < self.stop_at

    async def timed(self, what: str, call) -> tuple[int, object]:
        """Times the acknowledgement; returns it, or the answer that followed an empty one."""
        await asyncio.sleep(random.uniform(*THINK_SECONDS))
        started = time.perf_counter()
        try:
            status, body, *key = await call
        except Exception as error:  # a refused or dropped connection is a failure to report
            self.failures.append(f"{what}: {error!r}")
            return 0, ""
        took = time.perf_counter() - started
        self.latencies.append(took)
        self.by_kind.setdefault(what, []).append(took)
        if status != 200:
            self.failures.append(f"{what}: HTTP {status} {str(body)[:200]}")
        elif key and not body:
            try:
                body = await self.fake.response(key[0])
            except AssertionError:
                self.failures.append(f"{what}: no answer came")
        return status, body

    async def person(self, n: int) -> None:
        user, tech = f"ULOAD{n:02d}", f"UTECH{n % TECHNICIANS}"
        cmd, click = self.sender.command_acked, self.sender.click
        round_ = 0
        while self.running():
            round_ += 1
            text = f"Laptop fan is loud, desk {n}, round {round_}"
            status, body = await self.timed("open", cmd("/track", text, user))
            found = CODE.search(str(body)) if status == 200 else None
            if not found:
                self.failures.append(f"open: no tracking code in {str(body)[:200]}")
                continue
            code = found.group(0)
            self.opened += 1
            _, body = await self.timed("lookup", cmd("/track", code.lower(), user))
            if code not in str(body):
                self.failures.append(f"lookup: {code} missing from {str(body)[:200]}")
            await self.timed("take", click(tech, "cx:take:1", code, channel="CTRIAGE"))
            await self.timed("list", cmd("/track", "", user))
            _, body = await self.timed("resolve", cmd("/track", f"resolve {code} Fixed", tech))
            if m.RESOLVED_ACK.format(code=code) not in str(body):
                self.failures.append(f"resolve: {str(body)[:200]}")
                continue
            for dimension, score in (("speed", 1 + n % 5), ("communication", 1 + round_ % 5)):
                value = f"{code}:{dimension}:{score}"
                await self.timed("rate", click(user, "cx:rate:1", value, channel="D" + user[1:]))
                self.rated.add((code, dimension))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def test_fifty_clients_for_a_minute(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    db = Database(database_url)
    await migrate(db)
    for n in range(TECHNICIANS):
        await grant(db, f"slack:{TEAM}:UTECH{n}", "technician")
    async with serving(
        database_url=database_url,
        fake=fake_slack,
        cwd=tmp_path,
        CXBOT_SURVEY_COOLDOWN_DAYS="0",
        CXBOT_LOG_LEVEL="WARNING",
    ) as served:
        sender = SlackSender(served.base, fake=fake_slack)
        try:
            load = Load(sender, fake_slack, time.monotonic() + SECONDS)
            started = time.monotonic()
            await asyncio.gather(*(load.person(n) for n in range(CLIENTS)))
            elapsed = time.monotonic() - started
        finally:
            await sender.close()
    log, process = served.log, served.process

    backend = database_url.split("+", 1)[0]
    p50, p99 = percentile(load.latencies, 0.50), percentile(load.latencies, 0.99)
    label = f"load, {CLIENTS} clients for {SECONDS:.0f}s ({backend})"
    FIGURES[f"{label}: requests"] = len(load.latencies)
    FIGURES[f"{label}: requests per second"] = round(len(load.latencies) / elapsed)
    FIGURES[f"{label}: p50 ms"] = round(p50 * 1000)
    FIGURES[f"{label}: p99 ms"] = round(p99 * 1000)
    FIGURES[f"{label}: max ms"] = round(max(load.latencies) * 1000)
    FIGURES[f"{label}: errors"] = len(load.failures)

    for kind, values in sorted(load.by_kind.items()):
        FIGURES[f"{label}: p99 ms, {kind}"] = round(percentile(values, 0.99) * 1000)
    assert load.failures == [], load.failures[:10]
    assert p99 < P99_BAR, f"p99 {p99 * 1000:.0f} ms"
    for trouble in TROUBLE:
        assert trouble not in log, log[-3000:]
    assert process.returncode == 0, log[-3000:]
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Request)) == load.opened
        assert await session.scalar(select(func.count()).select_from(Rating)) == len(load.rated)
    await db.dispose()
