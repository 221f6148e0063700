"""The one aiohttp server: Slack's endpoint, health, and the background dispatcher."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.logs import request_ids
from adapters.metrics import Metrics, slack_kind
from adapters.slack.app import Listeners, build_app
from adapters.slack.delivery import SlackDelivery
from bot.desk import Desk
from bot.dispatch import Delivery, Dispatcher
from bot.housekeeping import Housekeeping
from bot.scheduler import Job, Scheduler
from bot.settings import Settings
from storage import outbox
from storage.db import Database
from storage.migrate import is_current, migrate
from storage.types import utcnow

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
# A message due this long ago means delivery is not keeping up (or not running).
STUCK_AFTER_SECONDS = 300
SLACK_HTTP_TIMEOUT = 10


@dataclass
class Runtime:
    """Everything one server holds, created at start-up and closed at shutdown."""

    settings: Settings
    db: Database
    http: aiohttp.ClientSession | None = None
    dispatcher: Dispatcher | None = None
    scheduler: Scheduler | None = None
    desk: Desk | None = None
    slack: AsyncApp | None = None
    listeners: Listeners | None = None
    socket_mode: Any = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    metrics: Metrics = field(default_factory=Metrics)


RUNTIME = web.AppKey("runtime", Runtime)


def create_app(settings: Settings, *, db: Database | None = None) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[request_ids])
    app[RUNTIME] = Runtime(settings=settings, db=db or Database(settings.database_url))
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_post("/slack/events", slack_events)
    app.on_startup.append(_start)
    app.on_cleanup.append(_stop)
    return app


async def _start(app: web.Application) -> None:
    runtime = app[RUNTIME]
    settings = runtime.settings
    await migrate(runtime.db)
    runtime.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SLACK_HTTP_TIMEOUT))
    deliveries: dict[str, Delivery] = {}
    runtime.dispatcher = Dispatcher(
        runtime.db, settings, deliveries, observe=runtime.metrics.delivered
    )
    runtime.desk = Desk(runtime.db, settings, runtime.dispatcher.wake)
    if settings.slack_enabled:
        client = AsyncWebClient(
            token=settings.slack_bot_token,
            base_url=_with_slash(settings.slack_api_url),
            session=runtime.http,
            timeout=SLACK_HTTP_TIMEOUT,
        )
        runtime.listeners = Listeners(runtime.desk, runtime.http)
        runtime.slack = build_app(
            client=client,
            signing_secret=settings.slack_signing_secret or "",
            listeners=runtime.listeners,
        )
        deliveries["slack"] = SlackDelivery(client, settings.slack_triage_channel)
        if not settings.slack_triage_channel:
            log.warning(
                "Slack: SLACK_TRIAGE_CHANNEL is not set, so new requests reach no team channel."
            )
        log.info("Slack is on at /slack/events.")
        if settings.slack_app_token:
            await _start_socket_mode(runtime, settings.slack_app_token)
    else:
        log.warning("Slack is off: set %s to turn it on.", " and ".join(settings.slack_missing))
    runtime.tasks.append(asyncio.create_task(runtime.dispatcher.run(), name="outbox"))
    housekeeping = Housekeeping(runtime.db, settings)
    runtime.scheduler = Scheduler(
        runtime.db,
        [
            Job(
                "close-resolved", settings.jobs_every_seconds, runtime.desk.requests.close_resolved
            ),
            Job("prune", settings.jobs_every_seconds, housekeeping.prune),
        ],
    )
    runtime.scheduler.start()
    # Everything made so far (modules, the Bolt app, SQLAlchemy's metadata) lives as long
    # as the process. Set aside from the garbage collector, a full collection no longer
    # walks it, which took a busy server's event loop away for 50-130 ms each time.
    gc.collect()
    gc.freeze()


async def _start_socket_mode(runtime: Runtime, app_token: str) -> None:
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    assert runtime.slack is not None
    handler = AsyncSocketModeHandler(runtime.slack, app_token)
    try:
        await handler.connect_async()
    except Exception as error:  # the HTTP endpoint still works without it
        log.error("Slack Socket Mode could not connect: %s", error)
        await handler.close_async()
        return
    runtime.socket_mode = handler
    log.info("Slack Socket Mode is connected.")


async def _stop(app: web.Application) -> None:
    runtime = app[RUNTIME]
    if runtime.socket_mode is not None:
        await runtime.socket_mode.close_async()
    if runtime.listeners is not None:
        # Answers and taps still going after their acknowledgements need the database and
        # the HTTP session, both closed below.
        await runtime.listeners.close()
    if runtime.scheduler is not None:
        await runtime.scheduler.stop()
    if runtime.dispatcher is not None:
        runtime.dispatcher.stop()
    for task in runtime.tasks:
        try:
            await asyncio.wait_for(task, timeout=10)
        except (TimeoutError, asyncio.CancelledError):
            task.cancel()
    if runtime.http is not None:
        await runtime.http.close()
    await runtime.db.dispose()


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready: the database answers, its schema is current, and messages are going out."""
    runtime = request.app[RUNTIME]
    problems: list[str] = []
    body: dict[str, Any] = {}
    try:
        if not await is_current(runtime.db):
            problems.append("database schema is not current: run `cxbot migrate`")
        platforms = list(runtime.dispatcher.deliveries) if runtime.dispatcher else []
        async with runtime.db.read() as session:
            due = await outbox.oldest_due(session=session, platforms=platforms)
        late = max(0.0, (utcnow() - due).total_seconds()) if due else 0.0
        body["outbox_oldest_due_seconds"] = round(late, 1)
        if late > STUCK_AFTER_SECONDS:
            problems.append(f"outbox: a message has been due for {int(late)} s")
    except Exception as error:
        log.warning("readyz: database check failed: %s", error)
        problems.append("database is not reachable")
    body["status"] = "ready" if not problems else "not ready"
    body["problems"] = problems
    return web.json_response(body, status=200 if not problems else 503)


async def metrics(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    async with runtime.db.read() as session:
        counts = await outbox.counts(session=session)
        oldest = await outbox.oldest_pending(session=session)
    runtime.metrics.outbox_depth.set(counts.get(outbox.PENDING, 0))
    runtime.metrics.outbox_oldest.set((utcnow() - oldest).total_seconds() if oldest else 0)
    body, content_type = runtime.metrics.render()
    return web.Response(body=body, headers={"Content-Type": content_type})


async def slack_events(request: web.Request) -> web.Response:
    started = time.perf_counter()
    response, kind = await _slack_events(request)
    runtime = request.app[RUNTIME]
    runtime.metrics.requests.labels(platform="slack", kind=kind).inc()
    runtime.metrics.ack_seconds.labels(platform="slack", kind=kind).observe(
        time.perf_counter() - started
    )
    return response


async def _slack_events(request: web.Request) -> tuple[web.Response, str]:
    """The answer to Slack, and what kind of request it was (for the metrics)."""
    slack = request.app[RUNTIME].slack
    if slack is None:
        answer = web.json_response({"error": "Slack is not set up on this server."}, status=404)
        return answer, "other"
    try:
        bolt_request = await to_bolt_request(request)
        kind = slack_kind(bolt_request.body)
    except Exception:  # an unreadable body: the sender's problem, not ours
        log.info("slack: unreadable request body", exc_info=True)
        answer = web.json_response({"error": "The request body could not be read."}, status=400)
        return answer, "other"
    try:
        bolt_response = await slack.async_dispatch(bolt_request)
    except Exception:
        log.exception("slack: could not dispatch a request")
        answer = web.json_response({"error": "The request could not be handled."}, status=400)
        return answer, kind
    if bolt_response.status >= 500:
        log.error("slack: Bolt answered %s; telling Slack 400", bolt_response.status)
        bolt_response.status = 400
    return await to_aiohttp_response(bolt_response), kind
