"""The yardstick for Teams: botbuilder's CloudAdapter on aiohttp at `/api/messages`, with a bot
that only acknowledges.

The adapter is built exactly as cxbot builds it (`adapters.teams.auth.build_adapter`, here in
emulator mode: no app id, so no token is checked, as in `cxbot serve` with
CXBOT_TEAMS_EMULATOR=1). Each POST takes the steps of the SDK's `CloudAdapter.process`:
parse the activity, authenticate, make a TurnContext, run the bot, answer. The bot's turn
returns at once, so what is left is the floor any Teams bot on this stack pays.

The steps are the SDK's own with one difference: a request
without an Authorization header is authenticated with None, not "". The SDK's `process`
passes "", which its own configured authentication takes for a token and fails on
(AttributeError, answered 500), so in emulator mode it refuses every activity; and
`process_activity` takes None for an already authenticated result. So, as
`adapters.teams.auth.process` does, it authenticates first and hands the result on.

Like with like: by default it makes msrest's retry policy as cheap to build as cxbot does
(adapters/teams/delivery.py). The SDK builds two clients per turn, and each built that
policy by looking 999 status codes up in a 500-long list, about 10 ms of CPU: 20 ms a turn
that any bot on this stack can save with one line. `--sdk-as-shipped` leaves it as it is.

python -m bench.bare_teams --port 3978 [--sdk-as-shipped]
"""

from __future__ import annotations

import argparse

from aiohttp import web
from botbuilder.core import Bot, TurnContext
from botbuilder.core.serializer_helper import serializer_helper
from botbuilder.schema import Activity
from msrest.universal_http.requests import ClientRetryPolicy

from adapters.teams.auth import build_adapter
from adapters.teams.settings import TeamsSettings

PATH = "/api/messages"


class Acknowledge(Bot):
    """Does nothing, so the Bot Connector hears back at once."""

    async def on_turn(self, context: TurnContext) -> None:
        return None


def build(*, sdk_as_shipped: bool = False) -> web.Application:
    if not sdk_as_shipped:
        ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)  # type: ignore[assignment]
    adapter = build_adapter(TeamsSettings(emulator=True))
    bot = Acknowledge()

    async def messages(request: web.Request) -> web.Response:
        activity = Activity().deserialize(await request.json())
        header = request.headers.get("Authorization") or None
        identity = await adapter.bot_framework_authentication.authenticate_request(activity, header)
        invoke = await adapter.process_activity(identity, activity, bot.on_turn)
        if invoke is None:
            return web.Response(status=201)
        return web.json_response(serializer_helper(invoke.body), status=invoke.status)

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post(PATH, messages)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--sdk-as-shipped", action="store_true", help="without the one-line msrest fix cxbot has"
    )
    args = parser.parse_args()
    web.run_app(
        build(sdk_as_shipped=args.sdk_as_shipped), host="127.0.0.1", port=args.port, print=None
    )


if __name__ == "__main__":
    main()
