"""A small fake of the Bot Framework connector as Teams runs it: a real local HTTP server that
records every call botbuilder's ConnectorClient makes, and can refuse some of them.

Activities built with `fake.activities(app_id)` carry its serviceUrl, so the bot's replies,
proactive messages and card updates come here. Paths and answers follow the Bot Connector
REST reference (learn.microsoft.com/azure/bot-service/rest-api/
bot-framework-rest-connector-api-reference); the error bodies are the connector's
ErrorResponse, {"error": {"code", "message"}}, with the codes from Teams' "Status codes from
bot conversational APIs" table (learn.microsoft.com/microsoftteams/platform/bots/
build-conversational-capability).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from botframework.connector.auth import AppCredentials, ServiceClientCredentialsFactory

from bench.limiters import Limiter, retry_after
from tests.e2e.teams_activities import TeamsActivities, personal_conversation_id

REGION = "amer"
WRITES = frozenset({"create", "send", "reply", "update"})
ERRORS = {
    429: ("Throttled", "Too many requests."),
    403: ("ConversationBlockedByUser", "User blocked the conversation with the bot."),
    404: ("ConversationNotFound", "Conversation not found."),
    412: ("PreconditionFailed", "Precondition failed, please try again."),
    502: ("ServiceError", "Unknown error."),
    504: ("GatewayTimeout", "Failed to process the request in time."),
}


@dataclass
class Call:
    kind: str  # create, send, reply, update, delete, members, member
    conversation: str | None
    activity: dict[str, Any] | None  # the JSON body; ConversationParameters for "create"
    activity_id: str | None  # the activity replied to or updated
    authorization: str | None
    status: int = 200
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    status: int
    times: int
    conversation: str | None
    kinds: frozenset[str]
    code: str
    retry_after: float


class FakeTeams:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.rosters: dict[str, list[dict[str, Any]]] = {}
        self.tokens: set[str] = set()
        self.changed = asyncio.Condition()
        self.server: TestServer | None = None
        self.rate_limited = 0
        self._failures: list[Failure] = []
        self._limiter: Limiter | None = None
        self._ids = itertools.count(1_800_000_000_000)

    # --- control -----------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        conversation: str | None = None,
        kinds: frozenset[str] = WRITES,
        code: str | None = None,
        retry_after: float = 1,
    ) -> None:
        """Answer the next `times` matching calls with `status` (429 adds Retry-After;
        403 means blocked unless `code` says e.g. "BotDisabledByAdmin")."""
        code = code or ERRORS[status][0]
        self._failures.append(Failure(status, times, conversation, kinds, code, retry_after))

    def limit(self, limiter: Limiter) -> None:
        """Answer 429 + Retry-After when `limiter` (bench/limiters.py, keyed by conversation,
        e.g. teams_conversation()) says a write must wait."""
        self._limiter = limiter

    def add_member(self, conversation: str, account: dict[str, Any]) -> None:
        self.rosters.setdefault(conversation, []).append(account)

    def activities(self, app_id: str, **kwargs: Any) -> TeamsActivities:
        return TeamsActivities(self.service_url, app_id, **kwargs)

    def of(self, kind: str, conversation: str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.kind == kind and conversation in (None, c.conversation) and c.status < 300
        ]

    def posted(self, conversation: str | None = None) -> list[Call]:
        """Messages delivered: new ones and replies, which the SDK uses for proactive ones."""
        return [
            c
            for c in self.calls
            if c.kind in ("send", "reply")
            and c.status < 300
            and conversation in (None, c.conversation)
        ]

    async def wait_for(self, predicate: Callable[[list[Call]], bool], within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        async with self.changed:
            while not predicate(self.calls):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = "\n".join(f"  {c.kind} {c.conversation} {c.status}" for c in self.calls)
                    raise AssertionError(f"fake Teams did not see the expected calls; saw:\n{seen}")
                try:
                    await asyncio.wait_for(self.changed.wait(), remaining)
                except TimeoutError:
                    pass

    # --- outbound tokens ---------------------------------------------------------------

    def credentials_factory(self, app_id: str, password: str) -> ServiceClientCredentialsFactory:
        """Stands in for MSAL and Entra ID (see _Credentials); outbound calls then carry a
        token this fake issued, which `Call.authorization` shows."""
        return _CredentialsFactory(self, app_id, password)

    def issue_token(self, app_id: str, password: str) -> str:
        token = f"fake-{app_id}-{secrets.token_urlsafe(12)}"
        self.tokens.add(token)
        return token

    # --- server ------------------------------------------------------------------------

    @property
    def service_url(self) -> str:
        # Real serviceUrls have a region path (…/amer/); the client must keep it.
        assert self.server is not None, "start() the fake first"
        return str(self.server.make_url(f"/{REGION}/"))

    async def start(self) -> None:
        app = web.Application()
        base = f"/{REGION}/v3/conversations"
        app.router.add_post(base, self._handle("create"))
        app.router.add_post(base + "/{conversation}/activities", self._handle("send"))
        app.router.add_post(base + "/{conversation}/activities/{activity}", self._handle("reply"))
        app.router.add_put(base + "/{conversation}/activities/{activity}", self._handle("update"))
        app.router.add_delete(
            base + "/{conversation}/activities/{activity}", self._handle("delete")
        )
        app.router.add_get(base + "/{conversation}/members", self._handle("members"))
        app.router.add_get(base + "/{conversation}/pagedmembers", self._handle("members"))
        app.router.add_get(base + "/{conversation}/members/{member}", self._handle("member"))
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    def _handle(self, kind: str) -> Callable[[web.Request], Any]:
        async def handle(request: web.Request) -> web.Response:
            raw = await request.read()
            body = json.loads(raw) if raw else None
            conversation = request.match_info.get("conversation")
            if kind == "create":
                conversation = _created_id(body or {})
            call = Call(
                kind,
                conversation,
                body,
                request.match_info.get("activity"),
                request.headers.get("Authorization"),
            )
            response = self._refusal(call) or self._answer(call, request)
            call.status = response.status
            async with self.changed:
                self.calls.append(call)
                self.changed.notify_all()
            return response

        return handle

    def _refusal(self, call: Call) -> web.Response | None:
        if self._limiter is not None and call.kind in WRITES:
            now, key = time.monotonic(), call.conversation or ""
            if (wait := self._limiter.wait(now, key)) > 0:
                self.rate_limited += 1
                return _error(429, "Throttled", retry_after(wait))
            self._limiter.take(now, key)
        for failure in self._failures:
            if call.kind in failure.kinds and failure.conversation in (None, call.conversation):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return _error(failure.status, failure.code, retry_after(failure.retry_after))
        return None

    def _answer(self, call: Call, request: web.Request) -> web.Response:
        new_id = str(next(self._ids))
        roster = self.rosters.get(call.conversation or "", [])
        match call.kind:
            case "create":
                has_activity = bool((call.activity or {}).get("activity"))
                answer = {"id": call.conversation, "serviceUrl": self.service_url}
                return web.json_response(
                    answer | ({"activityId": new_id} if has_activity else {}), status=201
                )
            case "send" | "reply":
                return web.json_response({"id": new_id}, status=201)
            case "update":
                return web.json_response({"id": call.activity_id})
            case "delete":
                return web.Response(status=200)
            case "members" if request.path.endswith("pagedmembers"):
                return web.json_response({"members": roster})
            case "members":
                return web.json_response(roster)
        wanted = request.match_info["member"]
        found = [m for m in roster if wanted in (m.get("id"), m.get("aadObjectId"))]
        if not found:
            return _error(404, "MemberNotFoundInConversation", 0)
        return web.json_response(found[0])


def _created_id(parameters: dict[str, Any]) -> str:
    """Teams answers a 1:1 create with the existing personal conversation's id."""
    members = parameters.get("members") or [{}]
    bot_id = str((parameters.get("bot") or {}).get("id", "")).removeprefix("28:")
    return personal_conversation_id(str(members[0].get("id", "")), bot_id)


def _error(status: int, code: str, wait: float) -> web.Response:
    message = dict(ERRORS.values()).get(code, code)
    headers = {"Retry-After": str(int(wait))} if status == 429 else {}
    body = {"error": {"code": code, "message": message}}
    return web.json_response(body, status=status, headers=headers)


class _CredentialsFactory(ServiceClientCredentialsFactory):
    def __init__(self, fake: FakeTeams, app_id: str, password: str) -> None:
        self._fake, self._app_id, self._password = fake, app_id, password

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == self._app_id

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        return _Credentials(self._fake, app_id, self._password)


class _Credentials(AppCredentials):
    """Gets its token from the fake directly, not over HTTP.

    The SDK asks MSAL for tokens, and MSAL accepts only an https authority and first asks
    login.microsoftonline.com to vouch for an unknown one, so it cannot be pointed at a local
    http server. It also asks synchronously, inside the event loop, so a token endpoint on
    that same loop could never answer.
    """

    def __init__(self, fake: FakeTeams, app_id: str, password: str) -> None:
        super().__init__(app_id=app_id)
        self._token = fake.issue_token(app_id, password)

    def get_access_token(self, force_refresh: bool = False) -> str:
        return self._token
