"""Every line of one request carries its id; no token or secret reaches the log."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import aiohttp

from adapters.logs import FORMAT, RequestContext
from tests.e2e.conftest import Stack
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.serve_process import serving
from tests.e2e.slack_client import SIGNING_SECRET
from tests.helpers import eventually

TOKEN = "xoxb-test-token"
LOUD = ("slack_sdk", "slack_bolt", "adapters", "bot", "aiohttp")


async def test_request_ids_and_no_secrets(stack: Stack) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RequestContext([TOKEN, SIGNING_SECRET]))
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_levels = {name: logging.getLogger(name).level for name in LOUD}
    root.addHandler(handler)
    for name in LOUD:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        await stack.sender.command("/track", "Teams calls drop after 5 minutes", "UANA")
        await stack.sender.dm("UANA", "where's my ticket?", "EvLog")
        await stack.slack.wait_for(
            lambda calls: any(
                "open requests" in str(c.args) for c in calls if c.method == "chat.postMessage"
            )
        )
        body = (
            '{"type":"event_callback","team_id":"T1","event_id":"EvLog","event":'
            '{"type":"message","channel_type":"im","user":"UANA","text":"hi"}}'
        )
        status, _ = await stack.sender.post(
            body, content_type="application/json", extra={"X-Request-Id": "dup-check-1"}
        )
        assert status == 200

        async def duplicate_logged() -> bool:
            return "EvLog was already handled" in stream.getvalue()

        await eventually(duplicate_logged)
        logging.getLogger("bot.test").info("a token typed by mistake: xoxb-1234-abcd")
    finally:
        root.removeHandler(handler)
        for name, level in old_levels.items():
            logging.getLogger(name).setLevel(level)
    text = stream.getvalue()
    assert TOKEN not in text and SIGNING_SECRET not in text
    assert "xoxb-1234-abcd" not in text and "xoxb-[hidden]" in text
    duplicate = [line for line in text.splitlines() if "EvLog was already handled" in line]
    assert duplicate and all("[dup-check-1]" in line for line in duplicate)


async def test_every_access_log_line_carries_its_request_id(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with serving(database_url=database_url, fake=fake_slack, cwd=tmp_path) as served:
        async with aiohttp.ClientSession() as http:
            given = {"X-Request-Id": "access-check-1"}
            async with http.get(f"{served.base}/healthz", headers=given) as resp:
                assert resp.status == 200
            missing = {"X-Request-Id": "access-check-2"}
            async with http.get(f"{served.base}/no-such-page", headers=missing) as resp:
                assert resp.status == 404
                assert resp.headers["X-Request-Id"] == "access-check-2"
            async with http.get(f"{served.base}/healthz") as resp:
                made_up = resp.headers["X-Request-Id"]
    access = [line for line in served.log.splitlines() if " aiohttp.access " in line]
    assert access, served.log
    assert any("[access-check-1]" in line and '"GET /healthz ' in line for line in access)
    assert any("[access-check-2]" in line and '"GET /no-such-page ' in line for line in access)
    assert any(f"[{made_up}]" in line for line in access)
    assert not [line for line in access if "[-]" in line], access
