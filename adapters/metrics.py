"""Prometheus metrics at /metrics: what comes in, how fast it is answered, what goes out."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

# Slack allows 3 s for an acknowledgement; the buckets resolve well below that.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)


class Metrics:
    """One registry per server, so several servers in one process do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "cxbot_requests",
            "Platform requests received, by kind",
            ["platform", "kind"],
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "cxbot_ack_seconds",
            "Time to answer a platform request",
            ["platform", "kind"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.deliveries = Counter(
            "cxbot_deliveries",
            "Outbound messages tried, by platform and result",
            ["platform", "result"],
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            "cxbot_outbox_depth", "Messages waiting to be sent", registry=self.registry
        )
        self.outbox_oldest = Gauge(
            "cxbot_outbox_oldest_seconds",
            "Age of the oldest message waiting to be sent",
            registry=self.registry,
        )

    def delivered(self, platform: str, result: str) -> None:
        self.deliveries.labels(platform=platform, result=result).inc()

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def slack_kind(body: object) -> str:
    """command, block_actions, view_submission, event:<type>, …; "other" when unreadable."""
    if not isinstance(body, dict):
        return "other"
    if body.get("command"):
        return "command"
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event")
        event_type = event.get("type") if isinstance(event, dict) else None
        return f"event:{event_type}" if isinstance(event_type, str) else "event"
    return kind if isinstance(kind, str) and len(kind) <= 40 else "other"
