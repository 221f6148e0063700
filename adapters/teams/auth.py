"""Who may post to /api/messages: the Bot Framework SDK checks every token; this module
builds the SDK's adapter and turns its many ways of refusing into one answer, 401.

The SDK does all the checking (signature against the published keys, issuer, audience,
expiry, the channel's endorsement of the key, the serviceurl claim). What it does not do is
fail tidily: a malformed token raises jwt's DecodeError, an unknown key an IndexError or an
AttributeError, a bad claim a PermissionError. So authentication runs on its own, before the
turn, and any exception from it is a refusal.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import requests
from aiohttp import web
from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.serializer_helper import serializer_helper
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import Activity, CallerIdConstants
from botframework.connector.auth import (
    AppCredentials,
    AuthenticationConstants,
    ServiceClientCredentialsFactory,
)
from msrest.serialization import Model
from msrest.universal_http.requests import ClientRetryPolicy
from sqlalchemy.exc import SQLAlchemyError

from adapters.teams.settings import TeamsSettings

log = logging.getLogger(__name__)

# msrest builds every client's retry policy by looking up 999 status codes in a 500-long
# list: 7 ms of CPU, twice a turn (the SDK makes two clients a turn), holding up the event
# loop; a send took 31 ms instead of 9. As a set, the same policy is built at once.
ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)  # type: ignore[assignment]

Logic = Callable[[TurnContext], Awaitable[Any]]

# Machine-facing answers (the caller is the Bot Connector, not a person).
ERRORS = {
    415: "expected application/json",
    400: "expected a Bot Framework activity",
    401: "unauthorized",
    503: "cannot take this right now; please send it again",
}


def build_adapter(
    settings: TeamsSettings,
    *,
    credentials_factory: ServiceClientCredentialsFactory | None = None,
) -> CloudAdapter:
    """The SDK's adapter for these settings; refuses to build an anonymous one by accident.

    `credentials_factory` replaces how outbound calls get their token (tests: the SDK gets
    it through MSAL from login.microsoftonline.com, which cannot be faked over http).
    """
    if not settings.app_id and not settings.emulator:
        # The SDK reads an empty app id as "authentication disabled": never by default.
        raise ValueError("Teams needs MICROSOFT_APP_ID, or CXBOT_TEAMS_EMULATOR=1 for tests")
    configuration = _configuration(settings)
    made = credentials_factory or ConfigurationServiceClientCredentialFactory(configuration)
    return CloudAdapter(
        ConfigurationBotFrameworkAuthentication(
            configuration, credentials_factory=ReusedCredentials(made)
        )
    )


class ReusedCredentials(ServiceClientCredentialsFactory):
    """The same credentials for every turn with the same app, scope and login endpoint.

    The SDK asks its factory for new credentials on every turn, and new credentials start
    with an empty token cache: each proactive message would fetch a token from Microsoft's
    login service first (synchronously, holding up the event loop). Kept, a token is fetched
    once and renewed by MSAL when it nears its expiry.
    """

    def __init__(self, inner: ServiceClientCredentialsFactory) -> None:
        self.inner = inner
        self._made: dict[tuple[str, str, str, bool], AppCredentials] = {}

    async def is_valid_app_id(self, app_id: str) -> bool:
        return await self.inner.is_valid_app_id(app_id)

    async def is_authentication_disabled(self) -> bool:
        return await self.inner.is_authentication_disabled()

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        key = (app_id, oauth_scope, login_endpoint, validate_authority)
        if key not in self._made:
            self._made[key] = await self.inner.create_credentials(
                app_id, oauth_scope, login_endpoint, validate_authority
            )
        return self._made[key]


def _configuration(settings: TeamsSettings) -> SimpleNamespace:
    """The SDK's configuration object, with the public cloud's values spelled out.

    Naming any endpoint switches the SDK from its built-in public-cloud class to its
    parameterized one; naming them all, always, keeps production and tests on one path and
    lets tests move only the metadata URL.
    """
    return SimpleNamespace(
        APP_ID=settings.app_id,
        APP_PASSWORD=settings.app_password,
        APP_TENANTID=settings.app_tenant_id,
        # An emulator has no app registration, whatever type the environment names.
        APP_TYPE=settings.app_type if settings.app_id else "MultiTenant",
        VALIDATE_AUTHORITY=True,
        TO_CHANNEL_FROM_BOT_LOGIN_URL=AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX,
        TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
        OAUTH_URL=AuthenticationConstants.OAUTH_URL,
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=settings.openid_metadata_url
        or AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL,
        # Tokens in the emulator's shape are checked against the same keys when tests (or
        # a sovereign cloud) move them; the public cloud's are Microsoft's.
        TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL=settings.openid_metadata_url
        or AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL,
        CALLER_ID=CallerIdConstants.public_azure_channel,
    )


async def process(adapter: CloudAdapter, request: web.Request, logic: Logic) -> web.Response:
    """Authenticate one POST from the Bot Connector, run `logic` on it, answer."""
    if request.content_type != "application/json":
        return _refuse(415)
    activity = await _read_activity(request)
    if activity is None:
        return _refuse(400)
    try:
        identity = await adapter.bot_framework_authentication.authenticate_request(
            activity, request.headers.get("Authorization") or None
        )
    except requests.RequestException:
        # The published keys could not be fetched: our outage, not the sender's fault, and
        # worth a retry by the Bot Connector.
        log.exception("Teams: cannot fetch the Bot Framework's signing keys")
        return _refuse(503)
    except Exception as error:
        log.warning("Teams: refused an activity: %s: %s", type(error).__name__, error)
        return _refuse(401)
    try:
        invoke: InvokeResponse | None = await adapter.process_activity(identity, activity, logic)
    except (SQLAlchemyError, OSError, TimeoutError):
        # The database could not take the activity (it is saved before it is acknowledged):
        # nothing was done, so the Bot Connector's resend is wanted, not feared.
        log.exception("Teams: could not save a %s activity; asking for it again", activity.type)
        return _refuse(503)
    except Exception:
        # Answered 200: the Bot Connector may resend an activity answered with a 5xx, which
        # would run the same half-done work again. The person hears from the adapter's
        # on_turn_error instead; an invoke gets an empty 200, which Teams shows as failed.
        log.exception("Teams: failed on a %s activity", activity.type)
        return web.Response(status=200)
    return _answer(invoke)


async def _read_activity(request: web.Request) -> Activity | None:
    try:
        body = json.loads(await request.read())
    except (ValueError, RecursionError):  # not JSON, or nested deeper than anyone writes
        return None
    if not isinstance(body, dict):
        return None
    try:
        activity = Activity().deserialize(body)
    except Exception:
        return None
    # The SDK checks the serviceUrl against the token, and the channelId against the key's
    # endorsements, only when the activity names them: the Bot Connector always does.
    has_conversation = activity.conversation is not None and bool(activity.conversation.id)
    required = (activity.type, activity.service_url, activity.channel_id, has_conversation)
    return activity if all(required) else None


def _answer(invoke: InvokeResponse | None) -> web.Response:
    if invoke is None:
        return web.Response(status=200)
    status = int(invoke.status or 200)
    if invoke.body is None:
        return web.Response(status=status)
    # The SDK's own CloudAdapter.process serializes every body as an msrest model and fails
    # (500) on the plain dicts most invoke handlers return.
    body = serializer_helper(invoke.body) if isinstance(invoke.body, Model) else invoke.body
    return web.json_response(body, status=status)


def _refuse(status: int) -> web.Response:
    return web.json_response({"error": ERRORS[status]}, status=status)
