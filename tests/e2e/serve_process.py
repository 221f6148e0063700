"""Runs `cxbot serve` as a real process against a fake Slack, for crash and signal tests."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

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
