"""Saved but not sent when the server stopped: sent by the next server that starts."""

from __future__ import annotations

import socket

from aiohttp.test_utils import TestServer

from tests.e2e.conftest import TRIAGE_CHANNEL, Stack
from tests.e2e.slack_client import SlackSender


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/"


async def test_messages_waiting_at_shutdown_go_out_after_restart(stack: Stack) -> None:
    # A first server whose Slack cannot be reached: the request is saved, nothing is sent.
    first = TestServer(stack.app(api_url=closed_port_url()), host="127.0.0.1")
    await first.start_server()
    sender = SlackSender(str(first.make_url("/")))
    try:
        status, body = await sender.command("/track", "Docking station is dead", "UANA")
    finally:
        await sender.close()
        await first.close()
    assert status == 200 and "is in" in body["text"]
    code = body["text"].split("request ")[1].split(" ")[0]

    # The first server could never reach Slack; the stack's own server, reaching the fake
    # Slack, picks its messages up from the database.
    await stack.slack.wait_for(
        lambda calls: (
            {c.args.get("channel") for c in calls if c.method == "chat.postMessage"}
            >= {"UANA", TRIAGE_CHANNEL}
        ),
        within=15,
    )
    posted = [c for c in stack.slack.of("chat.postMessage") if code in c.args.get("text", "")]
    assert sorted(c.args["channel"] for c in posted) == sorted(["UANA", TRIAGE_CHANNEL])
