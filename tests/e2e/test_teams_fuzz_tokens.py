"""Teams with authentication on (MICROSOFT_APP_ID set, the SDK checking tokens against keys
published on localhost): fuzzed activities under garbage tokens get a 4xx, never run a turn,
never log a traceback; a correctly signed activity afterwards still runs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from adapters.teams.settings import TeamsSettings
from adapters.web import create_app
from bot.settings import Settings
from storage import people as people_store
from storage.db import Database
from storage.models import ConversationRecord, PersonRecord
from tests.e2e.teams_activities import TeamsActivities
from tests.e2e.teams_stack import identity
from tests.e2e.teams_tokens import BOT_FRAMEWORK_ISSUER, KeysServer, SigningKey, mint
from tests.e2e.test_teams_fuzz import ACTIVITY, ANA, ANY_TEXT, JSON, fuzzed, tracebacks
from tests.helpers import FIGURES

APP_ID = str(uuid.uuid4())
AUTH_SERVICE_URL = "https://smba.trafficmanager.net/amer/"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def signed(key: SigningKey, claims: dict[str, Any]) -> str:
    """A token truly signed by `key`, whatever its claims hold (PyJWT refuses to write some
    of the wrong types a sender may still put there)."""
    payload = {"serviceurl": AUTH_SERVICE_URL, "iss": BOT_FRAMEWORK_ISSUER, "exp": 2**40} | claims
    head = _b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": key.kid}).encode())
    body = _b64(json.dumps(payload).encode("utf-8", "surrogatepass"))
    signature = key.private.sign(f"{head}.{body}".encode(), PKCS1v15(), SHA256())
    return f"{head}.{body}.{_b64(signature)}"


def confused(key: SigningKey) -> str:
    """Valid claims, "signed" with HS256 keyed by the published public key: the classic
    algorithm-confusion forgery, which a verifier trusting the header's alg would accept."""
    public = key.private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    claims = {"aud": APP_ID, "iss": BOT_FRAMEWORK_ISSUER, "serviceurl": AUTH_SERVICE_URL}
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    body = _b64(json.dumps(claims | {"exp": 2**40}).encode())
    mac = hmac.new(public, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(mac)}"


def garbage_token(key: SigningKey, impostor: SigningKey, draw: tuple) -> str | None:
    """A header the Bot Connector would never send; `draw` picks what kind."""
    kind, text, claims = draw
    # What an HTTP header can carry; over 8 KB aiohttp refuses it before cxbot sees it.
    text = "".join(ch for ch in text if ch.isprintable())[:2000]
    service = {"app_id": APP_ID, "service_url": AUTH_SERVICE_URL}
    made = [
        lambda: None,
        lambda: text,
        lambda: f"Bearer {text}",
        lambda: "Bearer " + ".".join(_b64(text.encode("utf-8", "replace")) for _ in range(3)),
        lambda: "Bearer " + signed(key, claims),
        lambda: "Bearer " + mint(impostor, **service),
        lambda: "Bearer " + _b64(b'{"alg":"none"}') + "." + _b64(json.dumps(claims).encode()) + ".",
        lambda: "Bearer " + confused(key),
        lambda: "Bearer " + _b64(json.dumps(claims).encode()) + "." + _b64(b"{}") + ".",
        lambda: "Bearer " + mint(key, app_id=text, service_url=AUTH_SERVICE_URL),
        lambda: "Bearer " + mint(key, **service, issued_at=0),
        lambda: "Bearer " + mint(key, app_id=APP_ID, service_url=text or "x"),
    ]
    header = made[kind % len(made)]()
    return header[:7000] if header is not None else None


# Each breaks a token the SDK checks. Not "ver"/"appid": a token shaped as a skill's or the
# emulator's sends the SDK to Microsoft's own key document, out of this offline test's reach.
CLAIMS = st.fixed_dictionaries(
    {"aud": JSON.filter(lambda v: v != APP_ID)},
    optional={
        "iss": JSON,
        "exp": st.one_of(JSON, st.integers(0, 10**9)),
        "nbf": st.one_of(JSON, st.integers(2 * 10**9, 10**10)),
        "serviceurl": JSON,
    },
)
TOKEN = st.tuples(st.integers(0, 100), ANY_TEXT, CLAIMS)


@dataclass
class Guarded:
    """A server with Teams authenticated by the SDK against keys published on localhost."""

    server: TestServer
    http: aiohttp.ClientSession
    db: Database
    key: SigningKey
    impostor: SigningKey  # a key of its own under the published kid
    acts: TeamsActivities

    async def post(self, activity: dict, authorization: str | None) -> int:
        headers = {"Authorization": authorization} if authorization is not None else {}
        url = self.server.make_url("/api/messages")
        async with self.http.post(url, json=activity, headers=headers) as response:
            return response.status


@pytest.fixture
async def guarded(database_url: str) -> AsyncIterator[Guarded]:
    key = SigningKey()
    keys = KeysServer([key, SigningKey(endorsements=["webchat"])])
    keys.start()
    teams = TeamsSettings(
        app_id=APP_ID,
        app_password=secrets.token_urlsafe(16),
        openid_metadata_url=keys.metadata_url,
    )
    server = TestServer(create_app(Settings(database_url=database_url), teams=teams))
    await server.start_server()
    db = Database(database_url)
    http = aiohttp.ClientSession()
    impostor = SigningKey(kid=key.kid)
    yield Guarded(server, http, db, key, impostor, TeamsActivities(AUTH_SERVICE_URL, APP_ID))
    await http.close()
    await server.close()
    await db.dispose()
    keys.close()


async def count(db: Database, table: type) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(TOKEN, ACTIVITY), min_size=1, max_size=4))
async def test_garbage_tokens_get_a_401_and_never_run_a_turn(
    guarded: Guarded, caplog: pytest.LogCaptureFixture, draws: list[tuple]
) -> None:
    for token, activity in draws:
        activity = fuzzed(guarded.acts, activity)
        status = await guarded.post(activity, garbage_token(guarded.key, guarded.impostor, token))
        FIGURES["Teams activities with garbage tokens tried"] += 1
        assert 400 <= status < 500, (activity, token, status)
    assert await count(guarded.db, ConversationRecord) == 0
    assert await count(guarded.db, PersonRecord) == 0
    assert not tracebacks(caplog)


async def test_after_garbage_tokens_a_signed_activity_still_runs(
    guarded: Guarded, caplog: pytest.LogCaptureFixture
) -> None:
    for n in range(50):
        token = garbage_token(guarded.key, guarded.impostor, (n, f"junk {n}", {"aud": n}))
        status = await guarded.post(guarded.acts.personal_message(ANA, "hi"), token)
        assert status == 401
    FIGURES["Teams activities with garbage tokens tried"] += 50
    token = mint(guarded.key, app_id=APP_ID, service_url=AUTH_SERVICE_URL)
    # Joins no one and asks nothing: its only trace is the way back to Ana, stored.
    joined = guarded.acts.members_added(ANA, bot=False)
    assert await guarded.post(joined, f"Bearer {token}") == 200
    async with guarded.db.read() as session:
        found = await people_store.conversation(session=session, key=f"person:{identity(ANA)}")
    assert found is not None and found["serviceUrl"] == AUTH_SERVICE_URL
    assert not tracebacks(caplog)
