"""What the benchmarks share: a fake Slack, cxbot serve and the bare Bolt app as processes,
and fifty clients sending signed requests."""

from __future__ import annotations

import asyncio
import os
import platform
import random
import re
import statistics
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from tests.e2e.fake_slack import FakeSlack
from tests.e2e.serve_process import free_port, serving, stop, wait_until_healthy
from tests.e2e.slack_client import TEAM, SlackSender

CODE = re.compile(r"IT-[0-9A-Z]{6}")
REQUESTER = "UBENCH"
TECHNICIAN = "UTECH"


def machine() -> str:
    cores = os.cpu_count()
    return (
        f"{platform.machine()}, {cores} cores, Python {platform.python_version()}, {date.today()}"
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def rss_mb(pid: int) -> float:
    """Resident size of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


@dataclass
class Server:
    name: str
    base: str
    process: asyncio.subprocess.Process


@asynccontextmanager
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


@asynccontextmanager
async def cxbot(
    fake: FakeSlack, database_url: str, workdir: Path, **env: str
) -> AsyncIterator[Server]:
    async with serving(
        database_url=database_url,
        fake=fake,
        cwd=workdir,
        CXBOT_LOG_LEVEL="WARNING",
        CXBOT_SURVEY_COOLDOWN_DAYS="0",
        **env,
    ) as served:
        yield Server("cxbot", served.base, served.process)


@asynccontextmanager
async def bare_bolt(fake: FakeSlack) -> AsyncIterator[Server]:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.bare_bolt",
        "--port",
        str(port),
        "--api-url",
        fake.url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_until_healthy(base, process)
        yield Server("bare Bolt", base, process)
    finally:
        await stop(process)


async def resolved_request(server: Server) -> str:
    """A request opened by REQUESTER and resolved by TECHNICIAN: its rating card takes taps."""
    sender = SlackSender(server.base)
    try:
        _, body = await sender.command("/track", "Benchmark: laptop will not wake up", REQUESTER)
        code = CODE.search(str(body))
        if code is None:
            raise RuntimeError(f"could not open a request: {body}")
        _, body = await sender.command("/track", f"resolve {code.group(0)} Done", TECHNICIAN)
        if "resolved" not in str(body):
            raise RuntimeError(f"could not resolve {code.group(0)}: {body}")
        return code.group(0)
    finally:
        await sender.close()


def technician_identity() -> str:
    return f"slack:{TEAM}:{TECHNICIAN}"


@dataclass
class Latencies:
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    examples: list[str] = field(default_factory=list)

    def failed(self, what: str) -> None:
        self.errors += 1
        if len(self.examples) < 5:
            self.examples.append(what)

    def add(self, kind: str, seconds: float) -> None:
        self.by_kind.setdefault(kind, []).append(seconds)

    def merged(self, other: Latencies) -> None:
        for kind, values in other.by_kind.items():
            self.by_kind.setdefault(kind, []).extend(values)
        self.errors += other.errors
        self.examples.extend(other.examples[: 5 - len(self.examples)])


async def clients(
    server: Server,
    code: str,
    *,
    count: int,
    seconds: float,
    think: tuple[float, float],
    fake: FakeSlack | None = None,
) -> Latencies:
    """`count` clients for `seconds`, each alternating `/track <code>` and a rating tap.

    Times each acknowledgement; an answer sent afterwards goes to the fake's response_url.
    """
    result = Latencies()
    sender = SlackSender(server.base, fake=fake)
    stop_at = time.monotonic() + seconds
    dimensions = ("quality", "speed", "knowledge", "approachability", "communication")

    async def one(n: int) -> None:
        turn = n
        rng = random.Random(n)
        while time.monotonic() < stop_at:
            await asyncio.sleep(rng.uniform(*think))
            turn += 1
            started = time.perf_counter()
            try:
                if turn % 2:
                    status, _, _ = await sender.command_acked("/track", code.lower(), REQUESTER)
                    kind = "/track <code>"
                else:
                    value = f"{code}:{dimensions[turn % 5]}:{1 + turn % 5}"
                    status, _ = await sender.click(
                        REQUESTER, "cx:rate:1", value, "D" + REQUESTER[1:]
                    )
                    kind = "rating tap"
            except Exception as error:
                result.failed(f"{error!r}")
                continue
            if status != 200:
                result.failed(f"HTTP {status}")
                continue
            result.add(kind, time.perf_counter() - started)

    try:
        await asyncio.gather(*(one(n) for n in range(count)))
    finally:
        await sender.close()
    return result


def summary(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), percentile(values, 0.99)
