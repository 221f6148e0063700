"""Memory: resident size of `cxbot serve` after warm-up and after the acknowledgement load.

The load is the one in bench.ack_latency: fifty clients sending `/track <code>` and rating
taps, each pausing 0.3 to 0.9 s between requests. Bar: under 150 MB.

    .venv/bin/python -m bench.memory [--seconds 60] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from bench.ack_latency import prepare
from bench.common import clients, cxbot, fake_slack, machine, resolved_request, rss_mb

BAR_MB = 150


async def run(args: argparse.Namespace) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await prepare(url)
        async with fake_slack() as fake, cxbot(fake, url, Path(tmp)) as ours:
            code = await resolved_request(ours)
            await clients(ours, code, count=args.clients, seconds=5, think=(0.3, 0.9), fake=fake)
            warm = rss_mb(ours.process.pid)
            got = await clients(
                ours, code, count=args.clients, seconds=args.seconds, think=(0.3, 0.9), fake=fake
            )
            loaded = rss_mb(ours.process.pid)
            peak = _peak_mb(ours.process.pid)
    served = sum(len(v) for v in got.by_kind.values())
    print(
        f"{machine()}; {args.clients} clients for {args.seconds:.0f} s, {served} requests, "
        f"{got.errors} errors"
    )
    print(f"after warm-up {warm:.0f} MB, after the load {loaded:.0f} MB, peak {peak:.0f} MB")
    return warm, loaded, peak


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--database-url", default="", help="a scratch database; default: a new SQLite file"
    )
    args = parser.parse_args()
    warm, loaded, peak = asyncio.run(run(args))
    verdict = "meets" if max(warm, loaded, peak) < BAR_MB else "MISSES"
    print(
        f"cxbot serve resident size: {warm:.0f} MB warm, {loaded:.0f} MB after load, "
        f"peak {peak:.0f} MB ({verdict} the {BAR_MB} MB bar)"
    )


if __name__ == "__main__":
    main()
