"""Slack waits 3 s for an acknowledgement: every kind of payload is acknowledged in time even
when the database is slow, and what comes after the acknowledgement is neither lost nor left
running at shutdown."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import select

from adapters import web
from adapters.slack import app as slack_app
from adapters.slack.app import Listeners
from bot import messages as m
from storage.db import Database
from storage.models import Request, TimelineEntry
from tests.e2e.conftest import Stack
from tests.helpers import eventually

ANA = "UANA"
CODE = re.compile(r"IT-[0-9A-Z]{6}")
SLOW = 1.0


def slow_down(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every session of the server's database waits SLOW seconds before it starts."""
    db = stack.server.app[web.RUNTIME].db
    for name in ("read", "write"):
        original = getattr(Database, name)

        def slowed(original=original):
            @asynccontextmanager
            async def session() -> AsyncIterator:
                await asyncio.sleep(SLOW)
                async with original(db) as inner:
                    yield inner

            return session

        monkeypatch.setattr(db, name, slowed())


async def test_an_open_not_saved_in_time_is_acknowledged_and_answered_after(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slack_app, "ACK_WITHIN", 0.3)
    slow_down(stack, monkeypatch)
    started = time.monotonic()
    status, ack, key = await stack.sender.command_acked("/track", "Monitor flickers", ANA)
    acked_in = time.monotonic() - started
    assert status == 200 and acked_in < SLOW
    assert ack["text"] == m.STILL_WORKING and ack["response_type"] == "ephemeral"
    answer = await stack.slack.response(key)
    code = CODE.search(answer["text"]).group(0)
    assert "is in" in answer["text"]
    async with stack.db.read() as session:
        titles = list(await session.scalars(select(Request.title).where(Request.code == code)))
    assert titles == ["Monitor flickers"]


async def test_an_update_form_not_saved_in_time_is_closed_and_still_saved(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.helpers import grant

    await grant(stack.db, "slack:T1:UTESS", "technician")
    _, body = await stack.sender.command("/track", "Wifi in room 2 drops", ANA)
    code = CODE.search(body["text"]).group(0)
    monkeypatch.setattr(slack_app, "ACK_WITHIN", 0.3)
    slow_down(stack, monkeypatch)
    meta = json.dumps({"action": "update", "value": code})
    started = time.monotonic()
    status, text = await stack.sender.submit_form("UTESS", meta, "New access point ordered", None)
    assert (status, text) == (200, "") and time.monotonic() - started < SLOW

    async def saved() -> bool:
        async with stack.db.read() as session:
            texts = await session.scalars(select(TimelineEntry.text))
            return "New access point ordered" in list(texts)

    await eventually(saved)


async def test_lookups_taps_and_events_are_acknowledged_before_the_database_answers(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, body = await stack.sender.command("/track", "Keyboard missing keys", ANA)
    code = CODE.search(body["text"]).group(0)
    slow_down(stack, monkeypatch)
    timings = {}
    for name, send in {
        "lookup": lambda: stack.sender.command_acked("/track", code, ANA),
        "tap": lambda: stack.sender.click(ANA, "cx:show:1", code),
        "dm": lambda: stack.sender.dm(ANA, f"where is {code}", "EvSlow1"),
        "home": lambda: stack.sender.event(
            {"type": "app_home_opened", "user": ANA, "channel": "D1", "tab": "home"}, "EvSlow2"
        ),
    }.items():
        started = time.monotonic()
        answer = await send()
        timings[name] = (answer[0], time.monotonic() - started < SLOW / 2)
    assert timings == {name: (200, True) for name in timings}
    # The work after each acknowledgement still happened.
    await stack.slack.wait_for(lambda _: stack.slack.of("views.publish"))


async def test_shutdown_waits_for_work_after_an_acknowledgement(stack: Stack, monkeypatch) -> None:
    _, body = await stack.sender.command("/track", "Mouse double-clicks", ANA)
    code = CODE.search(body["text"]).group(0)
    slow_down(stack, monkeypatch)
    status, ack, key = await stack.sender.command_acked("/track", code, ANA)
    assert (status, ack) == (200, {})
    await stack.server.close()  # while the answer is still being looked up
    assert code in stack.slack.responses[key][0]["text"]


async def test_work_left_running_past_the_shutdown_wait_is_cancelled(caplog) -> None:
    listeners = Listeners.__new__(Listeners)
    listeners._tasks = set()
    finished = asyncio.Event()

    async def stuck() -> None:
        await asyncio.sleep(60)

    async def quick() -> None:
        await asyncio.sleep(0.05)
        finished.set()

    listeners.later(stuck())
    listeners.later(quick())
    with caplog.at_level(logging.WARNING):
        await listeners.close(within=0.3)
    assert finished.is_set() and not listeners._tasks
    assert "still going at shutdown" in caplog.text


async def test_work_after_an_acknowledgement_that_fails_is_logged(caplog) -> None:
    listeners = Listeners.__new__(Listeners)
    listeners._tasks = set()

    async def broken() -> None:
        raise RuntimeError("disk full")

    with caplog.at_level(logging.ERROR):
        listeners.later(broken())
        await listeners.close()
    assert "work after an acknowledgement failed" in caplog.text and "disk full" in caplog.text
