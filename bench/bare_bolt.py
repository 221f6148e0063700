"""The yardstick: a Bolt AsyncApp on the same aiohttp stack as cxbot that only acknowledges.

python -m bench.bare_bolt --port 3100 --api-url http://127.0.0.1:9999/api/
"""

from __future__ import annotations

import argparse
import re

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from tests.e2e.slack_client import SIGNING_SECRET


def build(api_url: str) -> web.Application:
    bolt = AsyncApp(
        client=AsyncWebClient(token="xoxb-bare", base_url=api_url),
        signing_secret=SIGNING_SECRET,
    )

    @bolt.command("/track")
    async def track(ack: AsyncAck) -> None:
        await ack()

    @bolt.action(re.compile(r"^cx:"))
    async def tap(ack: AsyncAck) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-url", required=True)
    args = parser.parse_args()
    web.run_app(build(args.api_url), host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
