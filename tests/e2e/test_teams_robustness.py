"""`/api/messages` under odd, malformed and unwelcome activities: never a 5xx, nothing done
twice, a polite word where a person is waiting, and the ways back to people kept."""

from __future__ import annotations

import asyncio
import logging
import re
import time

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from adapters import web
from adapters.web import create_app
from bot import messages as m
from bot.settings import Settings
from bot.views import unmarked
from storage import people as people_store
from storage.models import ConversationRecord, Request
from storage.types import utcnow
from tests.e2e.teams_activities import TENANT, TeamsUser
from tests.e2e.teams_stack import (
    TEAM,
    TRIAGE,
    TeamsStack,
    actions,
    content,
    identity,
    shown,
    teams_stack_fixture,  # noqa: F401 (the fixture)
)
from tests.helpers import eventually, grant

ANA = TeamsUser("Ana Alvarez")
BEN = TeamsUser("Ben Brown")
TESS = TeamsUser("Tess Tech")
CODE = re.compile(r"IT-[0-9A-Z]{6}")


async def open_request(stack: TeamsStack) -> tuple[str, dict, str]:
    """Ana opens a request; (its code, the triage card's buttons, the triage card's id)."""
    await stack.post(stack.team_install(TESS))
    await stack.post(stack.acts.personal_message(ANA, "track The printer jams"))
    triage = (await stack.until(lambda: [c for c in stack.in_channel() if "IT-" in shown(c)]))[0]
    code = CODE.search(shown(triage)).group(0)
    return code, actions(content(triage)), stack.sent_id(triage)


async def test_teams_is_off_without_an_app_id(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="adapters.teams.mount")
    server = TestServer(create_app(Settings(database_url=database_url)), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(server.make_url("/api/messages"), json={}) as response:
                assert response.status == 404
                assert await response.json() == {"error": "Teams is not set up on this server."}
    finally:
        await server.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "adapters.teams.mount"]
    assert lines == ["Teams is off: set MICROSOFT_APP_ID to turn it on."]


async def test_emulator_mode_warns_in_one_line(
    caplog: pytest.LogCaptureFixture, teams_stack: TeamsStack
) -> None:
    warnings = [
        r.getMessage()
        for r in caplog.get_records("setup")
        if r.name == "adapters.teams.mount" and r.levelno == logging.WARNING
    ]
    assert len(warnings) == 1 and "anyone can pose as anyone" in warnings[0]


@pytest.mark.parametrize("kind", ["typing", "messageReaction", "event", "endOfConversation", "x"])
async def test_unknown_activity_types_are_skipped(teams_stack: TeamsStack, kind: str) -> None:
    stack = teams_stack
    activity = stack.acts.personal_message(ANA, "track this must not open a request")
    activity["type"] = kind
    status, _ = await stack.post(activity)
    assert status == 200
    # Answered after it: a skipped activity would have been answered first.
    await stack.post(stack.acts.personal_message(ANA, "help"))
    await stack.until(lambda: stack.to(ANA))
    assert [m.HELP_TITLE in shown(c) for c in stack.to(ANA)] == [True]


MALFORMED_VALUES = [
    "take it",
    ["cx"],
    {"cx": "take"},
    {"cx": {"action": 5, "value": "IT-AAAAAA"}},
    {"cx": {"action": "take", "value": ["IT-AAAAAA"]}},
    {"cx": {"value": "IT-AAAAAA"}},
    {"cx": {"action": "no-such-button", "value": "x"}},
    {"something": "else"},
]


async def test_malformed_taps_never_give_a_5xx_and_are_ignored(
    teams_stack: TeamsStack, caplog: pytest.LogCaptureFixture
) -> None:
    stack = teams_stack
    for value in MALFORMED_VALUES:
        activity = stack.acts.personal_message(ANA, "", value=value)
        status, _ = await stack.post(activity)
        assert status == 200, value
    await stack.post(stack.acts.personal_message(ANA, "help"))
    await stack.until(lambda: stack.to(ANA))
    assert len(stack.to(ANA)) == 1 and m.HELP_TITLE in shown(stack.to(ANA)[0])
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("name", ["task/fetch", "task/submit"])
async def test_a_malformed_task_module_gets_a_polite_answer(
    teams_stack: TeamsStack, name: str
) -> None:
    stack = teams_stack
    for data in ("x", None, {"cx": {"action": 1}}, {"msteams": {"type": "task/fetch"}}):
        activity = stack.acts.task_fetch(ANA, {})
        activity |= {"name": name, "value": {"data": data}}
        status, body = await stack.post(activity)
        assert status == 200
        assert body == {"task": {"type": "message", "value": unmarked(m.TAP_NOT_UNDERSTOOD)}}


async def test_unknown_invokes_and_unknown_senders_get_a_200(teams_stack: TeamsStack) -> None:
    stack = teams_stack
    invoke = stack.acts.task_fetch(ANA, {}) | {"name": "composeExtension/query"}
    assert (await stack.post(invoke))[0] == 200
    nobody = stack.acts.personal_message(ANA, "help")
    nobody["channelData"] = {}
    assert (await stack.post(nobody))[0] == 200
    anonymous = stack.acts.task_fetch(ANA, {"cx": {"action": "update", "value": "x"}})
    del anonymous["from"]["aadObjectId"]
    assert (await stack.post(anonymous))[0] == 200
    broken = stack.acts.personal_message(ANA, "<at>cxbot</at> help")
    broken["entities"] = [{"type": "mention", "text": "<at>cxbot</at>"}]
    assert (await stack.post(broken))[0] == 200
    assert (await stack.post({"type": "message"}))[0] == 400


async def test_an_employee_cannot_work_a_request_from_the_triage_card(
    teams_stack: TeamsStack,
) -> None:
    stack = teams_stack
    code, buttons, root = await open_request(stack)
    await stack.post(stack.channel_submit(BEN, buttons[m.TAKE], root))
    refused = await stack.until(
        lambda: [c for c in stack.in_channel() if m.NOT_ALLOWED_WORK in shown(c)]
    )
    # Told in the thread he tapped in: Ben has no personal chat with the bot.
    assert refused[0].conversation == f"{TRIAGE};messageid={root}"
    status, body = await stack.post(
        stack.channel_invoke(BEN, "task/fetch", buttons[m.POST_UPDATE], root)
    )
    assert status == 200 and body["task"]["type"] == "message"
    assert body["task"]["value"] == m.NOT_ALLOWED_WORK
    await stack.post(stack.acts.personal_message(ANA, code))
    page = await stack.until(lambda: [c for c in stack.to(ANA) if "Received" in shown(c)][1:])
    assert "Ben Brown" not in shown(page[-1])


async def test_a_technician_with_a_personal_chat_hears_back_there(
    teams_stack: TeamsStack,
) -> None:
    stack = teams_stack
    await grant(stack.db, identity(TESS), "technician")
    code, buttons, root = await open_request(stack)
    await stack.post(stack.acts.personal_message(TESS, "hello"))
    await stack.until(lambda: stack.to(TESS))
    await stack.post(stack.channel_submit(TESS, buttons[m.TAKE], root))
    took = await stack.until(
        lambda: [c for c in stack.to(TESS) if m.TOOK.format(code=code) in shown(c)]
    )
    assert took
    assert not [c for c in stack.in_channel() if m.TOOK.format(code=code) in shown(c)]


async def test_a_redelivered_task_submission_posts_one_update(teams_stack: TeamsStack) -> None:
    stack = teams_stack
    await grant(stack.db, identity(TESS), "technician")
    code, buttons, root = await open_request(stack)
    _, fetched = await stack.post(
        stack.channel_invoke(TESS, "task/fetch", buttons[m.POST_UPDATE], root)
    )
    [submit] = actions(fetched["task"]["value"]["card"]["content"]).values()
    activity = stack.channel_invoke(TESS, "task/submit", submit | {"text": "On it"}, root)
    first, second = await stack.post(activity), await stack.post(activity)
    assert first == (200, {"task": {"type": "message", "value": m.UPDATED.format(code=code)}})
    assert second == (200, {"task": {"type": "message", "value": m.ALREADY_GOT_THAT}})
    await stack.until(lambda: [c for c in stack.to(ANA) if "On it" in shown(c)])
    await stack.post(stack.acts.personal_message(ANA, "help"))
    await stack.until(lambda: [c for c in stack.to(ANA) if m.HELP_TITLE in shown(c)])
    assert len([c for c in stack.to(ANA) if "On it" in shown(c)]) == 1


async def test_a_channel_message_to_the_bot_is_answered_in_its_thread(
    teams_stack: TeamsStack,
) -> None:
    stack = teams_stack
    activity = stack.acts.channel_message(TESS, " help ", team_id=TEAM, channel_id=TRIAGE)
    await stack.post(activity)
    helped = await stack.until(lambda: stack.in_channel())
    assert helped[0].conversation == activity["conversation"]["id"]
    assert m.HELP_TITLE in shown(helped[0])


async def _references(stack: TeamsStack) -> dict[str, ConversationRecord]:
    async with stack.db.read() as session:
        rows = (await session.execute(select(ConversationRecord))).scalars().all()
        return {row.key: row for row in rows}


async def test_ways_back_are_stored_by_key_and_written_only_when_changed(
    teams_stack: TeamsStack,
) -> None:
    stack = teams_stack
    await stack.post(stack.acts.personal_message(ANA, "hi"))
    await stack.post(stack.team_install(TESS))
    await stack.post(stack.channel_submit(TESS, {"x": 1}, "1700000000001"))
    first = await _references(stack)
    person, channel = f"person:{identity(ANA)}", f"channel:teams:{TRIAGE}"
    assert set(first) == {person, channel, f"tenant:teams:{TENANT}"}
    assert first[person].reference["conversation"]["id"] == stack.conversation(ANA)
    assert first[person].reference["serviceUrl"] == stack.teams.service_url
    assert first[channel].reference["conversation"]["id"] == TRIAGE
    assert "activityId" not in first[person].reference

    assert "user" not in first[channel].reference
    for _ in range(3):
        await stack.post(stack.acts.personal_message(ANA, "hi again"))
    await stack.post(stack.acts.channel_message(BEN, "hello", team_id=TEAM, channel_id=TRIAGE))
    again = await _references(stack)
    assert {k: r.updated_at for k, r in again.items()} == {
        k: r.updated_at for k, r in first.items()
    }
    async with stack.db.read() as session:
        names = await people_store.names_of(session=session, identities=[identity(ANA)])
    assert names == {identity(ANA): "Ana Alvarez"}


async def test_someone_marked_unreachable_who_writes_again_is_reachable(
    teams_stack: TeamsStack,
) -> None:
    stack = teams_stack
    async with stack.db.write() as session:
        await people_store.mark_unreachable(session=session, identity=identity(ANA), at=utcnow())
    await stack.post(stack.acts.installation_update(ANA))
    async with stack.db.read() as session:
        record = await people_store.person(session=session, identity=identity(ANA))
    assert record is not None and record.unreachable_at is None


async def test_teams_requests_are_counted(teams_stack: TeamsStack) -> None:
    stack = teams_stack
    await stack.post(stack.acts.personal_message(ANA, "help"))
    await stack.post(stack.acts.task_fetch(ANA, {"x": 1}))
    async with stack.http.get(stack.server.make_url("/metrics")) as response:
        text = await response.text()
    assert 'cxbot_requests_total{kind="message",platform="teams"} 1.0' in text
    assert 'cxbot_requests_total{kind="invoke:task/fetch",platform="teams"} 1.0' in text


def slow_chat(stack: TeamsStack, monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """The desk takes `seconds` to answer anything typed (a busy database, say)."""
    desk = stack.server.app[web.RUNTIME].core.desk
    original = desk.chat

    async def chat(identity: str, text: str):
        await asyncio.sleep(seconds)
        return await original(identity, text)

    monkeypatch.setattr(desk, "chat", chat)


async def test_the_bot_connector_hears_back_before_the_work_is_done(
    teams_stack: TeamsStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = teams_stack
    slow_chat(stack, monkeypatch, 1.0)
    started = time.monotonic()
    status, _ = await stack.post(stack.acts.personal_message(ANA, "track The screen flickers"))
    assert status == 200 and time.monotonic() - started < 0.8
    await stack.until(lambda: [c for c in stack.to(ANA) if m.RECEIVED_TITLE in shown(c)])


async def test_work_still_going_at_shutdown_is_finished(
    teams_stack: TeamsStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = teams_stack
    slow_chat(stack, monkeypatch, 0.5)
    status, _ = await stack.post(stack.acts.personal_message(ANA, "track The dock is dead"))
    assert status == 200
    await stack.server.close()
    async with stack.db.read() as session:
        titles = list(await session.scalars(select(Request.title)))
    assert titles == ["The dock is dead"]


async def test_an_activity_the_database_cannot_take_is_asked_for_again(
    teams_stack: TeamsStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saved before it is acknowledged: when the database is down nothing was done, so a
    503 has the Bot Connector send it again, rather than a 200 that loses it."""
    from sqlalchemy.exc import OperationalError

    from bot.desk import Desk

    async def database_down(self: Desk, event_id: str) -> bool:
        raise OperationalError("INSERT INTO inbound_events", {}, ConnectionRefusedError())

    monkeypatch.setattr(Desk, "first_delivery", database_down)
    status, _ = await teams_stack.post(
        teams_stack.acts.personal_message(ANA, "track My screen flickers")
    )
    assert status == 503
    monkeypatch.undo()
    status, _ = await teams_stack.post(
        teams_stack.acts.personal_message(ANA, "track My screen flickers")
    )
    assert status == 200

    async def opened() -> bool:
        async with teams_stack.db.read() as session:
            return len(list(await session.scalars(select(Request)))) == 1

    await eventually(opened)
