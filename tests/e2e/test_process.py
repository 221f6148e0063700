"""`cxbot serve` as a real process: it starts, serves, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from tests.e2e.fake_slack import FakeSlack
from tests.e2e.slack_client import SIGNING_SECRET, SlackSender


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_serve_answers_then_stops_cleanly_on_sigterm(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CXBOT_", "SLACK_", "PORT"))
    } | {
        "CXBOT_DATABASE_URL": database_url,
        "PORT": str(port),
        "CXBOT_HOST": "127.0.0.1",
        "SLACK_BOT_TOKEN": "xoxb-process-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.url,
        "SLACK_TRIAGE_CHANNEL": "CTRIAGE",
        "PYTHONWARNINGS": "default",
        "PYTHONASYNCIODEBUG": "0",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.cli",
        "serve",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                try:
                    async with http.get(f"{base}/healthz") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
        sender = SlackSender(base)
        try:
            status, body = await sender.command("/track", "Headset crackles on calls", "UANA")
        finally:
            await sender.close()
        assert status == 200 and "is in" in body["text"]
        await fake_slack.wait_for(
            lambda calls: len([c for c in calls if c.method == "chat.postMessage"]) >= 2
        )
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    log = (stdout + stderr).decode()
    assert process.returncode == 0, log
    for bad in ("Unclosed client session", "Task was destroyed", "Traceback"):
        assert bad not in log, log
