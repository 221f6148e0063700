"""Rate limiters of the shapes platforms use, in any clock (real or simulated).

A limiter is asked `wait(now, channel)`: 0 when a call to `channel` may go now, otherwise the
seconds until it may. `take(now, channel)` records a call it let through. The fake Slack
answers 429 with `Retry-After` (whole seconds, rounded up, as HTTP has it) when `wait` is
not 0; the fan-out benchmark and the pacing tests compute their floor with `floor()`.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.delivery.pace import TEAMS_PER_CONVERSATION


class Limiter(Protocol):
    def wait(self, now: float, channel: str) -> float: ...

    def take(self, now: float, channel: str) -> None: ...


@dataclass
class SlidingWindow:
    """At most `count` calls in any `seconds` (a log of the calls, as Slack's tiers count)."""

    count: int
    seconds: float = 1.0
    _log: deque[float] = field(default_factory=deque)

    def wait(self, now: float, channel: str) -> float:
        while self._log and now - self._log[0] >= self.seconds:
            self._log.popleft()
        if len(self._log) < self.count:
            return 0.0
        return self._log[-self.count] + self.seconds - now

    def take(self, now: float, channel: str) -> None:
        self._log.append(now)


@dataclass
class TokenBucket:
    """`rate` tokens a second, up to `burst` saved: burst=1 is a strict, even pace."""

    rate: float
    burst: float = 1.0
    _tokens: float | None = None
    _at: float = 0.0

    def _refill(self, now: float) -> float:
        if self._tokens is None:
            self._tokens, self._at = self.burst, now
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        return self._tokens

    def wait(self, now: float, channel: str) -> float:
        tokens = self._refill(now)
        # A hair of slack for float rounding: a call exactly on time is on time.
        return 0.0 if tokens >= 1.0 - 1e-9 else (1.0 - tokens) / self.rate

    def take(self, now: float, channel: str) -> None:
        self._refill(now)
        self._tokens = (self._tokens or 0.0) - 1.0


@dataclass
class AllOf:
    """Several limits at once (e.g. Teams: 7 per 1 s, 8 per 2 s, 60 per 30 s, 1800 per hour)."""

    parts: Sequence[Limiter]

    def wait(self, now: float, channel: str) -> float:
        return max(part.wait(now, channel) for part in self.parts)

    def take(self, now: float, channel: str) -> None:
        for part in self.parts:
            part.take(now, channel)


@dataclass
class PerChannel:
    """A separate limiter for each channel (conversation)."""

    make: Callable[[], Limiter]
    _each: dict[str, Limiter] = field(default_factory=dict)

    def wait(self, now: float, channel: str) -> float:
        return self._for(channel).wait(now, channel)

    def take(self, now: float, channel: str) -> None:
        self._for(channel).take(now, channel)

    def _for(self, channel: str) -> Limiter:
        if channel not in self._each:
            self._each[channel] = self.make()
        return self._each[channel]


def retry_after(wait: float) -> int:
    """The Retry-After header for a wait: whole seconds, at least one."""
    return max(1, math.ceil(wait - 1e-9))


def teams_conversation() -> AllOf:
    """Teams' published limits for one bot in one conversation."""
    return AllOf([SlidingWindow(w.count, w.seconds) for w in TEAMS_PER_CONVERSATION])


def floor(make: Callable[[], Limiter], channels: Sequence[str]) -> float:
    """Seconds from the first call to the last for a sender that knows the limiter exactly.

    Each channel's calls go in order (a card's edits must); across channels the call that
    may go soonest goes first, the busiest channel first among equals. This is the floor the
    fan-out benchmark and the pacing tests measure against.
    """
    limiter = make()
    queues: dict[str, deque[int]] = defaultdict(deque)
    for n, channel in enumerate(channels):
        queues[channel].append(n)
    heap = [(0.0, -len(queues[c]), queues[c][0], c) for c in queues]
    heapq.heapify(heap)
    now, first = 0.0, None
    while heap:
        at, busy, n, channel = heapq.heappop(heap)
        at = max(at, now)
        wait = limiter.wait(at, channel)
        if wait > 1e-12:
            heapq.heappush(heap, (at + wait, busy, n, channel))
            continue
        limiter.take(at, channel)
        now, first = at, at if first is None else first
        queues[channel].popleft()
        if queues[channel]:
            heapq.heappush(heap, (now, -len(queues[channel]), queues[channel][0], channel))
    return now - (first or 0.0)
