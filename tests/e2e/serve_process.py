"""Runs `cxbot serve` as a real process against a fake Slack, for crash and signal tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tests.e2e.fake_slack import FakeSlack
from tests.e2e.slack_client import SIGNING_SECRET


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def start_serve(
    *, database_url: str, fake: FakeSlack, cwd: Path, port: int, **settings: str
) -> asyncio.subprocess.Process:
    """`cxbot serve` on 127.0.0.1:port; `settings` are extra environment variables."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CXBOT_", "SLACK_", "PORT"))
    }
    env = (
        inherited
        | {
            "CXBOT_DATABASE_URL": database_url,
            "PORT": str(port),
            "CXBOT_HOST": "127.0.0.1",
            "SLACK_BOT_TOKEN": "xoxb-process-test",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.url,
            "SLACK_TRIAGE_CHANNEL": "CTRIAGE",
        }
        | settings
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.cli",
        "serve",
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def wait_until_healthy(
    base_url: str, process: asyncio.subprocess.Process | None = None, within: float = 30.0
) -> None:
    """Waits until `GET /healthz` answers 200; fails at once, with its output, if it exits."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(f"{base_url}/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            if process is not None and process.returncode is not None:
                stdout, stderr = await process.communicate()
                output = (stdout + stderr).decode(errors="replace")[-3000:]
                raise AssertionError(f"cxbot serve exited with {process.returncode}:\n{output}")
            if loop.time() > deadline:
                raise AssertionError(f"cxbot serve did not start within {within}s")
            await asyncio.sleep(0.05)


STOP_SECONDS = 60


async def stop(process: asyncio.subprocess.Process) -> str:
    """SIGTERM (unless it already ended); waits for the exit and returns what it printed."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=STOP_SECONDS)
    return (stdout + stderr).decode(errors="replace")


@dataclass
class Served:
    base: str
    process: asyncio.subprocess.Process
    log: str = ""  # what the process printed, once it has stopped


@asynccontextmanager
async def serving(
    *, database_url: str, fake: FakeSlack, cwd: Path, **settings: str
) -> AsyncIterator[Served]:
    """`cxbot serve` on a free port, healthy before the body runs, stopped with SIGTERM after."""
    port = free_port()
    process = await start_serve(
        database_url=database_url, fake=fake, cwd=cwd, port=port, **settings
    )
    served = Served(f"http://127.0.0.1:{port}", process)
    try:
        await wait_until_healthy(served.base, process)
        yield served
    finally:
        served.log = await stop(process)
