"""The yardstick: a Bolt AsyncApp on the same aiohttp stack as cxbot, doing no work of its own.

It acknowledges at once and then shows the person the same kind of answer cxbot shows, with
nothing computed: a lookup is answered on its `response_url` with a fixed text, a new
request or an update with a DM repeating the words typed, and a rating tap with the card
updated to show the score chosen. So "time to an answer" means the same thing for both.

With `--process-before-response` it runs its listeners in line, as cxbot does (see
PROCESS_BEFORE_RESPONSE in adapters/slack/app.py): each acknowledges, hands the answer to a
task of its own and returns, so the acknowledgement goes at once instead of at Bolt's next
10 ms look. bench/common.py starts it with cxbot's setting unless told otherwise.

python -m bench.bare_bolt --port 3100 --api-url http://127.0.0.1:9999/api/
python -m bench.bare_bolt --port 3100 --api-url http://127.0.0.1:9999/api/ --process-before-response
"""

from __future__ import annotations

import argparse
import asyncio
import re
from collections.abc import Awaitable
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


def build(api_url: str, *, process_before_response: bool = False) -> web.Application:
    http: dict[str, aiohttp.ClientSession] = {}
    kept: set[asyncio.Future[Any]] = set()

    def client() -> AsyncWebClient:
        return AsyncWebClient(token="xoxb-bare", base_url=api_url, session=http["session"])

    async def after_ack(work: Awaitable[Any]) -> None:
        """The answer: in line, handed to a kept task, as cxbot's Listeners.later does."""
        if not process_before_response:
            await work  # Bolt already runs this listener on its own
            return
        task = asyncio.ensure_future(work)
        kept.add(task)
        task.add_done_callback(kept.discard)

    bolt = AsyncApp(
        client=AsyncWebClient(token="xoxb-bare", base_url=api_url),
        signing_secret=SIGNING_SECRET,
        process_before_response=process_before_response,
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
            await after_ack(webhook.send_dict({"response_type": "ephemeral", "text": ANSWER}))
            return
        await ack(response_type="ephemeral", text="Got it: IT-BARE00.")
        words = _CHANGE.sub("", text)
        await after_ack(client().chat_postMessage(channel=user, text=f"IT-BARE00: {words}"))

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
        await after_ack(
            client().chat_update(
                channel=str((body.get("channel") or {}).get("id") or ""),
                ts=str((body.get("container") or {}).get("message_ts") or "1.0"),
                text="Thanks for rating.",
                blocks=[{"type": "actions", "elements": [button]}],
            )
        )

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def start(app: web.Application) -> None:
        http["session"] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT))

    async def close(app: web.Application) -> None:
        if kept:
            await asyncio.wait(set(kept), timeout=5)
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
    parser.add_argument(
        "--process-before-response",
        action="store_true",
        help="run listeners in line, answers after the ack in tasks (cxbot's setting)",
    )
    args = parser.parse_args()
    app = build(args.api_url, process_before_response=args.process_before_response)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
