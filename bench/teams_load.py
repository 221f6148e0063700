"""The Teams load for bench/teams_ack.py: the fake Bot Framework connector in a process of its
own, fifty people in their personal chats, their requests set up through cxbot itself, and the
clients that send their activities and time each acknowledgement.

The connector is tests/e2e/fake_teams.py's, so the SDK's replies, cards and updates are
answered as Teams answers them; beside it, on a port of its own, the benchmark reads what
reached it (to learn the codes and rating cards of the setup) and waits until it is quiet.

python -m bench.teams_load --connector-port 3979
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import re
import sys
import time
from asyncio.subprocess import PIPE
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from aiohttp import web

from bench.common import Latencies, Server
from tests.e2e.serve_process import free_port, stop, wait_until_healthy
from tests.e2e.teams_activities import TeamsActivities, TeamsUser
from tests.e2e.teams_stack import RecordingTeams

APP_ID = "00000000-0000-0000-0000-0000000be7c4"
TRIAGE = "19:it0support0triage00000000000000@thread.tacv2"
TEAM = "19:team0general0channel0000000000@thread.tacv2"
TECH = TeamsUser("Bench Technician")
CODE = re.compile(r"IT-[0-9A-Z]{6}")
OUTBOX_DEPTH = re.compile(r"^cxbot_outbox_depth (\S+)$", re.MULTILINE)
QUIET_WITHIN = 600.0
KINDS = ("track <words>", "where's my ticket?", "rating tap", "bare code")
# Not in the mix: a tap on a card that is not ours. The turn does all it does before the
# acknowledgement and nothing after, so it shows the acknowledgement's own cost.
IGNORED = "ignored tap"
# Unique across runs too: a database kept between runs remembers the ids it has seen.
_ids = itertools.count(time.time_ns() // 1000)

Json = dict[str, Any]


# --- the fake connector, in a process of its own --------------------------------------------


async def connector(port: int) -> None:
    """The fake connector, and beside it on `port` what the benchmark asks of it."""
    fake = RecordingTeams()
    await fake.start()
    cleared = 0

    async def url(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "service_url": fake.service_url,
                "count": cleared + len(fake.calls),
            }
        )

    async def posted(request: web.Request) -> web.Response:
        sent = [c for c in fake.posted() if id(c) in fake.sent_ids]
        found = [[c.conversation, fake.sent_ids[id(c)], c.activity] for c in sent]
        return web.json_response(found)

    async def clear(request: web.Request) -> web.Response:
        nonlocal cleared
        cleared += len(fake.calls)
        fake.calls.clear()
        fake.sent_ids.clear()
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/healthz", url)
    app.router.add_get("/posted", posted)
    app.router.add_post("/clear", clear)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.Event().wait()  # until SIGTERM


class Connector:
    def __init__(self, base: str, http: aiohttp.ClientSession) -> None:
        self.base, self.http = base, http

    async def state(self) -> Json:
        async with self.http.get(f"{self.base}/healthz") as response:
            return await response.json()

    async def posted(self) -> list[tuple[str, str, Json]]:
        async with self.http.get(f"{self.base}/posted") as response:
            return [tuple(call) for call in await response.json()]

    async def quiet(self, server: Server | None = None, *, still: float = 1.0) -> float:
        """Waits until cxbot's outbox is empty (when `server` is cxbot) and nothing has reached
        the connector for `still` seconds, then forgets what it saw; returns the seconds it
        waited. Teams' published limits (60 messages in 30 s per conversation) make the triage
        channel's cards of a round's new requests trickle out long after the round."""
        started = time.monotonic()
        deadline, last, since = started + QUIET_WITHIN, -1, started
        while time.monotonic() < deadline:
            count = (await self.state())["count"]
            if count != last:
                last, since = count, time.monotonic()
            elif time.monotonic() - since >= still and await self._drained(server):
                break
            await asyncio.sleep(0.2)
        async with self.http.post(f"{self.base}/clear"):
            pass
        return time.monotonic() - started

    async def _drained(self, server: Server | None) -> bool:
        if server is None:
            return True
        async with self.http.get(f"{server.base}/metrics") as response:
            depth = OUTBOX_DEPTH.search(await response.text())
        return depth is not None and float(depth.group(1)) == 0


@asynccontextmanager
async def fake_connector() -> AsyncIterator[tuple[Connector, str]]:
    port = free_port()
    args = ("-m", "bench.teams_load", "--connector-port", str(port))
    process = await asyncio.create_subprocess_exec(sys.executable, *args, stdout=PIPE, stderr=PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_until_healthy(base, process)
        async with aiohttp.ClientSession() as http:
            found = Connector(base, http)
            yield found, (await found.state())["service_url"]
    finally:
        await stop(process)


# --- people, and what they send -------------------------------------------------------------


class Person:
    """One of the fifty: their own request, resolved, and the rating card it brought."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.user = TeamsUser(f"Bench Person {n}")
        self.code = ""
        self.rating_card = ""
        self.taps: list[Json] = []

    def activity(
        self, acts: TeamsActivities, turn: int, kinds: tuple[str, ...]
    ) -> tuple[str, Json]:
        kind = kinds[turn % len(kinds)]
        said = {
            "track <words>": f"track Printer {self.n}-{turn} jams again",
            "where's my ticket?": "where's my ticket?",
            "bare code": self.code.lower().replace("-", ""),
        }
        if kind in said:
            made = acts.personal_message(self.user, said[kind])
        else:
            tap = self.taps[turn % len(self.taps)] if kind == "rating tap" else {"poll": "yes"}
            made = acts.card_submit(self.user, tap, reply_to_id=self.rating_card)
        return kind, made | {"id": str(next(_ids))}


def submits(card: Any) -> Iterator[Json]:
    """Every Action.Submit's data in a card."""
    if isinstance(card, dict):
        if card.get("type") == "Action.Submit":
            yield card.get("data") or {}
        for value in card.values():
            yield from submits(value)
    elif isinstance(card, list):
        for value in card:
            yield from submits(value)


async def post(http: aiohttp.ClientSession, server: Server, activity: Json) -> int:
    body = json.dumps(activity)
    headers = {"Content-Type": "application/json"}
    async with http.post(f"{server.base}/api/messages", data=body, headers=headers) as response:
        await response.read()
        return response.status


async def until(connector: Connector, found: Any, within: float = 60.0) -> None:
    """Waits until `found(posted)` is true of what the connector has received."""
    deadline = time.monotonic() + within
    while not found(await connector.posted()):
        if time.monotonic() > deadline:
            raise RuntimeError("cxbot did not answer the benchmark's setup in time")
        await asyncio.sleep(0.2)


async def setup(
    http: aiohttp.ClientSession,
    ours: Server,
    connector: Connector,
    acts: TeamsActivities,
    people: list[Person],
) -> None:
    """Through cxbot itself: the app in the triage team, a request per person, resolved."""
    install = acts.channel_message(TECH, "", team_id=TEAM, channel_id=TRIAGE)
    install |= {"type": "conversationUpdate", "membersAdded": [acts.bot], "text": ""}
    install["conversation"]["id"] = TRIAGE
    install["channelData"]["eventType"] = "teamMemberAdded"
    await post(http, ours, install)
    for person in people:
        await post(
            http,
            ours,
            acts.personal_message(person.user, f"track Laptop {person.n} will not wake up"),
        )

    def codes(posted: list[tuple[str, str, Json]]) -> bool:
        for person in people:
            chat = acts.personal_conversation_id(person.user)
            seen = [CODE.search(json.dumps(a)) for c, _, a in posted if c == chat]
            person.code = next((s.group(0) for s in seen if s), "")
        return all(person.code for person in people)

    await until(connector, codes)
    for person in people:
        await post(http, ours, acts.personal_message(TECH, f"track resolve {person.code} Done"))

    def ratings(posted: list[tuple[str, str, Json]]) -> bool:
        for person in people:
            chat = acts.personal_conversation_id(person.user)
            for c, sent_id, a in posted:
                taps = [d for d in submits(a) if (d.get("cx") or {}).get("action") == "rate"]
                if c == chat and taps:
                    person.rating_card, person.taps = sent_id, taps
        return all(person.taps for person in people)

    await until(connector, ratings)


# --- the load ---------------------------------------------------------------------------


async def clients(
    server: Server,
    acts: TeamsActivities,
    people: list[Person],
    *,
    seconds: float,
    think: tuple[float, float],
    kinds: tuple[str, ...] = KINDS,
) -> Latencies:
    result = Latencies()
    stop_at = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one(person: Person) -> None:
            rng, turn = random.Random(person.n), person.n
            while time.monotonic() < stop_at:
                await asyncio.sleep(rng.uniform(*think))
                turn += 1
                kind, activity = person.activity(acts, turn, kinds)
                started = time.perf_counter()
                try:
                    status = await post(http, server, activity)
                except Exception as error:
                    result.failed(f"{kind}: {error!r}")
                    continue
                if status >= 300:
                    result.failed(f"{kind}: HTTP {status}")
                    continue
                result.add(kind, time.perf_counter() - started)

        await asyncio.gather(*(one(person) for person in people))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="the fake connector, for bench.teams_ack")
    parser.add_argument("--connector-port", type=int, required=True)
    asyncio.run(connector(parser.parse_args().connector_port))


if __name__ == "__main__":
    main()
