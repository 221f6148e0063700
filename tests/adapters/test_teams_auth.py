"""Inbound Teams security over real HTTP: the SDK's own token validation, run against signing
keys we publish on localhost, decides; every refusal is a 401 and never runs the turn."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector.auth import ServiceClientCredentialsFactory

from adapters.teams.auth import build_adapter, process
from adapters.teams.settings import TeamsSettings
from tests.e2e.teams_activities import TeamsActivities, TeamsUser
from tests.e2e.teams_tokens import KeysServer, SigningKey, mint

APP_ID = str(uuid.uuid4())
SERVICE_URL = "https://smba.trafficmanager.net/amer/"
ALICE = TeamsUser("Alice Example")


class Bot:
    """Records the turns it was given; answers invokes as a task module would."""

    def __init__(self) -> None:
        self.turns: list[Activity] = []

    async def on_turn(self, context: TurnContext) -> None:
        self.turns.append(context.activity)
        if context.activity.type == ActivityTypes.invoke:
            body = {"task": {"type": "message", "value": "ok"}}
            await context.send_activity(
                Activity(
                    type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=body)
                )
            )


class Teams:
    """A test app that mounts `process` at /api/messages, and a client to post to it."""

    def __init__(self, settings: TeamsSettings) -> None:
        self.bot = Bot()
        self.activities = TeamsActivities(SERVICE_URL, APP_ID)
        adapter = build_adapter(settings)

        async def messages(request: web.Request) -> web.Response:
            return await process(adapter, request, self.bot.on_turn)

        app = web.Application()
        app.router.add_post("/api/messages", messages)
        self.server = TestServer(app, host="127.0.0.1")
        self.http = ClientSession()

    async def post(
        self, body: Any, *, token: str | None = None, raw: bytes | None = None, **headers: str
    ) -> tuple[int, Any]:
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        url = str(self.server.make_url("/api/messages"))
        kwargs: dict[str, Any] = {"data": raw} if raw is not None else {"json": body}
        async with self.http.post(url, headers=headers, **kwargs) as response:
            text = await response.text()
            return response.status, (await response.json() if text else None)


@pytest.fixture
def key() -> SigningKey:
    return SigningKey()


@pytest.fixture
def webchat_key() -> SigningKey:
    """A published key that may sign for another channel, not for Teams."""
    return SigningKey(endorsements=["webchat"])


@pytest.fixture
def keys_server(key: SigningKey, webchat_key: SigningKey) -> Iterator[KeysServer]:
    server = KeysServer([key, webchat_key])
    server.start()
    yield server
    server.close()


async def _running(settings: TeamsSettings) -> Teams:
    teams = Teams(settings)
    await teams.server.start_server()
    return teams


@pytest.fixture
async def teams(keys_server: KeysServer) -> AsyncIterator[Teams]:
    settings = TeamsSettings(
        app_id=APP_ID,
        app_password=secrets.token_urlsafe(16),
        openid_metadata_url=keys_server.metadata_url,
    )
    teams = await _running(settings)
    yield teams
    await teams.http.close()
    await teams.server.close()


@pytest.fixture
async def emulator() -> AsyncIterator[Teams]:
    teams = await _running(TeamsSettings(emulator=True))
    yield teams
    await teams.http.close()
    await teams.server.close()


def _token(key: SigningKey, **overrides: Any) -> str:
    return mint(key, **({"app_id": APP_ID, "service_url": SERVICE_URL} | overrides))


async def test_a_correctly_signed_token_is_accepted_and_the_turn_runs(
    teams: Teams, key: SigningKey
) -> None:
    status, _ = await teams.post(
        teams.activities.personal_message(ALICE, "help"), token=_token(key)
    )
    assert status == 200
    assert [turn.text for turn in teams.bot.turns] == ["help"]


async def test_the_signing_keys_are_fetched_once_and_kept(
    teams: Teams, key: SigningKey, keys_server: KeysServer
) -> None:
    for text in ("help", "track"):
        await teams.post(teams.activities.personal_message(ALICE, text), token=_token(key))
    assert keys_server.fetches == 1
    assert len(teams.bot.turns) == 2


async def test_an_invoke_gets_the_turns_invoke_response(teams: Teams, key: SigningKey) -> None:
    fetch = teams.activities.task_fetch(ALICE, {"form": "update"})
    status, body = await teams.post(fetch, token=_token(key))
    assert (status, body) == (200, {"task": {"type": "message", "value": "ok"}})


BAD_TOKENS = {
    "missing header": lambda key, other: None,
    "garbage token": lambda key, other: "Bearer abc",
    "another key under a published kid": lambda key, other: (
        "Bearer " + _token(SigningKey(kid=key.kid))
    ),
    "expired": lambda key, other: "Bearer " + _token(key, issued_at=time.time() - 7200),
    "wrong audience": lambda key, other: "Bearer " + _token(key, app_id=str(uuid.uuid4())),
    "wrong issuer": lambda key, other: "Bearer " + _token(key, issuer="https://sts.example.com/"),
    "other service url": lambda key, other: (
        "Bearer " + _token(key, service_url="https://evil.example.com/")
    ),
    "key not endorsed for teams": lambda key, other: "Bearer " + _token(other),
    "not bearer": lambda key, other: "Basic " + _token(key),
}


@pytest.mark.parametrize("case", list(BAD_TOKENS))
async def test_a_bad_token_gets_401_and_never_runs_the_turn(
    teams: Teams, key: SigningKey, webchat_key: SigningKey, case: str
) -> None:
    header = BAD_TOKENS[case](key, webchat_key)
    headers = {"Authorization": header} if header else {}
    status, body = await teams.post(teams.activities.personal_message(ALICE, "help"), **headers)
    assert (status, body) == (401, {"error": "unauthorized"})
    assert teams.bot.turns == []


async def test_a_token_signed_by_an_unpublished_key_gets_401(teams: Teams) -> None:
    status, _ = await teams.post(
        teams.activities.personal_message(ALICE, "help"), token=_token(SigningKey())
    )
    assert status == 401
    assert teams.bot.turns == []


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"text": "no type"}',
        b'{"type": "message", "channelId": "msteams", "conversation": {"id": "a:1"}}',
        b'{"type": "message", "serviceUrl": "%s", "conversation": {"id": "a:1"}}'
        % SERVICE_URL.encode(),
    ],
    ids=["text", "binary", "a list", "no type", "no service url", "no channel id"],
)
async def test_a_body_that_is_not_an_activity_gets_400(
    teams: Teams, key: SigningKey, raw: bytes
) -> None:
    status, body = await teams.post(
        None, raw=raw, token=_token(key), **{"Content-Type": "application/json"}
    )
    assert (status, body) == (400, {"error": "expected a Bot Framework activity"})
    assert teams.bot.turns == []


async def test_a_body_that_is_not_json_by_type_gets_415(teams: Teams, key: SigningKey) -> None:
    status, _ = await teams.post(
        None, raw=b"type=message", token=_token(key), **{"Content-Type": "text/plain"}
    )
    assert status == 415


async def test_the_emulator_mode_accepts_traffic_without_a_token(emulator: Teams) -> None:
    status, _ = await emulator.post(emulator.activities.personal_message(ALICE, "help"))
    assert status == 200
    assert [turn.text for turn in emulator.bot.turns] == ["help"]


async def test_unreachable_signing_keys_get_503_and_never_run_the_turn(key: SigningKey) -> None:
    nowhere = f"http://127.0.0.1:9/{uuid.uuid4().hex}/v1/.well-known/openidconfiguration"
    teams = await _running(TeamsSettings(app_id=APP_ID, openid_metadata_url=nowhere))
    try:
        message = teams.activities.personal_message(ALICE, "help")
        status, _ = await teams.post(message, token=_token(key))
    finally:
        await teams.http.close()
        await teams.server.close()
    assert status == 503
    assert teams.bot.turns == []


def test_without_an_app_id_or_the_emulator_mode_no_adapter_is_built() -> None:
    with pytest.raises(ValueError):
        build_adapter(TeamsSettings())


async def test_a_failing_turn_is_logged_and_answered_200_so_it_is_not_resent(
    teams: Teams, key: SigningKey, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(context: TurnContext) -> None:
        raise RuntimeError("the database went away")

    teams.bot.on_turn = broken  # type: ignore[method-assign]
    status, _ = await teams.post(
        teams.activities.personal_message(ALICE, "help"), token=_token(key)
    )
    assert status == 200
    assert "the database went away" in caplog.text


async def test_outbound_credentials_are_made_once_and_reused() -> None:
    """New credentials start with an empty token cache: made per turn, every proactive
    message would first fetch a token from Microsoft's login service."""
    from botframework.connector.auth import MicrosoftAppCredentials

    from adapters.teams.auth import ReusedCredentials

    made: list[str] = []

    class Counting(ServiceClientCredentialsFactory):
        async def is_valid_app_id(self, app_id: str) -> bool:
            return True

        async def is_authentication_disabled(self) -> bool:
            return False

        async def create_credentials(self, app_id, oauth_scope, login_endpoint, validate):
            made.append(oauth_scope)
            return MicrosoftAppCredentials(app_id, "secret")

    reused = ReusedCredentials(Counting())
    first = await reused.create_credentials("app", "scope-a", "https://login", True)
    again = await reused.create_credentials("app", "scope-a", "https://login", True)
    other = await reused.create_credentials("app", "scope-b", "https://login", True)
    assert first is again and other is not first and made == ["scope-a", "scope-b"]
