"""Sends Slack-shaped requests to cxbot over HTTP, signed with the real v0 signature."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from tests.e2e.fake_slack import FakeSlack

SIGNING_SECRET = "test-signing-secret-not-a-real-one"
TEAM = "T1"
PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> dict[str, Any]:
    """A payload shaped as Slack sends it, from tests/e2e/payloads/<name>.json."""
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def command_form(
    command: str, text: str, user: str, *, response_url: str, trigger_id: str = "trig-1"
) -> dict[str, str]:
    """A slash command's fields, as Slack posts them."""
    return {
        "token": "legacy",
        "team_id": TEAM,
        "team_domain": "acme",
        "channel_id": "C1",
        "channel_name": "general",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A1",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


class SlackSender:
    """Signed requests to cxbot. Given the fake Slack, a command's answer is read whether it
    came back in the acknowledgement or afterwards through the response_url."""

    def __init__(
        self, base_url: str, secret: str = SIGNING_SECRET, fake: FakeSlack | None = None
    ) -> None:
        self.url = base_url.rstrip("/") + "/slack/events"
        self.signer = SignatureVerifier(secret)
        self.session = aiohttp.ClientSession()
        self.fake = fake

    async def close(self) -> None:
        await self.session.close()

    def headers(
        self,
        body: str,
        *,
        timestamp: int | None = None,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> dict[str, str]:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        return {
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": self.signer.generate_signature(timestamp=ts, body=body),
            "Content-Type": content_type,
        }

    async def raw(self, body: str, headers: dict[str, str]) -> tuple[int, str]:
        async with self.session.post(self.url, data=body.encode(), headers=headers) as resp:
            return resp.status, await resp.text()

    async def post(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        extra: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        headers = self.headers(body, content_type=content_type) | (extra or {})
        return await self.raw(body, headers)

    async def command(
        self, command: str, text: str, user: str, *, wait_for_answer: bool = True
    ) -> tuple[int, dict[str, Any]]:
        """(HTTP status, the answer): the acknowledgement's body, or what was posted to the
        response_url after an empty acknowledgement."""
        status, body, key = await self.command_acked(command, text, user)
        if not body and status == 200 and self.fake and wait_for_answer:
            return status, await self.fake.response(key)
        return status, body or {"raw": ""}

    async def command_acked(
        self, command: str, text: str, user: str
    ) -> tuple[int, dict[str, Any], str]:
        """(HTTP status, the acknowledgement's body, the key of its response_url)."""
        key = uuid.uuid4().hex
        response_url = self.fake.response_url(key) if self.fake else "http://127.0.0.1:9/unused"
        body = urlencode(command_form(command, text, user, response_url=response_url))
        status, text_body = await self.post(body)
        if text_body.startswith("{"):
            return status, json.loads(text_body), key
        return status, ({"raw": text_body} if text_body else {}), key

    async def command_fields(self, fields: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """A slash command with exactly these fields (a response_url of the fake's added);
        (HTTP status, its answer, whether in the acknowledgement or after it)."""
        key = uuid.uuid4().hex
        url = self.fake.response_url(key) if self.fake else "http://127.0.0.1:9/unused"
        status, text = await self.post(urlencode(fields | {"response_url": url}))
        if not text and status == 200 and self.fake:
            return status, await self.fake.response(key)
        return status, (json.loads(text) if text.startswith("{") else {"raw": text})

    async def callback(self, body: dict[str, Any]) -> tuple[int, str]:
        """An Events API callback exactly as given."""
        return await self.post(json.dumps(body), content_type="application/json")

    async def interaction(self, payload: dict[str, Any]) -> tuple[int, str]:
        return await self.post(urlencode({"payload": json.dumps(payload)}))

    async def click(
        self, user: str, action_id: str, value: str, channel: str = "C1"
    ) -> tuple[int, str]:
        return await self.interaction(
            {
                "type": "block_actions",
                "team": {"id": TEAM, "domain": "acme"},
                "user": {"id": user, "team_id": TEAM, "username": user.lower()},
                "api_app_id": "A1",
                "token": "legacy",
                "trigger_id": "trig-2",
                "channel": {"id": channel},
                "container": {"type": "message"},
                "response_url": "http://127.0.0.1:9/unused",
                "actions": [
                    {
                        "type": "button",
                        "action_id": action_id,
                        "value": value,
                        "block_id": "b1",
                        "action_ts": str(time.time()),
                    }
                ],
            }
        )

    async def submit_form(
        self, user: str, meta: str, text: str, choice: str | None
    ) -> tuple[int, str]:
        values: dict[str, Any] = {"text": {"text": {"type": "plain_text_input", "value": text}}}
        if choice:
            values["choice"] = {
                "choice": {"type": "static_select", "selected_option": {"value": choice}}
            }
        return await self.interaction(
            {
                "type": "view_submission",
                "team": {"id": TEAM},
                "user": {"id": user, "team_id": TEAM},
                "api_app_id": "A1",
                "token": "legacy",
                "trigger_id": "trig-3",
                "view": {
                    "id": "V1",
                    "type": "modal",
                    "callback_id": "cx_form",
                    "private_metadata": meta,
                    "state": {"values": values},
                },
            }
        )

    async def event(
        self, event: dict[str, Any], event_id: str, retry: int | None = None
    ) -> tuple[int, str]:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": TEAM,
                "api_app_id": "A1",
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": event,
                "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
            }
        )
        extra = (
            {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            if retry
            else None
        )
        return await self.post(body, content_type="application/json", extra=extra)

    async def dm(
        self, user: str, text: str, event_id: str, retry: int | None = None
    ) -> tuple[int, str]:
        return await self.event(
            {
                "type": "message",
                "channel_type": "im",
                "channel": "D" + user[1:],
                "user": user,
                "text": text,
                "ts": str(time.time()),
            },
            event_id,
            retry,
        )
