"""`cxbot serve` as a real process: it starts, serves, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import aiohttp

from tests.e2e.fake_slack import FakeSlack
from tests.e2e.serve_process import free_port, start_serve
from tests.e2e.slack_client import SlackSender


async def test_serve_answers_then_stops_cleanly_on_sigterm(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    process = await start_serve(
        database_url=database_url,
        fake=fake_slack,
        cwd=tmp_path,
        port=port,
        PYTHONWARNINGS="default",
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
