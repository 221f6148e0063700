"""Socket Mode goes through the same Bolt app: each envelope is answered (acknowledged) as soon
as its listener has acknowledged, and the work after it still happens."""

from __future__ import annotations

import time
import uuid

import pytest
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app
from slack_sdk.socket_mode.request import SocketModeRequest

from adapters.slack.mount import BOLT
from tests.e2e.conftest import Stack
from tests.e2e.slack_client import TEAM
from tests.e2e.test_slow_database import SLOW, slow_down

ANA = "UANA"


def envelope(kind: str, payload: dict) -> SocketModeRequest:
    return SocketModeRequest(type=kind, envelope_id=uuid.uuid4().hex, payload=payload)


async def test_socket_mode_envelopes_are_acknowledged_before_the_work_is_done(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = stack.server.app[BOLT]
    slow_down(stack, monkeypatch)
    key = uuid.uuid4().hex
    command = {
        "team_id": TEAM,
        "user_id": ANA,
        "command": "/track",
        "text": "",
        "api_app_id": "A1",
        "channel_id": "C1",
        "response_url": stack.slack.response_url(key),
        "trigger_id": "t.1",
    }
    dm = {
        "team_id": TEAM,
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": "EvSocket1",
        "event_time": int(time.time()),
        "event": {
            "type": "message",
            "channel_type": "im",
            "channel": "DANA",
            "user": ANA,
            "text": "hello",
            "ts": "1.1",
        },
        "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
    }
    for request in (envelope("slash_commands", command), envelope("events_api", dm)):
        started = time.monotonic()
        response = await run_async_bolt_app(app, request)
        assert response.status == 200 and time.monotonic() - started < SLOW / 2
    answer = await stack.slack.response(key)
    assert answer["response_type"] == "ephemeral" and answer["text"]
    await stack.slack.wait_for(
        lambda _: [c for c in stack.slack.of("chat.postMessage") if c.args["channel"] == ANA]
    )
