"""Forged requests, redelivered events, malformed payloads and hostile text, over HTTP."""

from __future__ import annotations

import asyncio
import json
import re
import time
from urllib.parse import urlencode

from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from adapters.web import create_app
from bot import messages as m
from bot.settings import Settings
from storage.models import Request
from tests.e2e.conftest import TRIAGE_CHANNEL, Stack
from tests.e2e.slack_client import SlackSender
from tests.helpers import eventually

ANA, BEN = "UANA", "UBEN"


async def count_requests(stack: Stack) -> int:
    async with stack.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(Request)))


def slash_body(text: str, user: str = ANA) -> str:
    return urlencode(
        {
            "team_id": "T1",
            "user_id": user,
            "command": "/track",
            "text": text,
            "channel_id": "C1",
            "response_url": "http://127.0.0.1:9/x",
        }
    )


async def test_forged_and_stale_signatures_are_refused(stack: Stack) -> None:
    body = slash_body("My screen is flickering")
    forged = SlackSender(str(stack.server.make_url("/")), secret="not-the-secret")
    try:
        status, _ = await forged.post(body)
    finally:
        await forged.close()
    assert status == 401
    stale = stack.sender.headers(body, timestamp=int(time.time()) - 60 * 10)
    status, _ = await stack.sender.raw(body, stale)
    assert status == 401
    status, _ = await stack.sender.raw(body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 401
    assert await count_requests(stack) == 0


async def test_a_redelivered_event_gets_one_reply(stack: Stack) -> None:
    await stack.sender.command("/track", "Keyboard missing keys", ANA)
    for retry in (None, 1, 2):
        status, _ = await stack.sender.dm(ANA, "where's my ticket?", "Ev123", retry=retry)
        assert status == 200
    await stack.slack.wait_for(
        lambda calls: any(
            "Your open requests" in json.dumps(c.args, ensure_ascii=False)
            for c in calls
            if c.method == "chat.postMessage"
        )
    )
    await asyncio.sleep(0.5)
    replies = [
        c
        for c in stack.slack.of("chat.postMessage")
        if "Your open requests" in json.dumps(c.args, ensure_ascii=False)
    ]
    assert len(replies) == 1


async def test_a_redelivered_track_in_a_dm_opens_one_request(stack: Stack) -> None:
    for retry in (None, 1):
        status, _ = await stack.sender.dm(
            ANA, "track The projector in room 4 is dead", "EvX", retry=retry
        )
        assert status == 200
    await stack.slack.wait_for(lambda _: len(stack.slack.of("chat.postMessage")) >= 3)
    await asyncio.sleep(0.3)
    assert await count_requests(stack) == 1


async def test_malformed_payloads_get_a_4xx_never_a_5xx(stack: Stack) -> None:
    bodies = [
        ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        ("payload=" + json.dumps({"type": "block_actions"}), "application/x-www-form-urlencoded"),
        (
            "payload=" + json.dumps({"type": "block_actions", "actions": "x", "user": 5}),
            "application/x-www-form-urlencoded",
        ),
        ("{", "application/json"),
        (json.dumps({"type": "event_callback", "event": "nope"}), "application/json"),
        (json.dumps([1, 2, 3]), "application/json"),
        ("command=/track&text=hi", "application/x-www-form-urlencoded"),
        ("\x00\x01\x02", "application/octet-stream"),
        ("", "application/x-www-form-urlencoded"),
    ]
    for body, content_type in bodies:
        status, text = await stack.sender.post(body, content_type=content_type)
        assert status < 500, (body, status, text)
    assert await count_requests(stack) == 0


async def test_typed_mentions_and_links_are_shown_inert(stack: Stack) -> None:
    hostile = "<!channel> <!here> <@UBOSS> please see <http://evil.example|your bank>"
    status, _body = await stack.sender.command("/track", hostile, ANA)
    assert status == 200
    await stack.slack.wait_for(lambda _: len(stack.slack.of("chat.postMessage")) >= 2)
    for call in stack.slack.of("chat.postMessage"):
        payload = json.dumps(call.args)
        for raw in ("<!channel>", "<!here>", "<@UBOSS>", "<http://evil"):
            assert raw not in payload, (raw, call.args["channel"])
    triage = [c for c in stack.slack.of("chat.postMessage") if c.args["channel"] == TRIAGE_CHANNEL]
    # Read as words, and a link's label never hides where it goes.
    shown = "@channel @here @UBOSS please see your bank (http://evil.example)"
    assert shown in json.dumps(triage[0].args["blocks"])


async def test_unknown_empty_and_long_text_get_polite_answers(stack: Stack) -> None:
    status, body = await stack.sender.command("/track", "IT-ZZZZZZ", ANA)
    assert status == 200 and "couldn't find" in body["text"]
    status, body = await stack.sender.command("/track", "", ANA)
    assert status == 200 and body["text"] == m.YOUR_OPEN_TITLE
    status, body = await stack.sender.command("/track", "word " * 2000, ANA)
    assert status == 200 and "a bit long" in body["text"]
    status, body = await stack.sender.command("/track", "update IT-ZZZZZZ hello", BEN)
    assert status == 200 and body["text"] == m.NOT_ALLOWED_WORK
    assert await count_requests(stack) == 0


async def test_a_button_from_someone_without_the_role_is_refused(stack: Stack) -> None:
    status, body = await stack.sender.command("/track", "VPN drops every hour", ANA)
    code = body["text"].split("request ")[1].split(" ")[0]
    status, _ = await stack.sender.click(BEN, "cx:resolve:3", code)
    assert status == 200
    calls = await stack.slack.wait_for(lambda _: stack.slack.of("chat.postEphemeral"))
    refusal = next(c for c in calls if c.method == "chat.postEphemeral")
    assert refusal.args["user"] == BEN and refusal.args["text"] == m.NOT_ALLOWED_WORK


async def test_without_slack_settings_the_server_starts_and_says_so(
    database_url: str, caplog
) -> None:
    server = TestServer(create_app(Settings(database_url=database_url)), host="127.0.0.1")
    with caplog.at_level("WARNING"):
        await server.start_server()
    try:
        sender = SlackSender(str(server.make_url("/")))
        try:
            status, _ = await sender.post(slash_body("hello"))
            async with sender.session.get(str(server.make_url("/healthz"))) as resp:
                health = resp.status
        finally:
            await sender.close()
    finally:
        await server.close()
    assert status == 404 and health == 200
    lines = [r.getMessage() for r in caplog.records if "Slack is off" in r.getMessage()]
    assert lines == ["Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to turn it on."]


async def test_slack_rate_limits_and_outages_delay_but_lose_nothing(stack: Stack) -> None:
    stack.slack.fail_next(
        "chat.postMessage", status=429, error="ratelimited", headers={"Retry-After": "2"}
    )
    stack.slack.fail_next("chat.postMessage", status=500, error="internal_error")
    status, _ = await stack.sender.command("/track", "Monitor flickers after lunch", ANA)
    assert status == 200

    def delivered(calls: list) -> bool:
        ok = [c for c in calls if c.method == "chat.postMessage"]
        return len(ok) >= 4 and {c.args["channel"] for c in ok[2:]} == {ANA, TRIAGE_CHANNEL}

    calls = await stack.slack.wait_for(delivered, within=15)
    posts = [c for c in calls if c.method == "chat.postMessage"]
    limited = posts[0]
    retry = next(c for c in posts[2:] if c.args["channel"] == limited.args["channel"])
    assert retry.at - limited.at >= 1.9  # Retry-After, not the 1 s first backoff
    assert len(posts) == 4  # each message sent once it went through, no more


async def test_an_empty_update_form_is_sent_back_with_a_note(stack: Stack) -> None:
    from tests.helpers import grant

    await grant(stack.db, "slack:T1:UTESS", "technician")
    _, body = await stack.sender.command("/track", "Wifi in room 2 drops", ANA)
    code = re.search(r"IT-[0-9A-Z]{6}", body["text"]).group(0)
    meta = json.dumps({"action": "update", "value": code})
    status, text = await stack.sender.submit_form("UTESS", meta, "   ", None)
    assert status == 200
    answer = json.loads(text)
    assert answer["response_action"] == "errors" and answer["errors"]["text"] == m.FORM_EMPTY


async def test_readyz_says_not_ready_while_a_message_is_stuck(stack: Stack) -> None:
    from datetime import timedelta

    from bot.views import Card, dump_card
    from storage.models import OutboxMessage
    from storage.types import utcnow

    url = str(stack.server.make_url("/readyz"))
    async with stack.sender.session.get(url) as resp:
        assert resp.status == 200 and (await resp.json())["status"] == "ready"
    async with stack.db.write() as session:  # held by a replica that died ten minutes ago
        row = OutboxMessage(
            platform="slack",
            op="post",
            target="person:slack:T1:U1",
            payload=dump_card(Card(title="stuck", fallback="stuck")),
            next_attempt_at=utcnow() - timedelta(minutes=10),
            claimed_until=utcnow() + timedelta(minutes=10),
        )
        session.add(row)
        await session.flush()
        row_id = row.id
    async with stack.sender.session.get(url) as resp:
        body = await resp.json()
        assert resp.status == 503
    assert body["problems"][0].startswith("outbox: a message has been due for 6")
    async with stack.db.write() as session:
        row = await session.get(OutboxMessage, row_id)
        assert row is not None
        row.claimed_until = None

    async def ready_again() -> bool:
        async with stack.sender.session.get(url) as resp:
            return resp.status == 200

    await eventually(ready_again)


async def test_a_permanent_slack_error_is_given_up_not_retried(stack: Stack) -> None:
    from sqlalchemy import select

    from storage.models import OutboxMessage
    from tests.helpers import eventually

    stack.slack.fail_next("chat.postMessage", error="channel_not_found", times=2)
    status, _ = await stack.sender.command("/track", "Scanner on floor 1 is offline", ANA)
    assert status == 200

    async def both_given_up() -> bool:
        async with stack.db.read() as session:
            rows = list(await session.scalars(select(OutboxMessage)))
        return sorted(r.state for r in rows) == ["dead", "dead"]

    await eventually(both_given_up)
    await asyncio.sleep(1.5)  # several poll rounds: nothing is tried again
    assert len(stack.slack.of("chat.postMessage")) == 2
    async with stack.db.read() as session:
        errors = {r.last_error for r in await session.scalars(select(OutboxMessage))}
    assert errors == {"channel_not_found"}


async def test_an_event_delivered_to_two_replicas_opens_one_request(stack: Stack) -> None:
    second = TestServer(stack.app(), host="127.0.0.1")
    await second.start_server()
    other = SlackSender(str(second.make_url("/")))
    try:
        answers = await asyncio.gather(
            stack.sender.dm(ANA, "track Both replicas got this one", "EvBoth"),
            other.dm(ANA, "track Both replicas got this one", "EvBoth", retry=1),
        )
    finally:
        await other.close()
    assert [status for status, _ in answers] == [200, 200]
    await stack.slack.wait_for(
        lambda calls: len([c for c in calls if c.method == "chat.postMessage"]) >= 3
    )
    await asyncio.sleep(0.5)
    await second.close()
    assert await count_requests(stack) == 1
    replies = [c for c in stack.slack.of("chat.postMessage") if "is in" in c.args.get("text", "")]
    assert len(replies) == 1
