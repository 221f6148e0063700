"""Prometheus metrics after a little traffic."""

from __future__ import annotations

import re

from tests.e2e.conftest import Stack


def value(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        found = re.match(r"^(\w+)(?:\{(.*)\})? (\S+)$", line)
        if found and found.group(1) == name:
            got = ",".join(sorted((found.group(2) or "").split(","))) if found.group(2) else ""
            if got == wanted:
                return float(found.group(3))
    raise AssertionError(f"{name}{{{wanted}}} not in metrics")


async def test_metrics_count_requests_acks_and_deliveries(stack: Stack) -> None:
    await stack.sender.command("/track", "Cannot print to the plotter", "UANA")
    await stack.sender.command("/track", "", "UANA")
    await stack.sender.dm("UANA", "where's my ticket?", "EvM1")
    await stack.slack.wait_for(
        lambda calls: len([c for c in calls if c.method == "chat.postMessage"]) >= 3
    )
    url = str(stack.server.make_url("/metrics"))
    async with stack.sender.session.get(url) as resp:
        assert resp.status == 200
        text = await resp.text()
    assert value(text, "cxbot_requests_total", platform="slack", kind="command") == 2
    assert value(text, "cxbot_requests_total", platform="slack", kind="event:message") == 1
    assert value(text, "cxbot_ack_seconds_count", platform="slack", kind="command") == 2
    assert value(text, "cxbot_deliveries_total", platform="slack", result="sent") >= 3
    assert value(text, "cxbot_outbox_depth") >= 0
    assert "cxbot_outbox_oldest_seconds" in text
