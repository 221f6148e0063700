"""Slack on the server: `/slack/events` (and Socket Mode when an app token is set)."""

from __future__ import annotations

import logging
import time
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.core import Core
from adapters.metrics import Metrics, slack_kind
from adapters.slack.app import Listeners, build_app
from adapters.slack.delivery import SlackDelivery
from adapters.slack.names import Names
from adapters.slack.settings import SlackSettings

log = logging.getLogger(__name__)

SLACK_HTTP_TIMEOUT = 10
PATH = "/slack/events"
# The Bolt app a server runs, for Socket Mode tests that drive it directly.
BOLT = web.AppKey("slack_bolt", AsyncApp)


async def mount(
    app: web.Application,
    core: Core,
    settings: SlackSettings,
    *,
    http: aiohttp.ClientSession,
    metrics: Metrics,
) -> SlackDelivery | None:
    """Adds `/slack/events` to the server (called while it starts, before its routes are
    frozen) and returns Slack's delivery; None, with one log line, when Slack is off."""
    if not settings.enabled:
        app.router.add_post(PATH, _off)
        log.warning("Slack is off: set %s to turn it on.", " and ".join(settings.missing))
        return None
    client = AsyncWebClient(
        token=settings.bot_token,
        base_url=_with_slash(settings.api_url),
        session=http,
        timeout=SLACK_HTTP_TIMEOUT,
    )
    listeners = Listeners(core.desk, http, names=Names(client, core.directory))
    bolt = build_app(
        client=client, signing_secret=settings.signing_secret or "", listeners=listeners
    )
    app.router.add_post(PATH, _Endpoint(bolt, metrics).handle)
    app[BOLT] = bolt
    core.closers.append(listeners.close)
    log.info("Slack is on at %s.", PATH)
    if not settings.triage_channel:
        log.warning(
            "Slack: SLACK_TRIAGE_CHANNEL is not set, so new requests reach no Slack channel."
        )
    if settings.app_token:
        await _start_socket_mode(core, bolt, settings.app_token)
    return SlackDelivery(client, settings.triage_channel)


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


async def _off(request: web.Request) -> web.Response:
    return web.json_response({"error": "Slack is not set up on this server."}, status=404)


async def _start_socket_mode(core: Core, bolt: AsyncApp, app_token: str) -> None:
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(bolt, app_token)
    try:
        await handler.connect_async()
    except Exception as error:  # the HTTP endpoint still works without it
        log.error("Slack Socket Mode could not connect: %s", error)
        await handler.close_async()
        return
    # Closed first at shutdown: no new events while the answers still going finish.
    core.closers.insert(0, handler.close_async)
    log.info("Slack Socket Mode is connected.")


class _Endpoint:
    def __init__(self, bolt: AsyncApp, metrics: Metrics) -> None:
        self.bolt = bolt
        self.metrics = metrics

    async def handle(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        response, kind = await self._answer(request)
        self.metrics.requests.labels(platform="slack", kind=kind).inc()
        self.metrics.ack_seconds.labels(platform="slack", kind=kind).observe(
            time.perf_counter() - started
        )
        return response

    async def _answer(self, request: web.Request) -> tuple[web.Response, str]:
        """The answer to Slack, and what kind of request it was (for the metrics)."""
        try:
            bolt_request = await to_bolt_request(request)
            kind = slack_kind(bolt_request.body)
        except Exception:  # an unreadable body: the sender's problem, not ours
            log.info("slack: unreadable request body", exc_info=True)
            answer = web.json_response({"error": "The request body could not be read."}, status=400)
            return answer, "other"
        try:
            bolt_response: Any = await self.bolt.async_dispatch(bolt_request)
        except Exception:
            log.exception("slack: could not dispatch a request")
            answer = web.json_response({"error": "The request could not be handled."}, status=400)
            return answer, kind
        if bolt_response.status >= 500:
            log.error("slack: Bolt answered %s; telling Slack 400", bolt_response.status)
            bolt_response.status = 400
        return await to_aiohttp_response(bolt_response), kind
