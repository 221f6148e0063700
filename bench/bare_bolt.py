"""The yardstick: a Bolt AsyncApp on the same aiohttp stack as cxbot, doing no work of its own.

It acknowledges at once and then shows the person the same kind of answer cxbot shows, with
nothing computed: a lookup is answered on its `response_url` with a fixed text, a new
request or an update with a DM repeating the words typed, and a rating tap with the card
updated to show the score chosen. So "time to an answer" means the same thing for both.

python -m bench.bare_bolt --port 3100 --api-url http://127.0.0.1:9999/api/
"""

from __future__ import annotations

import argparse
import re
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.e2e.slack_client import SIGNING_SECRET

ANSWER = "IT-BARE00 · Received · Your request is in the queue."
_CHANGE = re.compile(r"^(update|resolve|take|reopen)\s", re.IGNORECASE)
_CODE_ONLY = re.compile(r"^\s*it-?[0-9a-z]{6}\s*$", re.IGNORECASE)
HTTP_TIMEOUT = 10


def build(api_url: str) -> web.Application:
    http: dict[str, aiohttp.ClientSession] = {}

    def client() -> AsyncWebClient:
        return AsyncWebClient(token="xoxb-bare", base_url=api_url, session=http["session"])

    bolt = AsyncApp(
        client=AsyncWebClient(token="xoxb-bare", base_url=api_url), signing_secret=SIGNING_SECRET
    )

    @bolt.command("/track")
    async def track(ack: AsyncAck, body: dict[str, Any]) -> None:
        text = str(body.get("text") or "")
        user = str(body.get("user_id") or "")
        if not text.strip() or _CODE_ONLY.match(text):
            await ack()
            webhook = AsyncWebhookClient(
                url=str(body["response_url"]), session=http["session"], timeout=HTTP_TIMEOUT
            )
            await webhook.send_dict({"response_type": "ephemeral", "text": ANSWER})
            return
        await ack(response_type="ephemeral", text="Got it: IT-BARE00.")
        words = _CHANGE.sub("", text)
        await client().chat_postMessage(channel=user, text=f"IT-BARE00: {words}")

    @bolt.action(re.compile(r"^cx:"))
    async def tap(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        value = str(action.get("value") or "")
        button = {
            "type": "button",
            "text": {"type": "plain_text", "text": value[-1:] or "?"},
            "action_id": "cx:rate:1",
            "value": value,
            "style": "primary",
        }
        await client().chat_update(
            channel=str((body.get("channel") or {}).get("id") or ""),
            ts=str((body.get("container") or {}).get("message_ts") or "1.0"),
            text="Thanks for rating.",
            blocks=[{"type": "actions", "elements": [button]}],
        )

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def start(app: web.Application) -> None:
        http["session"] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT))

    async def close(app: web.Application) -> None:
        await http["session"].close()

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    app.on_startup.append(start)
    app.on_cleanup.append(close)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-url", required=True)
    args = parser.parse_args()
    web.run_app(build(args.api_url), host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
