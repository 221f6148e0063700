"""What a person waits for: the acknowledgement, then the answer they can see.

cxbot serve against the yardstick of bench/bare_bolt.py (Bolt on the same aiohttp stack,
acknowledging and then answering with a fixed text), on the same machine, taking turns.

Four kinds of request, signed like Slack's, each with the answer a person waits for:

- lookup `/track <code>`: acknowledged at once, answered on the command's `response_url`;
- open `/track <words>`: saved, then acknowledged; answered with the request's card in a DM;
- update `/track update <code> <words>` (a technician): saved, then acknowledged; answered
  with the DM (or the card) the requester sees;
- rating tap: acknowledged at once; answered with the rating card showing the score.

Every answer is found at the fake Slack by what it shows (its response_url, the words
typed, the score chosen) and timed from the moment the request was sent.

`latency`: fifty clients, each pausing 0.3-0.9 s between requests and going through the four
kinds in turn; ack and answer p50/p99 per kind, cxbot / bare Bolt, rounds taking turns.

`capacity`: open loop, requests sent at a fixed rate whatever happens to the answers, one
kind at a time (lookups, rating taps); the rate doubles until a step fails (a failure is
tried once more, `--retries`), then halves the gap. A step holds when every request is
acknowledged, every answer arrives, answer p99 is under 1 s and the load generator kept the
rate. The two servers take turns, step by step.

`load`: one kind at a fixed rate against cxbot only, for a profiler (`--py-spy FILE`).

The fake Slack runs in its own process, the load generator (requests signed before each
step, one aiohttp session) in this one, and each server in its own.

    .venv/bin/python -m bench.answers latency  [--database-url URL] [--seconds 10 --rounds 3]
    .venv/bin/python -m bench.answers capacity [--database-url URL] [--kinds lookup,tap]
    .venv/bin/python -m bench.answers load --kind lookup --rate 150 [--py-spy out.txt]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from adapters.slack.app import PROCESS_BEFORE_RESPONSE
from bench.common import (
    CODE,
    TECHNICIAN,
    AnswerLog,
    Server,
    bare_bolt,
    cxbot,
    machine,
    percentile,
    technician_identity,
)
from storage.db import Database
from storage.migrate import migrate
from tests.e2e.slack_client import SIGNING_SECRET, TEAM, command_form
from tests.helpers import grant, reset_postgres

KINDS = ("lookup", "open", "update", "tap")
DIMENSIONS = ("quality", "speed", "knowledge", "approachability", "communication")
# An answer later than this after the load stops is counted as never arriving.
GRACE_SECONDS = 5.0
ANSWER_BAR = 1.0
ACK_BAR = 1.1
CAPACITY_BAR = 0.8
DEPTH = "cxbot_outbox_depth "
# The load generator must keep to the rate: sent in at least this share of the step.
KEPT_RATE = 0.95


# --- the fake Slack, in its own process --------------------------------------------------------


async def _receive() -> None:
    log = AnswerLog()
    await log.start()
    assert log.server is not None
    print(str(log.server.make_url("/")).rstrip("/"), flush=True)
    await asyncio.Event().wait()


class Receiver:
    """The AnswerLog fake Slack as a process; `url` is its Web API address."""

    def __init__(self, base: str, process: asyncio.subprocess.Process) -> None:
        self.base = base
        self.process = process
        self.url = f"{base}/api/"
        self.http = aiohttp.ClientSession()

    def response_url(self, key: str) -> str:
        return f"{self.base}/respond/{key}"

    async def log(self) -> dict[str, Any]:
        async with self.http.get(f"{self.base}/log") as resp:
            return await resp.json()

    async def reset(self) -> None:
        async with self.http.post(f"{self.base}/reset") as resp:
            await resp.read()

    async def quiet(self, seconds: float = 0.5, within: float = 60.0) -> None:
        """Waits until nothing has arrived for `seconds` (the server has caught up)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            got = await self.log()
            if got["count"] and time.monotonic() - got["last_at"] >= seconds:
                return
            if not got["count"]:
                await asyncio.sleep(seconds)
                if not (await self.log())["count"]:
                    return
            await asyncio.sleep(0.1)


async def settled(server: Server, rx: Receiver, within: float = 120.0) -> None:
    """Waits until cxbot's outbox is empty (its /metrics) and nothing more arrives."""
    deadline = time.monotonic() + within
    if server.name == "cxbot":
        while time.monotonic() < deadline:
            async with rx.http.get(server.base + "/metrics") as resp:
                text = await resp.text()
            depth = next(
                (line.split()[-1] for line in text.splitlines() if line.startswith(DEPTH)), "0"
            )
            if float(depth) == 0:
                break
            await asyncio.sleep(0.2)
    await rx.quiet()


@asynccontextmanager
async def receiver() -> AsyncIterator[Receiver]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.answers", "receive", stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    base = (await process.stdout.readline()).decode().strip()
    got = Receiver(base, process)
    try:
        yield got
    finally:
        await got.http.close()
        process.terminate()
        await process.wait()


# --- requests, signed like Slack's -------------------------------------------------------------


class Signer:
    def __init__(self, answers_to: Receiver) -> None:
        self.verifier = SignatureVerifier(SIGNING_SECRET)
        self.receiver = answers_to

    def _signed(self, body: str) -> tuple[bytes, dict[str, str]]:
        ts = str(int(time.time()))
        return body.encode(), {
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": self.verifier.generate_signature(timestamp=ts, body=body),
            "Content-Type": "application/x-www-form-urlencoded",
        }

    def command(self, user: str, text: str, key: str) -> tuple[bytes, dict[str, str]]:
        form = command_form(
            "/track",
            text,
            user,
            response_url=self.receiver.response_url(key),
            trigger_id=f"13345224609.738474920.{key}",
        )
        return self._signed(urlencode(form))

    def tap(self, user: str, value: str) -> tuple[bytes, dict[str, str]]:
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "acme"},
            "user": {"id": user, "team_id": TEAM, "username": user.lower()},
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": f"13345224609.738474920.{uuid.uuid4().hex}",
            "channel": {"id": "D" + user[1:], "name": "directmessage"},
            "container": {"type": "message", "message_ts": "1.0", "channel_id": "D" + user[1:]},
            "response_url": self.receiver.response_url(uuid.uuid4().hex),
            "actions": [
                {
                    "type": "button",
                    "action_id": "cx:rate:1",
                    "value": value,
                    "block_id": "b1",
                    "action_ts": str(time.time()),
                }
            ],
        }
        return self._signed(urlencode({"payload": json.dumps(payload)}))


@dataclass
class Shot:
    """One request: when it went, when it was acknowledged, when its answer arrived."""

    kind: str
    answer: str  # its key in the AnswerLog: r:<key>, m:<marker> or p:<value>
    body: bytes
    headers: dict[str, str]
    sent: float = 0.0
    acked: float | None = None
    status: int = 0
    answered: float | None = None
    late_by: float = 0.0  # open loop: how far behind its moment it was sent


@dataclass
class People:
    """The requests the clients work on, opened through cxbot before measuring."""

    own: list[tuple[str, str]]  # (requester, an open request of theirs)
    rated: list[tuple[str, str]]  # (requester, a resolved request with its rating card)
    markers: Iterator[int] = field(default_factory=itertools.count)
    taps: dict[str, int] = field(default_factory=dict)

    def marker(self) -> str:
        return f"mark{next(self.markers) % 10_000_000:07d}"


def make_shot(kind: str, n: int, people: People, signer: Signer) -> Shot:
    """Request number `n` of this kind, with the key its answer will be found by."""
    if kind == "lookup":
        user, code = people.own[n % len(people.own)]
        key = uuid.uuid4().hex
        return Shot(kind, "r:" + key, *signer.command(user, code, key))
    if kind == "open":
        user, _ = people.own[n % len(people.own)]
        marker = people.marker()
        text = f"Benchmark {marker}: the printer on floor 3 jams on every page"
        return Shot(kind, "m:" + marker, *signer.command(user, text, uuid.uuid4().hex))
    if kind == "update":
        _, code = people.own[n % len(people.own)]
        marker = people.marker()
        text = f"update {code} Checked the cable and the drivers, {marker}"
        return Shot(kind, "m:" + marker, *signer.command(TECHNICIAN, text, uuid.uuid4().hex))
    user, code = people.rated[n % len(people.rated)]
    # Each tap on a card changes what it shows: the answer is the card showing this score.
    turn = people.taps.get(code, 0)
    people.taps[code] = turn + 1
    value = f"{code}:{DIMENSIONS[turn % 5]}:{1 + (turn // 5) % 5}"
    return Shot(kind, "p:" + value, *signer.tap(user, value))


async def send(http: aiohttp.ClientSession, url: str, shot: Shot) -> None:
    shot.sent = time.monotonic()
    try:
        async with http.post(url, data=shot.body, headers=shot.headers) as resp:
            await resp.read()
            shot.status = resp.status
    except Exception:
        shot.status = -1
        return
    shot.acked = time.monotonic()


def match(shots: list[Shot], log: dict[str, Any]) -> int:
    """Sets each shot's answer time from the AnswerLog; returns how many are still missing."""
    missing = 0
    for shot in shots:
        if shot.answered is not None:
            continue
        if shot.answer.startswith("p:"):
            times = log["taps"].get(shot.answer[2:], ())
            shot.answered = next((t for t in times if t >= shot.sent), None)
        else:
            shot.answered = log["first"].get(shot.answer)
        missing += shot.answered is None
    return missing


async def answered(rx: Receiver, shots: list[Shot], grace: float = GRACE_SECONDS) -> int:
    """Waits until every answer has arrived, at most `grace` s; returns how many did not."""
    deadline = time.monotonic() + grace
    while True:
        missing = match(shots, await rx.log())
        if not missing or time.monotonic() > deadline:
            return missing
        await asyncio.sleep(0.2)


# --- the people and their requests -------------------------------------------------------------


async def prepare(database_url: str) -> None:
    """A fresh schema: a PostgreSQL database given is emptied first (a scratch one only)."""
    if database_url.startswith("postgresql"):
        await reset_postgres(database_url)
    db = Database(database_url)
    await migrate(db)
    await grant(db, technician_identity(), "technician")
    await db.dispose()


async def seed(server: Server, signer: Signer, *, people: int, rated: int) -> People:
    """`people` requesters with an open request each, and `rated` resolved requests among them
    whose rating cards are out: opened and resolved through cxbot itself."""
    url = server.base + "/slack/events"
    users = [f"UB{n:05d}" for n in range(people)]
    gate = asyncio.Semaphore(8)

    async with aiohttp.ClientSession() as http:

        async def command(user: str, text: str) -> str:
            body, headers = signer.command(user, text, uuid.uuid4().hex)
            async with gate, http.post(url, data=body, headers=headers) as resp:
                answer = await resp.text()
            found = CODE.search(answer)
            if resp.status != 200 or found is None:
                raise RuntimeError(f"could not seed with {text!r}: {resp.status} {answer[:300]}")
            return found.group(0)

        async def opened(user: str, n: int) -> tuple[str, str]:
            return user, await command(user, f"Benchmark request {n}: laptop will not wake up")

        async def resolved(user: str, n: int) -> tuple[str, str]:
            _, code = await opened(user, n)
            await command(TECHNICIAN, f"resolve {code} Replaced the battery")
            return user, code

        own = await asyncio.gather(*(opened(u, n) for n, u in enumerate(users)))
        done = await asyncio.gather(*(resolved(users[n % people], n) for n in range(rated)))
    return People(own=list(own), rated=list(done))


# --- latency: fifty clients with pauses ------------------------------------------------------


async def clients(
    server: Server, people: People, signer: Signer, *, count: int, seconds: float, think: tuple
) -> list[Shot]:
    shots: list[Shot] = []
    url = server.base + "/slack/events"
    stop_at = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one(n: int) -> None:
            rng = random.Random(n)
            for turn in itertools.count(n):
                await asyncio.sleep(rng.uniform(*think))
                if time.monotonic() >= stop_at:
                    return
                shot = make_shot(KINDS[turn % len(KINDS)], n, people, signer)
                await send(http, url, shot)
                shots.append(shot)

        await asyncio.gather(*(one(n) for n in range(count)))
    return shots


def _ms(value: float) -> str:
    return f"{value * 1000:7.1f}" if value != float("inf") else "    inf"


def _p(values: list[float]) -> tuple[float, float]:
    return percentile(values, 0.5), percentile(values, 0.99)


def _durations(shots: list[Shot], kind: str) -> tuple[list[float], list[float], int]:
    mine = [s for s in shots if s.kind == kind]
    acks = [s.acked - s.sent for s in mine if s.acked is not None and s.status == 200]
    answers = [(s.answered - s.sent) if s.answered else float("inf") for s in mine]
    errors = sum(1 for s in mine if s.status != 200)
    return acks, answers, errors


@asynccontextmanager
async def _side_by_side(
    args: argparse.Namespace,
) -> AsyncIterator[tuple[Receiver, Server, Server, Signer]]:
    """The fake Slack, cxbot on a prepared database and bare Bolt (with cxbot's Bolt setting
    unless told otherwise), and a signer whose answers go to that fake."""
    in_line = args.bare_process_before_response
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await prepare(url)
        async with (
            receiver() as rx,
            cxbot(rx, url, Path(tmp)) as ours,  # type: ignore[arg-type]
            bare_bolt(rx, process_before_response=in_line) as bare,  # type: ignore[arg-type]
        ):
            yield rx, ours, bare, Signer(rx)


async def latency(args: argparse.Namespace) -> None:
    think = tuple(float(x) for x in args.think.split(","))
    async with _side_by_side(args) as (rx, ours, bare, signer):
        people = await seed(ours, signer, people=args.clients, rated=args.clients)
        await settled(ours, rx)
        measured: dict[str, list[Shot]] = {ours.name: [], bare.name: []}
        servers = (ours, bare)
        for n in range(args.rounds + 1):  # the first round warms up and is not counted
            for server in servers if n % 2 == 0 else servers[::-1]:
                await rx.reset()
                shots = await clients(
                    server,
                    people,
                    signer,
                    count=args.clients,
                    seconds=args.seconds if n else 2,
                    think=think,
                )
                await answered(rx, shots)
                await settled(server, rx)
                if n:
                    measured[server.name].extend(shots)

    print(
        f"{args.clients} clients, {args.rounds} rounds of {args.seconds:.0f} s, think "
        f"{think[0]}-{think[1]} s, {'PostgreSQL' if args.database_url else 'SQLite'}; "
        f"{machine()}"
    )
    print(
        f"{'kind':7s} {'server':9s} | {'ack p50':>7s} {'p99':>7s} ms | "
        f"{'answer p50':>10s} {'p99':>7s} ms | missing errors     n"
    )
    worst_ack, worst_answer = 0.0, 0.0
    for kind in KINDS:
        figures = {}
        for name, shots in measured.items():
            acks, answers, errors = _durations(shots, kind)
            figures[name] = (_p(acks), _p(answers))
            missing = sum(1 for a in answers if a == float("inf"))
            print(
                f"{kind:7s} {name:9s} | {_ms(figures[name][0][0])} {_ms(figures[name][0][1])}"
                f"    | {_ms(figures[name][1][0]):>10s} {_ms(figures[name][1][1])}    | "
                f"{missing:7d} {errors:6d} {len(answers):5d}"
            )
        (a50, a99), (_, w99) = figures["cxbot"]
        (b50, b99), (_, _) = figures["bare Bolt"]
        worst_ack = max(worst_ack, a50 / b50, a99 / b99)
        worst_answer = max(worst_answer, w99)
        print(f"{'':7s} {'ratio':9s} | {a50 / b50:6.2f}x {a99 / b99:6.2f}x")
    print(
        f"answers: worst ack ratio {worst_ack:.2f}x (bar {ACK_BAR}x), "
        f"worst answer p99 {worst_answer * 1000:.0f} ms (bar {ANSWER_BAR * 1000:.0f} ms)"
    )


# --- capacity: open loop -------------------------------------------------------------------


@dataclass
class Step:
    rate: float
    sent: int
    achieved: float
    errors: int
    missing: int
    ack_p99: float
    answer_p50: float
    answer_p99: float
    late_p99: float

    @property
    def holds(self) -> bool:
        return (
            self.errors == 0
            and self.missing == 0
            and self.answer_p99 < ANSWER_BAR
            and self.achieved >= KEPT_RATE * self.rate
        )

    def line(self, name: str) -> str:
        return (
            f"  {name:9s} {self.rate:6.0f}/s: sent {self.sent:5d} at {self.achieved:6.1f}/s, "
            f"errors {self.errors}, missing {self.missing}, ack p99 {_ms(self.ack_p99)} ms, "
            f"answer p50 {_ms(self.answer_p50)} p99 {_ms(self.answer_p99)} ms, "
            f"sender late p99 {_ms(self.late_p99)} ms -> {'holds' if self.holds else 'FAILS'}"
        )


async def open_loop(
    server: Server, rx: Receiver, shots: list[Shot], rate: float
) -> tuple[list[Shot], float]:
    """Sends `shots` at `rate` a second whatever the answers; returns them and the time taken."""
    url = server.base + "/slack/events"
    connector = aiohttp.TCPConnector(limit=0)
    tasks: list[asyncio.Task[None]] = []
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=30)
    ) as http:
        start = time.monotonic() + 0.05
        for n, shot in enumerate(shots):
            due = start + n / rate
            now = time.monotonic()
            if due > now:
                await asyncio.sleep(due - now)
            shot.late_by = max(0.0, time.monotonic() - due)
            tasks.append(asyncio.create_task(send(http, url, shot)))
        took = time.monotonic() - start
        await asyncio.gather(*tasks)
    return shots, took


async def step(
    server: Server,
    rx: Receiver,
    people: People,
    signer: Signer,
    kind: str,
    rate: float,
    secs: float,
) -> Step:
    await settled(server, rx)
    await rx.reset()
    count = max(1, int(rate * secs))
    shots = [make_shot(kind, n, people, signer) for n in range(count)]
    shots, took = await open_loop(server, rx, shots, rate)
    missing = await answered(rx, shots)
    acks, answers, errors = _durations(shots, kind)
    return Step(
        rate=rate,
        sent=count,
        achieved=(count - 1) / took if took > 0 and count > 1 else rate,
        errors=errors,
        missing=missing,
        ack_p99=percentile(acks, 0.99) if acks else float("inf"),
        answer_p50=percentile(answers, 0.5),
        answer_p99=percentile(answers, 0.99),
        late_p99=percentile([s.late_by for s in shots], 0.99),
    )


@dataclass
class Search:
    """Doubling until a step fails, then halving the gap, down to `precision` of the rate."""

    rate: float
    precision: float
    top: float
    held: float = 0.0
    failed: float | None = None
    steps: list[Step] = field(default_factory=list)

    @property
    def done(self) -> bool:
        if self.failed is None:
            return self.held >= self.top
        return self.failed - self.held <= self.precision * max(self.held, self.rate / 4)

    def record(self, result: Step) -> None:
        self.steps.append(result)
        if result.holds:
            self.held = max(self.held, result.rate)
        else:
            self.failed = result.rate if self.failed is None else min(self.failed, result.rate)
        if self.failed is None:
            self.rate = min(self.top, self.rate * 2)
        else:
            self.rate = round((self.held + self.failed) / 2)


async def capacity(args: argparse.Namespace) -> None:
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    results: dict[str, dict[str, Search]] = {}
    async with _side_by_side(args) as (rx, ours, bare, signer):
        rated = args.rated if "tap" in kinds else 0
        people = await seed(ours, signer, people=50, rated=rated)
        await settled(ours, rx)
        for server in (ours, bare):  # warm-up, not counted
            for kind in kinds:
                await step(server, rx, people, signer, kind, 50, 2)
        for kind in kinds:
            searches = {s.name: Search(args.start, args.precision, args.top) for s in (ours, bare)}
            results[kind] = searches
            print(f"{kind}:", flush=True)
            while not all(s.done for s in searches.values()):
                for server in (ours, bare):
                    search = searches[server.name]
                    if search.done:
                        continue
                    got = await step(
                        server, rx, people, signer, kind, search.rate, args.step_seconds
                    )
                    print(got.line(server.name), flush=True)
                    if not got.holds and args.retries:
                        # Others share the machine: a failure counts once it repeats.
                        for _ in range(args.retries):
                            got = await step(
                                server, rx, people, signer, kind, got.rate, args.step_seconds
                            )
                            print(got.line(server.name) + " (again)", flush=True)
                            if got.holds:
                                break
                    search.record(got)

    print(
        f"open loop, steps of {args.step_seconds:.0f} s, "
        f"{'PostgreSQL' if args.database_url else 'SQLite'}; {machine()}"
    )
    for kind, searches in results.items():
        ours_held, bare_held = searches["cxbot"].held, searches["bare Bolt"].held
        ratio = ours_held / bare_held if bare_held else 0.0
        capped = " (the top of the search: more may hold)" if bare_held >= args.top else ""
        print(
            f"capacity {kind}: cxbot {ours_held:.0f}/s, bare Bolt {bare_held:.0f}/s{capped}: "
            f"{ratio:.2f}x (bar {CAPACITY_BAR}x)"
        )


# --- load: for a profiler -----------------------------------------------------------------


async def load(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await prepare(url)
        async with (
            receiver() as rx,
            cxbot(rx, url, Path(tmp)) as ours,  # type: ignore[arg-type]
        ):
            signer = Signer(rx)
            people = await seed(ours, signer, people=50, rated=args.rated)
            await settled(ours, rx)
            await step(ours, rx, people, signer, args.kind, 50, 2)
            spy = None
            if args.py_spy:
                spy = await asyncio.create_subprocess_exec(
                    str(Path(sys.executable).parent / "py-spy"),
                    "record",
                    "--pid",
                    str(ours.process.pid),
                    "--duration",
                    str(int(args.seconds)),
                    "--format",
                    args.py_spy_format,
                    "--output",
                    args.py_spy,
                    *args.py_spy_args.split(),
                    stdout=asyncio.subprocess.DEVNULL,
                )
            got = await step(ours, rx, people, signer, args.kind, args.rate, args.seconds)
            if spy is not None:
                await spy.wait()
            print(got.line("cxbot"))


# --- parts: each step of an answer alone --------------------------------------------------


async def _cost(name: str, work: Callable[[], Awaitable[object]], n: int = 300) -> None:
    await work()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        await work()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"  {name:52s} CPU {cpu / n * 1e6:6.0f} us   wall {wall / n * 1e6:6.0f} us")


async def parts(args: argparse.Namespace) -> None:
    """The steps of a lookup and of a rating tap, each timed alone in this process."""
    from slack_sdk.webhook.async_client import AsyncWebhookClient
    from sqlalchemy import select

    from adapters.slack.render import render_blocks, render_text
    from bot.cx import cards as cx_cards
    from bot.desk import Desk
    from bot.requests import cards
    from bot.settings import Settings
    from storage import requests as store
    from storage.models import Request

    def rendered(card: cards.Card) -> dict[str, Any]:
        return {"text": render_text(card), "blocks": render_blocks(card)}

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await prepare(url)
        db = Database(url)
        desk = Desk(db, Settings(survey_cooldown_days=0), lambda: None)
        user, tech = f"slack:{TEAM}:UB00001", technician_identity()

        async def opened(words: str) -> str:
            reply = await desk.track(user, words)
            found = CODE.search(repr(reply.card))
            assert found is not None, reply
            return found.group(0)

        code, rated = await opened("Benchmark laptop"), await opened("Benchmark rated")
        for n in range(3):
            await desk.track(tech, f"update {code} Checked the cable {n}")
        await desk.track(tech, f"resolve {rated} Replaced the battery")
        person = await desk.person(user)
        card = await desk.requests.show(person, code)
        async with db.read() as session:
            request = await store.get_by_code(session=session, code=rated)
        assert request is not None
        rating = cx_cards.rating_card(request, {"quality": 3})
        log = AnswerLog()
        await log.start()
        http = aiohttp.ClientSession()
        payload = rendered(card)
        taps = itertools.count()
        by_code = select(Request).where(Request.code == code)
        print(f"{db.dialect}; {machine()}")
        try:
            await _cost("lookup: the person and their roles", lambda: desk.person(user))
            await _cost(
                "lookup: the request and its timeline, as a card",
                lambda: desk.requests.show(person, code),
            )
            await _cost("lookup: both (Desk.track)", lambda: desk.track(user, code))
            await _cost("lookup: rendering the card (Block Kit)", lambda: _now(rendered, card))
            await _cost(
                "lookup: posting it to the response_url",
                lambda: AsyncWebhookClient(url=log.response_url("k"), session=http).send_dict(
                    payload
                ),
            )
            await _cost(
                "tap: saving it, the card into the outbox (Desk.press)",
                lambda: desk.press(user, cx_cards.RATE, _tap_value(rated, next(taps))),
            )
            await _cost(
                "tap: rendering the rating card (Block Kit)", lambda: _now(rendered, rating)
            )

            async def orm_select() -> None:
                async with db.read() as session:
                    await session.scalar(by_code)

            await _cost("one ORM select in a read session", orm_select)
            if db.is_sqlite:
                import aiosqlite

                driver = await aiosqlite.connect(str(db.url.database))

                async def driver_select() -> None:
                    async with driver.execute(
                        "SELECT * FROM requests WHERE code = ?", (code,)
                    ) as cursor:
                        await cursor.fetchall()

            else:
                import asyncpg

                plain = db.url.set(drivername="postgresql").render_as_string(hide_password=False)
                driver = await asyncpg.connect(plain)

                async def driver_select() -> None:
                    await driver.fetch("SELECT * FROM requests WHERE code = $1", code)

            await _cost("the same select on the driver alone", driver_select)
            await driver.close()
        finally:
            await http.close()
            await log.close()
            await db.dispose()


def _tap_value(code: str, turn: int) -> str:
    return f"{code}:{DIMENSIONS[turn % 5]}:{1 + (turn // 5) % 5}"


async def _now(function: Callable[..., object], *args: object) -> object:
    return function(*args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("latency", "capacity", "load", "parts"):
        sub = commands.add_parser(name)
        sub.add_argument(
            "--database-url", default="", help="a scratch database; default: a new SQLite file"
        )
        if name in ("latency", "capacity"):
            sub.add_argument(
                "--bare-process-before-response",
                action=argparse.BooleanOptionalAction,
                default=PROCESS_BEFORE_RESPONSE,
                help="bare Bolt runs its listeners in line (default: as cxbot does)",
            )
        if name == "latency":
            sub.add_argument("--clients", type=int, default=50)
            sub.add_argument("--seconds", type=float, default=10)
            sub.add_argument("--rounds", type=int, default=3)
            sub.add_argument("--think", default="0.3,0.9", help="pause, min,max s")
        if name in ("capacity", "load"):
            sub.add_argument("--rated", type=int, default=300, help="rating cards to tap on")
        if name == "capacity":
            sub.add_argument("--kinds", default="lookup,tap")
            sub.add_argument("--step-seconds", type=float, default=5)
            sub.add_argument("--start", type=float, default=100)
            sub.add_argument("--top", type=float, default=3200)
            sub.add_argument("--precision", type=float, default=0.1)
            sub.add_argument(
                "--retries", type=int, default=1, help="tries again before a rate counts as failed"
            )
        if name == "load":
            sub.add_argument("--kind", default="lookup", choices=KINDS)
            sub.add_argument("--rate", type=float, default=150)
            sub.add_argument("--seconds", type=float, default=20)
            sub.add_argument("--py-spy", default="", help="record a py-spy profile to this file")
            sub.add_argument("--py-spy-format", default="raw")
            sub.add_argument("--py-spy-args", default="--rate 100", help="more py-spy options")
    commands.add_parser("receive", help="(internal) the fake Slack process")
    args = parser.parse_args()
    if args.command == "receive":
        asyncio.run(_receive())
    else:
        commands_run = {"latency": latency, "capacity": capacity, "load": load, "parts": parts}
        asyncio.run(commands_run[args.command](args))


if __name__ == "__main__":
    main()
