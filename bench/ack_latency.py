"""Acknowledgement latency: cxbot serve against a bare Bolt app that only acknowledges.

Fifty clients at once send `/track <code>` and rating taps, signed like Slack, each pausing
0.3 to 0.9 s between requests (`--think`). The two servers take turns (A B A B …) so that
whatever else the machine does hits both. Prints p50 and p99 for each kind and the ratio.
Bar: at most 1.25x at p50 and at p99.

    .venv/bin/python -m bench.ack_latency [--seconds 10] [--rounds 3] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from adapters.slack.app import PROCESS_BEFORE_RESPONSE
from bench.common import (
    Latencies,
    bare_bolt,
    clients,
    cxbot,
    fake_slack,
    machine,
    resolved_request,
    rss_mb,
    summary,
    technician_identity,
)
from storage.db import Database
from storage.migrate import migrate
from tests.helpers import grant

BAR = 1.25


async def prepare(database_url: str) -> None:
    db = Database(database_url)
    await migrate(db)
    await grant(db, technician_identity(), "technician")
    await db.dispose()


async def run(args: argparse.Namespace) -> tuple[float, dict[str, float]]:
    think = tuple(float(x) for x in args.think.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await prepare(url)
        async with (
            fake_slack() as fake,
            cxbot(fake, url, Path(tmp)) as ours,
            bare_bolt(fake, process_before_response=args.bare_process_before_response) as bare,
        ):
            code = await resolved_request(ours)
            for server in (ours, bare):  # warm-up, not counted
                await clients(server, code, count=args.clients, seconds=2, think=think, fake=fake)
            memory = {"after warm-up": rss_mb(ours.process.pid)}
            measured = {ours.name: Latencies(), bare.name: Latencies()}
            for _ in range(args.rounds):
                for server in (ours, bare):
                    got = await clients(
                        server,
                        code,
                        count=args.clients,
                        seconds=args.seconds,
                        think=think,
                        fake=fake,
                    )
                    measured[server.name].merged(got)
            memory["after the load"] = rss_mb(ours.process.pid)

    print(
        f"{args.clients} clients, {args.rounds} rounds of {args.seconds:.0f} s each, "
        f"think {think[0]}-{think[1]} s; {machine()}"
    )
    worst = 0.0
    for kind in sorted(measured[ours.name].by_kind):
        ours_p50, ours_p99 = summary(measured[ours.name].by_kind[kind])
        bare_p50, bare_p99 = summary(measured[bare.name].by_kind[kind])
        p50_ratio, p99_ratio = ours_p50 / bare_p50, ours_p99 / bare_p99
        worst = max(worst, p50_ratio, p99_ratio)
        print(
            f"{kind:14s} cxbot p50 {ours_p50 * 1000:6.1f} ms  p99 {ours_p99 * 1000:6.1f} ms | "
            f"bare Bolt p50 {bare_p50 * 1000:6.1f} ms  p99 {bare_p99 * 1000:6.1f} ms | "
            f"ratio p50 {p50_ratio:.2f}x  p99 {p99_ratio:.2f}x  "
            f"(n={len(measured[ours.name].by_kind[kind])}/{len(measured[bare.name].by_kind[kind])})"
        )
    errors = {name: lat.errors for name, lat in measured.items()}
    print(f"errors: {errors}")
    for name, lat in measured.items():
        for example in lat.examples:
            print(f"  {name}: {example}")
    print("cxbot serve resident size: " + ", ".join(f"{k} {v:.0f} MB" for k, v in memory.items()))
    return worst, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--think", default="0.3,0.9", help="pause between requests, min,max s")
    parser.add_argument(
        "--database-url", default="", help="a scratch database; default: a new SQLite file"
    )
    parser.add_argument(
        "--bare-process-before-response",
        action=argparse.BooleanOptionalAction,
        default=PROCESS_BEFORE_RESPONSE,
        help="bare Bolt runs its listeners in line (default: as cxbot does)",
    )
    args = parser.parse_args()
    worst, _ = asyncio.run(run(args))
    verdict = "meets" if worst <= BAR else "MISSES"
    print(
        f"ack latency, cxbot / bare Bolt, worst of p50 and p99: {worst:.2f}x "
        f"({verdict} the {BAR}x bar)"
    )


if __name__ == "__main__":
    main()
