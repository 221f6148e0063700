"""`cxbot serve` as a real process: it starts, serves, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from tests.e2e.fake_slack import FakeSlack
from tests.e2e.serve_process import free_port, serving, start_serve, stop
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


async def test_serve_says_listening_only_once_the_port_takes_connections(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    process = await start_serve(database_url=database_url, fake=fake_slack, cwd=tmp_path, port=port)
    said: list[str] = []
    try:
        assert process.stderr is not None
        while not any("listening" in line for line in said):
            line = await asyncio.wait_for(process.stderr.readline(), timeout=30)
            assert line, "cxbot serve ended without saying it listens:\n" + "".join(said)
            said.append(line.decode(errors="replace"))
        # The moment it says so, a connection must be taken, not refused.
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.close()
        await writer.wait_closed()
    finally:
        log = "".join(said) + await stop(process)
    assert f"cxbot listening on http://127.0.0.1:{port}" in log
    assert process.returncode == 0, log


async def test_a_port_in_use_is_said_in_one_line_and_nothing_claims_to_listen(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = await start_serve(
            database_url=database_url, fake=fake_slack, cwd=tmp_path, port=port
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    log = (stdout + stderr).decode(errors="replace")
    assert process.returncode not in (0, None), log
    assert log.strip() == f"cxbot: port {port} is already in use; set PORT to a free one", log
