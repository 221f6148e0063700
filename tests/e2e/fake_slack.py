"""A small fake of Slack's Web API: a real local HTTP server that records every call.

Reached through SLACK_API_URL, like a proxy would be. Tests read what it received and can
make a method answer with an error or a 429 for a while.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.test_utils import TestServer

BOT_USER = "UBOT"
TEAM = "T1"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    at: float = field(default_factory=time.monotonic)


@dataclass
class Canned:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._canned: dict[str, deque[Canned]] = defaultdict(deque)
        self._ts = 1_700_000_000
        self.server: TestServer | None = None
        self.changed = asyncio.Condition()
        # Seconds each call takes, to make a burst last long enough to interrupt.
        self.delay = 0.0

    # --- control -----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str = "internal_error",
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        for _ in range(times):
            self._canned[method].append(
                Canned(status, {"ok": False, "error": error}, dict(headers or {}))
            )

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate, within: float = 10.0) -> list[Call]:
        """Waits until predicate(calls) is true; returns the calls."""
        deadline = time.monotonic() + within
        async with self.changed:
            while not predicate(self.calls):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        "fake Slack did not see the expected calls; it saw:\n"
                        + "\n".join(f"  {c.method} {json.dumps(c.args)[:300]}" for c in self.calls)
                    )
                try:
                    await asyncio.wait_for(self.changed.wait(), remaining)
                except TimeoutError:
                    pass
        return self.calls

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/api/"))

    # --- server --------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.text()
        if self.delay:
            await asyncio.sleep(self.delay)
        if request.content_type == "application/json":
            args = json.loads(raw or "{}")
        else:
            args = dict(parse_qsl(raw))
            for key in ("blocks", "view"):
                if isinstance(args.get(key), str):
                    args[key] = json.loads(args[key])
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") or args.get("token")
        async with self.changed:
            self.calls.append(Call(method, args, token))
            self.changed.notify_all()
        if self._canned[method]:
            canned = self._canned[method].popleft()
            return web.json_response(canned.body, status=canned.status, headers=canned.headers)
        return web.json_response(self._answer(method, args))

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": BOT_USER,
                "bot_id": "BBOT",
                "team_id": TEAM,
                "team": "Acme",
                "user": "cxbot",
                "url": "https://acme.slack.com/",
            }
        if method == "chat.postMessage":
            self._ts += 1
            channel = str(args.get("channel", ""))
            if channel.startswith("U"):
                channel = "D" + channel[1:]
            return {
                "ok": True,
                "channel": channel,
                "ts": f"{self._ts}.000100",
                "message": {"text": args.get("text", "")},
            }
        if method == "chat.update":
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{self._ts}.000200"}
        if method in ("views.open", "views.publish"):
            return {"ok": True, "view": {"id": "V1"}}
        return {"ok": True}
