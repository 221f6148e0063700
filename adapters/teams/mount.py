"""Teams on the server: `/api/messages`, through the Bot Framework's CloudAdapter."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter

from adapters.core import Core
from adapters.metrics import Metrics
from adapters.teams.app import Seen, TeamsBot
from adapters.teams.auth import build_adapter, process
from adapters.teams.delivery import TeamsDelivery
from adapters.teams.settings import TeamsSettings
from bot.delivery.dispatch import Delivery

log = logging.getLogger(__name__)

PATH = "/api/messages"


async def mount(
    app: web.Application, core: Core, settings: TeamsSettings, *, metrics: Metrics
) -> Delivery | None:
    """Adds `/api/messages` to the server and returns Teams' delivery; None, with one log
    line, when Teams is off."""
    if not settings.enabled:
        app.router.add_post(PATH, _off)
        log.info("Teams is off: set MICROSOFT_APP_ID to turn it on.")
        return None
    if not settings.app_id:
        log.warning(
            "Teams is in emulator mode (CXBOT_TEAMS_EMULATOR=1): nothing is authenticated and"
            " anyone can pose as anyone; for a local emulator and tests only."
        )
    adapter = build_adapter(settings)
    later = Later()
    app.router.add_post(PATH, _Endpoint(adapter, TeamsBot(core, later), metrics).handle)
    core.closers.append(later.close)
    log.info("Teams is on at %s.", PATH)
    if not settings.triage_channel:
        log.warning(
            "Teams: TEAMS_TRIAGE_CHANNEL is not set, so new requests reach no Teams channel."
        )
    return TeamsDelivery(adapter, settings, core)


async def _off(request: web.Request) -> web.Response:
    return web.json_response({"error": "Teams is not set up on this server."}, status=404)


class _Endpoint:
    def __init__(self, adapter: CloudAdapter, bot: TeamsBot, metrics: Metrics) -> None:
        self.adapter = adapter
        self.bot = bot
        self.metrics = metrics

    async def handle(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        seen = Seen()

        async def turn(context: TurnContext) -> None:
            await self.bot.turn(context, seen)

        try:
            response = await process(self.adapter, request, turn)
        except Exception:
            # process() answers every failure it knows; anything else came from reading an
            # unusual body (a JSON nesting too deep to parse), the sender's problem, not ours.
            log.warning("teams: could not read a request", exc_info=True)
            response = web.json_response({"error": "expected a Bot Framework activity"}, status=400)
        kind = seen.kind if response.status < 400 else f"refused:{response.status}"
        self.metrics.requests.labels(platform="teams", kind=kind).inc()
        self.metrics.ack_seconds.labels(platform="teams", kind=kind).observe(
            time.perf_counter() - started
        )
        return response


class Later:
    """Work done after the acknowledgement, a few at a time, kept referenced (the event loop
    holds tasks only weakly) and given a moment to finish at shutdown."""

    CONCURRENCY = 2
    CLOSE_WITHIN = 5.0

    def __init__(self) -> None:
        self._turns = asyncio.Semaphore(self.CONCURRENCY)
        self._tasks: set[asyncio.Task[Any]] = set()

    def run(self, work: Coroutine[Any, Any, Any]) -> None:
        """Runs `work` once the acknowledgement has gone, taking turns with the rest."""

        async def in_turn() -> None:
            async with self._turns:
                await work

        self.keep(in_turn())

    def keep(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("teams: work after an acknowledgement failed", exc_info=task.exception())

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.CLOSE_WITHIN
        while self._tasks and (left := deadline - loop.time()) > 0:
            await asyncio.wait(set(self._tasks), timeout=left)
        if self._tasks:
            log.warning("teams: %d answers were still going at shutdown", len(self._tasks))
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
