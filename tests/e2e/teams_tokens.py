"""Tokens shaped like the Bot Framework's, signed with our own keys, and the keys published
where the SDK looks for them, so the SDK's real validation runs in tests.

The shapes follow Microsoft's "Authentication with the Bot Connector API" page
(learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication):
the connector's tokens carry iss "https://api.botframework.com", aud = the bot's app id, a
"serviceurl" claim that must match the activity's serviceUrl, and a "kid" header naming a key
in the JWKS; each published key lists the channels it may sign for ("endorsements").
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"


@dataclass
class SigningKey:
    """One RSA key pair, known to the world by its kid."""

    kid: str = field(default_factory=lambda: uuid.uuid4().hex)
    endorsements: list[str] = field(default_factory=lambda: ["msteams"])
    private: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    def jwk(self) -> dict[str, Any]:
        public = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "use": "sig", "endorsements": self.endorsements}


def mint(
    key: SigningKey,
    *,
    app_id: str,
    service_url: str,
    issuer: str = BOT_FRAMEWORK_ISSUER,
    lifetime: float = 3600,
    issued_at: float | None = None,
    **claims: Any,
) -> str:
    """A channel token as the Bot Connector sends it to a bot: `Bearer <this>`."""
    now = time.time() if issued_at is None else issued_at
    payload = {
        "serviceurl": service_url,
        "nbf": int(now) - 5,
        "exp": int(now + lifetime),
        "iss": issuer,
        "aud": app_id,
        **claims,
    }
    return jwt.encode(payload, key.private, algorithm="RS256", headers={"kid": key.kid})


class KeysServer:
    """Serves an OpenID metadata document and its JWKS on localhost.

    It runs on its own thread and event loop: the SDK fetches the metadata with the blocking
    `requests` library from inside the bot's event loop, so a server on that same loop could
    never answer. Each server has a fresh random path because the SDK caches metadata per URL
    for the whole process, and a later test could otherwise get an earlier test's keys when
    the operating system hands out the same port again.
    """

    def __init__(self, keys: list[SigningKey]) -> None:
        self.keys = keys
        self.fetches = 0
        self._prefix = f"/{uuid.uuid4().hex}"
        self._loop = asyncio.new_event_loop()
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._socket.getsockname()
        return f"http://{host}:{port}{self._prefix}"

    @property
    def metadata_url(self) -> str:
        # The path Microsoft uses for the Bot Connector's own document.
        return f"{self.base_url}/v1/.well-known/openidconfiguration"

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=10)

    def close(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get(f"{self._prefix}/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get(f"{self._prefix}/v1/.well-known/keys", self._jwks)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, self._socket).start()

    async def _metadata(self, request: web.Request) -> web.Response:
        self.fetches += 1
        return web.json_response(
            {
                "issuer": BOT_FRAMEWORK_ISSUER,
                "authorization_endpoint": "https://invalid.botframework.com",
                "jwks_uri": f"{self.base_url}/v1/.well-known/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _jwks(self, request: web.Request) -> web.Response:
        return web.json_response({"keys": [key.jwk() for key in self.keys]})
