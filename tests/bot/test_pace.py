"""Pace against platforms that limit in different shapes, in simulated time.

Each test drives `Pace` the way the dispatcher does (a few send slots, a round trip per
message, a refused message back in line after its Retry-After, a message put back in line
while its conversation is busy) against a limiter from `bench.limiters`, and compares the
time from the first message accepted to the last with the floor: the time a sender that
knew the limiter exactly would need.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench.limiters import (
    AllOf,
    Limiter,
    PerChannel,
    SlidingWindow,
    TokenBucket,
    floor,
    retry_after,
    teams_conversation,
)
from bot.delivery.pace import TEAMS_ACROSS, TEAMS_PER_CONVERSATION, Booking, Pace, Window

TEAMS = TEAMS_PER_CONVERSATION


@dataclass
class Run:
    elapsed: float = 0.0
    accepted: dict[int, float] = field(default_factory=dict)
    refused: int = 0
    meanings: Counter[str] = field(default_factory=Counter)


def simulate(
    pace: Pace,
    limiter: Limiter,
    destinations: Sequence[str],
    *,
    slots: int = 8,
    round_trip: float = 0.01,
    saving: float = 0.002,
    until: float = 3600.0,
) -> Run:
    """Sends one message to each of `destinations` (in order, oldest first, like the outbox)."""
    run = Run()
    waiting = [(0.0, n) for n in range(len(destinations))]  # (due, message)
    due: list[int] = []
    events: list[tuple[float, int, str, int, Booking | None, float]] = []
    order = 0
    free, now = slots, 0.0

    def at(time: float, kind: str, n: int, booking: Booking | None = None, x: float = 0.0):
        nonlocal order
        order += 1
        heapq.heappush(events, (time, order, kind, n, booking, x))

    def ask(n: int) -> bool:
        """Books message n; False when it went back in line."""
        booking = pace.book(now, destinations[n])
        if booking.booked:
            at(booking.at, "send", n, booking)
        elif booking.keep:
            at(booking.at, "ask", n)
        else:
            heapq.heappush(waiting, (booking.at, n))
            return False
        return True

    while len(run.accepted) < len(destinations):
        assert now < until, f"still sending after {until}s: {len(run.accepted)} accepted"
        while waiting and waiting[0][0] <= now:
            heapq.heappush(due, heapq.heappop(waiting)[1])
        while free and due:
            if ask(heapq.heappop(due)):
                free -= 1
        moments = [events[0][0]] if events else []
        if free and waiting:
            moments.append(waiting[0][0])
        now = max(now, min(moments))
        if not events or events[0][0] > now:
            continue
        _, _, kind, n, booking, x = heapq.heappop(events)
        if kind == "ask" and not ask(n):
            free += 1
        elif kind == "send":
            arrives = now + round_trip / 2
            wait = limiter.wait(arrives, destinations[n])
            if wait > 0:
                at(now + round_trip, "refused", n, booking, retry_after(wait))
            else:
                limiter.take(arrives, destinations[n])
                at(now + round_trip, "accepted", n, booking, arrives)
        elif kind == "accepted":
            assert n not in run.accepted, f"message {n} was accepted twice"
            run.accepted[n] = x
            pace.accepted(now, booking)
            at(now + saving, "saved", n)
        elif kind == "refused":
            run.refused += 1
            run.meanings[pace.refused(now, booking, x)] += 1
            heapq.heappush(waiting, (now + x, n))
            at(now + saving, "saved", n)
        elif kind == "saved":
            free += 1
    run.elapsed = max(run.accepted.values()) - min(run.accepted.values())
    return run


def measure(
    make: Callable[[], Limiter],
    destinations: Sequence[str],
    windows: tuple[Window, ...] = (),
    across: tuple[Window, ...] = (),
) -> tuple[Run, float]:
    run = simulate(Pace(windows, across), make(), destinations)
    assert sorted(run.accepted) == list(range(len(destinations)))  # each once, none lost
    return run, floor(make, destinations)


def people(count: int) -> list[str]:
    return [f"person:{n}" for n in range(count)]


def test_a_token_bucket_without_a_burst_is_kept_to_not_collapsed_to_one_a_second() -> None:
    # The first refusal comes when one message was accepted in the second before: the old
    # pace learned "one a second" from it and took 150 s for what needs 10.
    run, least = measure(lambda: TokenBucket(20, burst=1), people(200))
    assert round(least, 2) == 9.95
    # Near the floor: the second it takes to find the rate, on a run of ten, is most of
    # what is lost (a thousand messages are within 1.1x, below).
    assert run.elapsed <= 1.15 * least, (run.elapsed, least)


def test_a_long_fan_out_against_a_bucket_without_burst_holds_the_rate() -> None:
    run, least = measure(lambda: TokenBucket(20, burst=1), people(1000))
    assert run.elapsed <= 1.1 * least, (run.elapsed, least)
    assert run.refused <= 0.1 * 1000  # probing, not hammering
    run, least = measure(lambda: TokenBucket(50, burst=1), people(1000))
    assert run.elapsed <= 1.15 * least, (run.elapsed, least)
    assert run.refused <= 0.1 * 1000


def test_a_token_bucket_with_a_burst() -> None:
    run, least = measure(lambda: TokenBucket(50, burst=50), people(1000))
    assert run.elapsed <= 1.1 * least, (run.elapsed, least)
    assert run.refused <= 0.1 * 1000


def test_a_sliding_window() -> None:
    run, least = measure(lambda: SlidingWindow(50, 1.0), people(1000))
    assert run.elapsed <= 1.1 * least, (run.elapsed, least)
    # The window is full after the first burst: one pause for it, then no more than a few
    # refusals while probing, instead of hammering a full window.
    assert run.meanings["pause"] <= 2 and run.refused <= 0.1 * 1000


def test_a_long_sliding_window_is_waited_out_not_hammered() -> None:
    run, least = measure(lambda: SlidingWindow(100, 60.0), people(300))
    assert run.elapsed <= 1.1 * least, (run.elapsed, least)
    assert run.refused <= 40


def test_card_edits_in_a_few_channels_keep_to_each_channels_limit() -> None:
    # Slack: about one message a second per channel, and a limit across the workspace.
    def slack() -> Limiter:
        return AllOf([SlidingWindow(50, 1.0), PerChannel(lambda: SlidingWindow(1, 1.0))])

    edits = [f"channel:{n % 10}" for n in range(200)]
    run, least = measure(slack, edits, (Window(1, 1.0),))
    assert round(least, 2) == 19.0
    assert run.elapsed <= 1.1 * least, (run.elapsed, least)
    assert run.refused == 0  # a published limit is kept, not discovered


def test_a_channel_limit_that_is_not_published_is_learned_from_its_first_refusal() -> None:
    # Slack's "one a second per channel, short bursts allowed" says no burst size: nothing
    # is declared, each channel is refused once and then kept to its Retry-After.
    def slack() -> Limiter:
        return AllOf([SlidingWindow(50, 1.0), PerChannel(lambda: SlidingWindow(1, 1.0))])

    edits = [f"channel:{n % 10}" for n in range(200)]
    run, least = measure(slack, edits)
    assert run.elapsed <= 1.1 * least, (run.elapsed, least)
    assert run.meanings == {"conversation": run.refused}  # never the workspace's rate
    assert run.refused <= 2 * 10


def test_teams_limits_per_conversation_in_several_windows() -> None:
    messages = [f"conversation:{n % 4}" for n in range(400)]
    run, least = measure(lambda: PerChannel(teams_conversation), messages, TEAMS)
    assert run.elapsed <= 1.1 * least, (run.elapsed, least)
    assert run.refused == 0


def test_teams_conversations_and_a_limit_across_them() -> None:
    def teams() -> Limiter:
        return AllOf([TokenBucket(50, burst=10), PerChannel(teams_conversation)])

    # Messages to four busy conversations arrive among DMs to many people.
    busy = [f"conversation:{n % 4}" for n in range(120)]
    mixed = [m for pair in zip(busy, people(120), strict=True) for m in pair] + people(400)[120:]
    run, least = measure(teams, mixed, TEAMS)
    assert run.elapsed <= 1.1 * least, (run.elapsed, least)


def test_a_published_limit_across_conversations_is_kept_from_the_first_message() -> None:
    """200 Teams DMs at 50 a second across the bot: learned from 429s alone, each refusal
    costs a Retry-After of a second against a floor of three; declared, none is needed."""

    def teams() -> Limiter:
        return AllOf([SlidingWindow(50, 1.0), PerChannel(teams_conversation)])

    learned, least = measure(teams, people(200), TEAMS)
    declared, _ = measure(teams, people(200), TEAMS, TEAMS_ACROSS)
    assert declared.refused == 0 and declared.elapsed <= 1.1 * least, (declared.elapsed, least)
    assert learned.refused > 0


def test_a_refusal_for_one_busy_conversation_does_not_slow_the_others() -> None:
    # One channel is limited more tightly than the platform publishes (one message every
    # two seconds); everyone else gets DMs under a workspace limit of 20 a second.
    def platform() -> Limiter:
        strict = PerChannel(lambda: SlidingWindow(1, 2.0))
        workspace = TokenBucket(20, burst=20)

        class OneStrictChannel:
            def wait(self, now: float, channel: str) -> float:
                own = strict.wait(now, channel) if channel == "channel:strict" else 0.0
                return max(own, workspace.wait(now, channel))

            def take(self, now: float, channel: str) -> None:
                strict.take(now, channel)
                workspace.take(now, channel)

        return OneStrictChannel()

    to_strict = ["channel:strict"] * 20
    mixed = [m for pair in zip(to_strict, people(20), strict=True) for m in pair] + people(400)[20:]
    pace = Pace((Window(1, 1.0),))
    run = simulate(pace, platform(), mixed)
    dms = [run.accepted[n] for n, d in enumerate(mixed) if d.startswith("person:")]
    dm_floor = floor(lambda: TokenBucket(20, burst=20), people(400))
    assert run.meanings["conversation"] >= 1  # the strict channel was refused, and knew why
    assert max(dms) - min(dms) <= 1.1 * dm_floor, (max(dms) - min(dms), dm_floor)


def test_a_platform_that_takes_nothing_pauses_everything_for_its_retry_after() -> None:
    pace = Pace()
    first = pace.book(10.0, "a")
    assert pace.refused(10.1, first, 40.0) == "pause"
    assert pace.pause_left(10.1) == 40.0
    later = pace.book(11.0, "b")
    assert not later.booked and not later.keep and later.at == 50.1


def test_unlimited_until_told_otherwise() -> None:
    pace = Pace()
    assert [pace.book(10.0, f"person:{n}").at for n in range(100)] == [10.0] * 100


def test_a_learned_rate_is_forgotten_after_a_quiet_spell() -> None:
    pace = Pace()
    for n in range(5):
        pace.accepted(0.1 * n, pace.book(0.1 * n, f"person:{n}"))
    pace.refused(0.6, pace.book(0.5, "person:5"), 1.0)
    assert pace.rate is not None
    later = 0.6 + Pace.FORGET_AFTER + 1
    assert pace.book(later, "person:6").at == later and pace.rate is None
