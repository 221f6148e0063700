"""What the benchmarks share: a fake Slack, cxbot serve and the bare Bolt app as processes,
and fifty clients sending signed requests."""

from __future__ import annotations

import asyncio
import json
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
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.slack.app import PROCESS_BEFORE_RESPONSE
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
async def bare_bolt(
    fake: FakeSlack, *, process_before_response: bool = PROCESS_BEFORE_RESPONSE
) -> AsyncIterator[Server]:
    """The yardstick, by default with the same Bolt setting as cxbot: like with like."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.bare_bolt",
        "--port",
        str(port),
        "--api-url",
        fake.url,
        *(["--process-before-response"] if process_before_response else []),
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


# --- answers: when each one reached Slack -------------------------------------------------

TRIAGE_CHANNEL = "CTRIAGE"
# Words the benchmarks put in what people type, so the answer that shows them can be found.
MARKER = re.compile(r"mark\d{7}")


def primaries(blocks: object) -> list[str]:
    """The values of the highlighted buttons in a message: the scores a rating card shows."""
    found: list[str] = []
    if not isinstance(blocks, list):
        return found
    for block in blocks:
        if isinstance(block, dict) and block.get("type") == "actions":
            for element in block.get("elements") or ():
                if isinstance(element, dict) and element.get("style") == "primary":
                    found.append(str(element.get("value")))
    return found


class AnswerLog(FakeSlack):
    """A fake Slack that keeps, instead of every call, when each answer first arrived.

    Keys: `r:<key>` a response_url answer; `m:<marker>` the first message to a person (not
    the triage channel) showing a marker; `p:<value>` every time a card showed a rating
    button chosen. Times are `time.monotonic()`, which every process on the machine shares.
    """

    def __init__(self) -> None:
        super().__init__()
        self.reset()

    def reset(self) -> None:
        self.first: dict[str, float] = {}
        self.taps: dict[str, list[float]] = {}
        self.count = 0
        self.last_at = 0.0

    def snapshot(self) -> dict[str, object]:
        return {
            "first": self.first,
            "taps": self.taps,
            "count": self.count,
            "last_at": self.last_at,
        }

    def _seen(self, key: str, now: float) -> None:
        if key not in self.first:
            self.first[key] = now

    async def _respond(self, request: web.Request) -> web.Response:
        await request.read()
        now = time.monotonic()
        self.count += 1
        self.last_at = now
        self._seen("r:" + request.match_info["key"], now)
        return web.Response(text="ok")

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.text()
        now = time.monotonic()
        self.count += 1
        self.last_at = now
        if request.content_type == "application/json":
            args = json.loads(raw or "{}")
        else:
            args = dict(parse_qsl(raw))
            if isinstance(args.get("blocks"), str):
                args["blocks"] = json.loads(args["blocks"])
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            if args.get("channel") != TRIAGE_CHANNEL:
                for marker in MARKER.findall(raw):
                    self._seen("m:" + marker, now)
            if "primary" in raw:
                for value in primaries(args.get("blocks")):
                    self.taps.setdefault(value, []).append(now)
        return web.json_response(self._answer(method, args))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._handle)
        app.router.add_post("/respond/{key}", self._respond)
        # Read by the benchmark from its own process.
        app.router.add_get("/log", self._log)
        app.router.add_post("/reset", self._reset)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()

    async def _log(self, request: web.Request) -> web.Response:
        return web.json_response(self.snapshot())

    async def _reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})
