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

from bench.limiters import AllOf, Limiter, PerChannel, SlidingWindow, retry_after

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
        # What was posted to each response_url (the answers to slash commands), by key.
        self.responses: dict[str, list[dict[str, Any]]] = defaultdict(list)
        # Seconds each call takes, to make a burst last long enough to interrupt.
        self.delay = 0.0
        # A rate limiter on the methods that write to a conversation, when switched on
        # with limit() or limit_posts().
        self._limiter: Limiter | None = None
        self._limited_methods: frozenset[str] = frozenset()
        self.rate_limited = 0
        # Files uploaded (files.getUploadURLExternal, then the bytes POSTed to its
        # upload_url, then files.completeUploadExternal): the bytes, by file id.
        self.uploaded: dict[str, bytes] = {}
        self._files = 0

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

    def limit_posts(self, *, per_second: int) -> None:
        """Like Slack: chat.postMessage takes one message a second per channel and
        `per_second` across the workspace; past either it answers 429 with Retry-After."""
        self.limit(
            AllOf([SlidingWindow(per_second, 1.0), PerChannel(lambda: SlidingWindow(1, 1.0))]),
            methods=("chat.postMessage",),
        )

    def limit(
        self, limiter: Limiter, *, methods: tuple[str, ...] = ("chat.postMessage", "chat.update")
    ) -> None:
        """Answers 429 with Retry-After (whole seconds) when `limiter` says a call to one of
        `methods` must wait; see bench/limiters.py for the shapes."""
        self._limiter = limiter
        self._limited_methods = frozenset(methods)

    def _over_limit(self, method: str, args: dict[str, Any]) -> float:
        """0 when the call may go (and it is counted), else the seconds it must wait."""
        if self._limiter is None or method not in self._limited_methods:
            return 0.0
        now = time.monotonic()
        channel = _conversation(str(args.get("channel", "")))
        wait = self._limiter.wait(now, channel)
        if wait <= 0:
            self._limiter.take(now, channel)
        return wait

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

    def response_url(self, key: str) -> str:
        """A response_url for one slash command; what cxbot posts there is kept by `key`."""
        assert self.server is not None
        return str(self.server.make_url(f"/respond/{key}"))

    async def response(self, key: str, within: float = 10.0) -> dict[str, Any]:
        """The first answer posted to `key`'s response_url."""
        await self.wait_for(lambda _: bool(self.responses.get(key)), within=within)
        return self.responses[key][0]

    # --- server --------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._handle)
        app.router.add_get("/api/{method}", self._handle)  # users.info and other reads
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_post("/upload/v1/{file_id}", self._upload)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    async def _respond(self, request: web.Request) -> web.Response:
        body = json.loads(await request.text() or "{}")
        async with self.changed:
            self.responses[request.match_info["key"]].append(body)
            self.changed.notify_all()
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        """An upload_url: Slack's answers "OK - <bytes received>" to the bytes POSTed there.
        Recorded as an `upload` call (fail_next("upload", status=500) makes it fail)."""
        file_id = request.match_info["file_id"]
        data = await request.read()
        async with self.changed:
            self.calls.append(Call("upload", {"file_id": file_id, "length": len(data)}, None))
            self.uploaded[file_id] = data
            self.changed.notify_all()
        if self._canned["upload"]:
            canned = self._canned["upload"].popleft()
            return web.Response(status=canned.status, text=str(canned.body.get("error", "")))
        return web.Response(text=f"OK - {len(data)}")

    def _files_answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """files.getUploadURLExternal and files.completeUploadExternal, as Slack documents
        them: an upload_url (here, on this fake) and a file id; then the files shared."""
        if method == "files.getUploadURLExternal":
            self._files += 1
            file_id = f"F{self._files:08d}"
            assert self.server is not None
            url = str(self.server.make_url(f"/upload/v1/{file_id}"))
            return {"ok": True, "upload_url": url, "file_id": file_id}
        files = json.loads(args.get("files") or "[]")
        shared = [{"id": f["id"], "title": f.get("title", "")} for f in files]
        return {"ok": True, "files": shared}

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.text()
        if self.delay:
            await asyncio.sleep(self.delay)
        if request.content_type == "application/json":
            args = json.loads(raw or "{}")
        else:
            args = dict(parse_qsl(raw)) or dict(request.query)
            for key in ("blocks", "view"):
                if isinstance(args.get(key), str):
                    args[key] = json.loads(args[key])
        if wait := self._over_limit(method, args):
            self.rate_limited += 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(retry_after(wait))},
            )
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
            channel = _conversation(str(args.get("channel", "")))
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
        if method == "users.info":
            user = str(args.get("user", ""))
            name = user[1:].title() if user else ""  # UANA -> "Ana"
            return {
                "ok": True,
                "user": {"id": user, "name": name.lower(), "profile": {"display_name": name}},
            }
        if method in ("views.open", "views.publish"):
            return {"ok": True, "view": {"id": "V1"}}
        if method in ("files.getUploadURLExternal", "files.completeUploadExternal"):
            return self._files_answer(method, args)
        if method == "conversations.open":
            # The direct messages with the one user named, as `_conversation` names them.
            return {"ok": True, "channel": {"id": _conversation(str(args.get("users", "")))}}
        return {"ok": True}


def _conversation(channel: str) -> str:
    """Where a message to `channel` lands: a user id means the DM with that user."""
    return "D" + channel[1:] if channel.startswith("U") else channel
