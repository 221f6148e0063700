"""Many people at once: no "database is locked", nothing lost."""

from __future__ import annotations

import asyncio
import json
import re

from sqlalchemy import func, select

from storage.models import OutboxMessage, Request
from tests.e2e.conftest import TRIAGE_CHANNEL, Stack
from tests.helpers import eventually

CLIENTS = 50


async def test_fifty_people_opening_requests_at_once(stack: Stack) -> None:
    answers = await asyncio.gather(
        *(
            stack.sender.command("/track", f"Request number {n} from a busy morning", f"U{n:04d}")
            for n in range(CLIENTS)
        )
    )
    assert [status for status, _ in answers] == [200] * CLIENTS
    codes = {re.search(r"IT-[0-9A-Z]{6}", body["text"]).group(0) for _, body in answers}
    assert len(codes) == CLIENTS
    await stack.slack.wait_for(
        lambda calls: sum(1 for c in calls if c.method == "chat.postMessage") >= 2 * CLIENTS,
        within=30,
    )
    async with stack.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Request)) == CLIENTS

    async def all_sent() -> bool:
        async with stack.db.read() as session:
            states = await session.execute(
                select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
            )
            return dict(states.all()) == {"sent": 2 * CLIENTS}

    await eventually(all_sent)
    triage = [c for c in stack.slack.of("chat.postMessage") if c.args["channel"] == TRIAGE_CHANNEL]
    assert {re.search(r"IT-[0-9A-Z]{6}", json.dumps(c.args)).group(0) for c in triage} == codes


async def test_taps_and_lookups_while_others_open_requests(stack: Stack) -> None:
    status, body = await stack.sender.command("/track", "Shared drive is slow", "UANA")
    assert status == 200
    code = re.search(r"IT-[0-9A-Z]{6}", body["text"]).group(0)
    work = []
    for n in range(CLIENTS):
        if n % 2:
            work.append(stack.sender.command("/track", code, "UANA"))
        else:
            work.append(stack.sender.command("/track", f"Another request {n}", f"U{n:04d}"))
    answers = await asyncio.gather(*work)
    assert all(status == 200 for status, _ in answers)
    lookups = [body for n, (_, body) in enumerate(answers) if n % 2]
    assert all(f"{code} · Received" in json.dumps(b["blocks"], ensure_ascii=False) for b in lookups)
