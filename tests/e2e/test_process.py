"""`cxbot serve` as a real process: it starts, serves, and stops cleanly on SIGTERM."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.fake_slack import FakeSlack
from tests.e2e.serve_process import serving
from tests.e2e.slack_client import SlackSender


async def test_serve_answers_then_stops_cleanly_on_sigterm(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with serving(
        database_url=database_url, fake=fake_slack, cwd=tmp_path, PYTHONWARNINGS="default"
    ) as served:
        sender = SlackSender(served.base)
        try:
            status, body = await sender.command("/track", "Headset crackles on calls", "UANA")
        finally:
            await sender.close()
        assert status == 200 and "is in" in body["text"]
        await fake_slack.wait_for(
            lambda calls: len([c for c in calls if c.method == "chat.postMessage"]) >= 2
        )
    log, process = served.log, served.process
    assert process.returncode == 0, log
    for bad in ("Unclosed client session", "Task was destroyed", "Traceback"):
        assert bad not in log, log
