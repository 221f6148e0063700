"""How fast a platform takes messages: its published limits per conversation, and a rate
across conversations learned from its answers.

Platforms limit in several shapes at once: per conversation (Slack about one message a second
per channel; Teams 7 per second, 8 per 2 s, 60 per 30 s, 1800 per hour) and across all of
them (sliding windows, token buckets with or without a burst). Where a platform publishes
its per-conversation limits, its `Delivery` declares them and they are kept exactly; a
conversation without one is kept, once refused, to a message per `Retry-After`. The limit
across conversations is learned: unlimited until the first "too many", then an even pace
that a refusal cuts (never below what the platform took in the last second) and acceptance
raises again, so that it neither collapses nor hammers. A refusal explained by a busy
conversation makes only that conversation wait.
"""

from __future__ import annotations

import bisect
import math
from collections import OrderedDict, deque
from dataclasses import dataclass

__all__ = ["TEAMS_ACROSS", "TEAMS_PER_CONVERSATION", "Booking", "Pace", "Window"]


@dataclass(frozen=True)
class Window:
    """At most `count` messages to one conversation in any `seconds`."""

    count: int
    seconds: float


# Teams' published limits for one bot in one conversation: what its delivery declares.
TEAMS_PER_CONVERSATION = (Window(7, 1.0), Window(8, 2.0), Window(60, 30.0), Window(1800, 3600.0))
# And across all its conversations: "the global limit per app per tenant is 50 requests per
# second" (learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit). Kept for the
# whole bot, which is the same for the usual one tenant and safe for several.
TEAMS_ACROSS = (Window(50, 1.0),)


@dataclass(frozen=True)
class Booking:
    """When a message may go. Unless `booked`, ask again at `at`: keeping the message when
    only the rate holds it back (`keep`), else putting it back in line until then."""

    at: float
    destination: str
    booked: bool = True
    keep: bool = False
    # When it was booked: answers to messages booked before the rate last changed are old news.
    made: float = 0.0
    # Held back by the learned rate (not by a conversation): its acceptance says the rate
    # may be raised.
    paced: bool = False


class Pace:
    # Our clock and the platform's differ by the network; keep a little clear of each edge.
    MARGIN = 0.02
    # A message whose conversation is busy for longer than this goes back in line rather
    # than holding one of the few send slots.
    HOLD = 0.1
    # Messages to one conversation remembered beyond its windows: about as many as may be on
    # their way at once, so a refusal among them still finds the conversation busy.
    IN_FLIGHT = 8
    # Until the first refusal the rate is unlimited; then it starts at what the platform
    # took in the second before, but at least START_RATE (that second may have been a
    # moment long: a bucket with no burst takes one message of a burst).
    START_RATE = 10.0
    MIN_RATE = 1.0
    # Each message accepted at the rate raises it (per second of sending at it): quickly
    # until the first refusal after the start; then quickly up to NEAR of the rate last
    # refused at the limit, barely from there to it (each probe past the limit costs a
    # message a Retry-After), and by STEADY_GROWTH past it, in case the limit was raised.
    START_GROWTH = 3.0
    NEAR = 0.97
    CATCH_UP_GROWTH = 0.05
    PLATEAU_GROWTH = 0.002
    STEADY_GROWTH = 0.01
    # Never past AHEAD times the rate the platform took in the last quarter second: while
    # other limits (our own send slots) hold the sending back, the rate proves nothing.
    AHEAD = 1.5
    # A refusal when most messages are still taken (at the limit, or messages bunched up
    # on the way) slows by DECREASE; when fewer than OVER of them were taken (past the
    # limit: a probe ran ahead, or the limit fell), the rate goes back to START_CUT of
    # itself, or KEEP of what the platform took in the last second, whichever is more.
    DECREASE = 0.98
    OVER = 0.8
    START_CUT = 0.9
    KEEP = 0.98
    # A learned rate is forgotten after this long without a refusal, in case it was raised.
    FORGET_AFTER = 300.0

    def __init__(
        self, per_destination: tuple[Window, ...] = (), across: tuple[Window, ...] = ()
    ) -> None:
        self.windows = per_destination
        # Published limits across all conversations, kept exactly like a conversation's (a
        # sliding window lets a burst go at once); the learned rate still applies on top.
        self.across = across
        # When each of the latest messages went, in order: booked, then moved to when it was
        # taken (a message booked for now may reach the platform a while later, behind
        # others on a busy machine: the platform counts it when it arrives).
        self._all_sent: list[float] = []
        self._all_keep = max((w.count for w in across), default=0)
        # Messages a second across conversations; None until the platform first refuses.
        self.rate: float | None = None
        self.paused_until = 0.0
        self.refusals = 0
        self._next = 0.0  # the earliest moment the rate allows the next message
        self._accepted: deque[float] = deque(maxlen=10_000)  # the last second is enough
        self._refused: deque[float] = deque(maxlen=1000)
        self._cut_at = -math.inf
        self._last_at = -math.inf
        self._steady = False
        self._ceiling: float | None = None  # the rate last refused at the limit
        self._sent: OrderedDict[str, deque[float]] = OrderedDict()
        self._dest_paused: dict[str, float] = {}
        # Learned for conversations whose limit is not published: the least time between
        # two messages, from their refusals. Forgotten with the conversation.
        self._gaps: dict[str, float] = {}
        # A refusal for a conversation that had a message this recently is its own limit.
        shortest = min((w.seconds for w in self.windows), default=1.0)
        self._busy_within = 2 * shortest
        longest = max((w.seconds for w in self.windows), default=0.0)
        self._keep = max(longest, self._busy_within) + self.MARGIN

    # --- booking -----------------------------------------------------------------------------

    def book(self, now: float, destination: str) -> Booking:
        """The moment the next message to `destination` may go; booked unless far off."""
        if self.rate is not None and now - self._cut_at > self.FORGET_AFTER:
            self.rate, self._steady, self._ceiling = None, False, None
        ready = max(
            now,
            self.paused_until,
            self._destination_ready(now, destination),
            self._across_ready(),
        )
        if ready - now > self.HOLD:
            return Booking(ready, destination, booked=False)
        at = ready if self.rate is None else max(ready, self._next)
        if at - now > self.HOLD:  # the rate may have risen by then: booked at that time
            return Booking(at, destination, booked=False, keep=True)
        paced = self.rate is not None and self._next >= ready
        self._last_at = max(self._last_at, at)
        if self.rate is not None:
            self._next = at + 1.0 / self.rate
        self._remember(destination, at)
        if self.across:
            self._count_across(at)
        return Booking(at, destination, paced=paced, made=now)

    def _count_across(self, at: float) -> None:
        bisect.insort(self._all_sent, at)
        if len(self._all_sent) > 2 * self._all_keep:
            del self._all_sent[: len(self._all_sent) - self._all_keep]

    def _uncount_across(self, at: float) -> bool:
        found = bisect.bisect_left(self._all_sent, at)
        if found < len(self._all_sent) and self._all_sent[found] == at:
            del self._all_sent[found]
            return True
        return False

    def _across_ready(self) -> float:
        ready = 0.0
        for window in self.across:
            if len(self._all_sent) >= window.count:
                ready = max(ready, self._all_sent[-window.count] + window.seconds + self.MARGIN)
        return ready

    def _remember(self, destination: str, at: float) -> None:
        if destination not in self._sent:
            # More than any window holds, and than the messages that may be on their way to
            # one conversation at once: the ones before tell a busy conversation.
            longest = max((w.count for w in self.windows), default=0)
            self._sent[destination] = deque(maxlen=max(longest, self.IN_FLIGHT) + 1)
        self._sent[destination].append(at)
        self._sent.move_to_end(destination)

    def _destination_ready(self, now: float, destination: str) -> float:
        ready = self._dest_paused.get(destination, 0.0)
        self._forget_quiet_destinations(now)
        sent = self._sent.get(destination)
        if sent:
            for window in self.windows:
                if len(sent) >= window.count:
                    ready = max(ready, sent[-window.count] + window.seconds + self.MARGIN)
            if gap := self._gaps.get(destination):
                ready = max(ready, sent[-1] + gap + self.MARGIN)
        return ready

    def _forget_quiet_destinations(self, now: float) -> None:
        while self._sent:
            sent = next(iter(self._sent.values()))
            if sent and now - sent[-1] < self._keep:
                break
            destination, _ = self._sent.popitem(last=False)
            self._gaps.pop(destination, None)
        if len(self._dest_paused) > 1000:
            self._dest_paused = {d: t for d, t in self._dest_paused.items() if t > now}

    def also_at(self, booking: Booking, channel: str) -> None:
        """The platform put the message in `channel` (e.g. a DM for a person): later messages
        addressed to that channel count against the same conversation."""
        if channel != booking.destination:
            self._remember(channel, booking.at)

    # --- answers -----------------------------------------------------------------------------

    def accepted(self, now: float, booking: Booking) -> None:
        self._accepted.append(now)
        if self.across and self._uncount_across(booking.at):
            self._count_across(max(now - self.MARGIN, booking.at))
        if self.rate is None or not booking.paced or booking.made < self._cut_at:
            return
        # Each message taken at the rate is 1/rate seconds of proof that it holds.
        growth = self._growth()
        ceiling = max(self.rate, self.START_RATE, self.AHEAD * self._took(now, 0.25) / 0.25)
        self.rate = min(ceiling, self.rate * math.exp(growth / self.rate))

    def refused(self, now: float, booking: Booking, retry_after: float) -> str:
        """The platform said "too many" for this message. Returns what it is taken to mean:
        "conversation" (that conversation's own limit: only it waits), "slower" (the rate
        across conversations is cut) or "pause" (the platform takes nothing for now:
        everything waits `retry_after`)."""
        self.refusals += 1
        if booking.made >= self._cut_at:
            self._refused.append(now)
        sent = self._sent.get(booking.destination)
        if sent and booking.at in sent:  # it was not taken: it does not count against it
            sent.remove(booking.at)
        self._uncount_across(booking.at)
        if self._conversation_busy(now, booking):
            self._dest_paused[booking.destination] = now + retry_after
            if not self.windows:  # its limit is not published: keep to what it said
                gap = self._gaps.get(booking.destination, 0.0)
                self._gaps[booking.destination] = max(gap, retry_after)
            return "conversation"
        fresh = booking.made >= self._cut_at
        if not fresh:  # sent before the last cut took effect: already answered
            return "slower"
        since = self._cut_at if self.rate is not None else now - retry_after
        if not self._accepted or self._accepted[-1] < since:
            self.paused_until = max(self.paused_until, now + retry_after)
            self._cut(now)
            return "pause"
        self._cut(now)
        return "slower"

    def _growth(self) -> float:
        if not self._steady or self.rate is None:
            return self.START_GROWTH
        if self._ceiling is None or self.rate >= self._ceiling:
            return self.STEADY_GROWTH  # past the rate last refused: probe for more
        if self.rate < self.NEAR * self._ceiling:
            return self.CATCH_UP_GROWTH
        return self.PLATEAU_GROWTH

    def _conversation_busy(self, now: float, booking: Booking) -> bool:
        sent = self._sent.get(booking.destination)
        return bool(sent) and now - sent[-1] < self._busy_within

    def _cut(self, now: float) -> None:
        took = self._took(now)
        refused = sum(1 for at in self._refused if at > now - 1.0)
        if self.rate is None:
            rate = max(self.START_RATE, float(took))
        elif not self._steady or took < self.OVER * (took + refused):
            # Past the limit (a probe that ran ahead, or the limit fell): back to about what
            # the platform took.
            rate = max(self.START_CUT * self.rate, self.KEEP * took)
            self._ceiling = None
        else:
            self._ceiling = self.rate
            # At the limit, or messages bunched up on the way: a little slower.
            rate = self.DECREASE * self.rate
        self._steady = self.rate is not None
        self.rate = max(self.MIN_RATE, rate)
        self._cut_at = now
        # Messages booked before the cut still go at the old spacing: the new one follows them.
        self._next = max(now, self._last_at) + 1.0 / self.rate

    def _took(self, now: float, seconds: float = 1.0) -> int:
        """How many messages the platform accepted in the last `seconds`."""
        took = 0
        for at in reversed(self._accepted):
            if at <= now - seconds:
                break
            took += 1
        return took

    def pause_left(self, now: float) -> float:
        return max(0.0, self.paused_until - now)
