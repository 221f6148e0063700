"""The one aiohttp server: each platform's endpoint, health, and the background dispatcher."""

from __future__ import annotations

import asyncio
import gc
import logging
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from adapters.core import Core, build_core
from adapters.logs import request_ids
from adapters.metrics import Metrics
from adapters.slack.mount import mount as mount_slack
from adapters.slack.settings import SlackSettings
from adapters.teams.mount import mount as mount_teams
from adapters.teams.settings import TeamsSettings
from bot.jobs.housekeeping import Housekeeping
from bot.jobs.scheduler import Scheduler
from bot.jobs.timetable import schedule_line, timetable
from bot.settings import Settings
from storage import charts as chart_store
from storage import outbox
from storage.db import Database
from storage.migrate import is_current, migrate
from storage.types import utcnow

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
# A message due this long ago means delivery is not keeping up (or not running).
STUCK_AFTER_SECONDS = 300
HTTP_TIMEOUT = 10


@dataclass
class Runtime:
    """Everything one server holds, created at start-up and closed at shutdown."""

    settings: Settings
    db: Database
    slack: SlackSettings
    teams: TeamsSettings
    core: Core | None = None
    http: aiohttp.ClientSession | None = None
    scheduler: Scheduler | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    metrics: Metrics = field(default_factory=Metrics)


RUNTIME = web.AppKey("runtime", Runtime)


def create_app(
    settings: Settings,
    *,
    db: Database | None = None,
    slack: SlackSettings | None = None,
    teams: TeamsSettings | None = None,
) -> web.Application:
    """The server. A platform whose settings are not given (or not complete) is off."""
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[request_ids])
    app[RUNTIME] = Runtime(
        settings=settings,
        db=db or Database(settings.database_url),
        slack=slack or SlackSettings.model_construct(),
        teams=teams or TeamsSettings.model_construct(),
    )
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/charts/{token:[A-Za-z0-9_-]+}.png", chart)
    app.on_startup.append(_start)
    app.on_cleanup.append(_stop)
    return app


async def _start(app: web.Application) -> None:
    runtime = app[RUNTIME]
    settings = runtime.settings
    await migrate(runtime.db)
    runtime.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT))
    core = runtime.core = build_core(settings, runtime.db, observe=runtime.metrics.delivered)
    # Each platform adds its own route (the router is frozen only once start-up is over).
    mounted = {
        "slack": await mount_slack(
            app, core, runtime.slack, http=runtime.http, metrics=runtime.metrics
        ),
        "teams": await mount_teams(app, core, runtime.teams, metrics=runtime.metrics),
    }
    for platform, delivery in mounted.items():
        if delivery is not None:
            core.add(platform, delivery, triage=delivery.has_triage)
    if not core.triage:
        log.warning(
            "No triage channel is set (SLACK_TRIAGE_CHANNEL or TEAMS_TRIAGE_CHANNEL):"
            " new requests reach no IT channel."
        )
    runtime.tasks.append(asyncio.create_task(core.dispatcher.run(), name="outbox"))
    housekeeping = Housekeeping(runtime.db, settings)
    runtime.scheduler = Scheduler(
        runtime.db,
        timetable(db=runtime.db, settings=settings, desk=core.desk, housekeeping=housekeeping),
        wake=core.dispatcher.wake,
    )
    runtime.scheduler.start()
    log.info("%s", schedule_line(settings))
    # Everything made so far (modules, the Bolt app, SQLAlchemy's metadata) lives as long
    # as the process. Set aside from the garbage collector, a full collection no longer
    # walks it, which took a busy server's event loop away for 50-130 ms each time.
    gc.collect()
    gc.freeze()


async def _stop(app: web.Application) -> None:
    runtime = app[RUNTIME]
    core = runtime.core
    if core is not None:
        # Platforms first: answers and taps still going after their acknowledgements need
        # the database and the HTTP session, both closed below.
        for close in core.closers:
            try:
                await close()
            except Exception:
                log.exception("shutdown: a platform did not close cleanly")
    if runtime.scheduler is not None:
        await runtime.scheduler.stop()
    if core is not None:
        core.dispatcher.stop()
    for task in runtime.tasks:
        try:
            await asyncio.wait_for(task, timeout=10)
        except (TimeoutError, asyncio.CancelledError):
            task.cancel()
    for delivery in core.deliveries.values() if core is not None else ():
        if (close := getattr(delivery, "close", None)) is not None:  # its kept connections
            await close()
    if runtime.http is not None:
        await runtime.http.close()
    await runtime.db.dispose()


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
        platforms = list(runtime.core.deliveries) if runtime.core else []
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


async def chart(request: web.Request) -> web.Response:
    """A chart a card shows (see storage/charts.py); whoever has the token may see it."""
    runtime = request.app[RUNTIME]
    try:
        async with runtime.db.read() as session:
            png = await chart_store.png(session=session, token=request.match_info["token"])
    except Exception as error:
        log.warning("charts: could not read a chart: %s", error)
        return web.Response(status=503, text="Try again in a moment.")
    if png is None:
        raise web.HTTPNotFound()
    # Private: the chart is one team's ratings, never for a shared cache.
    headers = {"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"}
    return web.Response(body=png, content_type="image/png", headers=headers)


async def metrics(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    async with runtime.db.read() as session:
        counts = await outbox.counts(session=session)
        oldest = await outbox.oldest_pending(session=session)
    runtime.metrics.outbox_depth.set(counts.get(outbox.PENDING, 0))
    runtime.metrics.outbox_oldest.set((utcnow() - oldest).total_seconds() if oldest else 0)
    body, content_type = runtime.metrics.render()
    return web.Response(body=body, headers={"Content-Type": content_type})
