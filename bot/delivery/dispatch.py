"""Drains the outbox: sends each message after its cause has committed.

Platform-neutral: each platform registers a `Delivery` that knows how to send one message.
Messages are leased (so a crashed process's messages go out after the lease ends), sent
concurrently up to a limit, retried with exponential backoff or after the platform's
`Retry-After`, and given up ("dead") on a permanent error, an unreadable card or after too
many tries. Each platform's `Pace` keeps the sends within its limits. A row is
marked sent in the same step that records the platform's message id; results that arrive
together are saved together, in one transaction.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.pace import Booking, Pace
from bot.delivery.targets import Op
from bot.settings import Settings
from bot.views import Card, load_card
from storage import outbox
from storage.db import Database
from storage.models import CardRef, OutboxMessage
from storage.types import utcnow

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 300.0
GATHER_SECONDS = 0.02


Address = dict[str, Any]


@dataclass(frozen=True)
class Outgoing:
    id: int
    op: str
    target: str
    card: Card
    card_key: str | None
    # Where the card already is, for an in-place update: the address its delivery gave
    # when it was first sent.
    address: Address | None = None


@dataclass(frozen=True)
class Sent:
    """Sent; `address` says where, in the platform's own terms, for updates in place.

    The core reads only its "conversation" (what the message counts against for pacing).
    """

    address: Address

    @property
    def conversation(self) -> str:
        return str(self.address.get("conversation", ""))


@dataclass(frozen=True)
class RetryLater:
    error: str
    # Set when the platform said how long to wait (a 429's Retry-After): the message waits
    # that long, which does not count as a failed try, and the platform's pace slows (or,
    # when it is taking nothing at all, everything for it waits).
    after_seconds: float | None = None


@dataclass(frozen=True)
class GiveUp:
    error: str


Result = Sent | RetryLater | GiveUp


@dataclass(frozen=True)
class Wait(RetryLater):
    """Our own pacing put a message back in line until its conversation (or the platform)
    takes messages again: not a failed try, and not worth a log line each."""


class Delivery(Protocol):
    """Sends one message to one platform.

    A delivery may also declare `per_destination: tuple[Window, ...]`, the limits the
    platform publishes for one conversation (Slack: about one message a second per channel),
    which are then kept exactly, and `across: tuple[Window, ...]`, what it publishes for all
    conversations together (Teams: 50 a second); beyond those, the limit across conversations
    is learned (see `Pace`).
    A delivery's `has_triage` says whether IT works on its platform (a triage channel); an
    `async close()`, if it has one, is called once the dispatcher has stopped.
    """

    async def deliver(self, message: Outgoing) -> Result: ...


def destination(message: Outgoing) -> str:
    """The conversation a message counts against: where its card is, else its target."""
    if message.address and message.address.get("conversation"):
        return str(message.address["conversation"])
    return message.target


def backoff(attempts: int) -> float:
    """Seconds before the next try: doubling from one second, with jitter, capped."""
    base = min(MAX_BACKOFF_SECONDS, 2.0 ** max(0, attempts))
    return base * random.uniform(0.5, 1.0)


class Dispatcher:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        deliveries: dict[str, Delivery],
        observe: Callable[[str, str], None] | None = None,
    ) -> None:
        self.db = db
        # Told (platform, "sent" | "retry" | "gave_up") after every try, e.g. for metrics.
        self.observe = observe
        self.settings = settings
        self.deliveries = deliveries
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._semaphore = asyncio.Semaphore(settings.outbox_concurrency)
        self._unsaved: list[tuple[OutboxMessage, Result, asyncio.Future[None]]] = []
        self._paces: dict[str, Pace] = {}
        # When messages put back in line by our own pacing fall due (event-loop times).
        self._due: list[float] = []
        self._saver: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Sends until stopped; wakes on `wake()` or every poll interval."""
        while not self._stopping.is_set():
            # Cleared before draining, so a wake-up that arrives meanwhile is not lost.
            self._wake.clear()
            try:
                sent = await self.drain_once()
            except Exception:
                log.exception("outbox: a round of sending failed; trying again shortly")
                sent = 0
            if sent:
                continue
            try:
                async with asyncio.timeout(self._next_wait()):
                    await self._wake.wait()
            except TimeoutError:
                continue
            if not self._stopping.is_set():
                # Changes that come together (several taps, a busy minute) go out together:
                # one claim for the lot rather than one each.
                await asyncio.sleep(GATHER_SECONDS)

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    # --- rate limits -------------------------------------------------------------------------

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def _pace(self, platform: str) -> Pace:
        # Made on first use: deliveries may be registered after the dispatcher is built.
        if platform not in self._paces:
            delivery = self.deliveries.get(platform)
            windows = getattr(delivery, "per_destination", ())
            self._paces[platform] = Pace(tuple(windows), tuple(getattr(delivery, "across", ())))
        return self._paces[platform]

    def _ready_platforms(self) -> list[str]:
        now = self._now()
        return [p for p in self.deliveries if not self._pace(p).pause_left(now)]

    def _next_wait(self) -> float:
        """Until the next poll, or sooner when a paused platform or a message put back in
        line by our pacing may go."""
        now = self._now()
        while self._due and self._due[0] <= now:
            heapq.heappop(self._due)
        waits = [pace.pause_left(now) for pace in self._paces.values()]
        if self._due:
            # A hair late, so the row's due time (by the database's clock) has passed.
            waits.append(self._due[0] - now + 0.005)
        return min([self.settings.outbox_poll_seconds, *(w for w in waits if w > 0)])

    async def drain_once(self) -> int:
        """Claims one batch of due messages and sends them. Returns how many were tried."""
        platforms = self._ready_platforms()
        if not platforms:
            return 0
        now = utcnow()
        async with self.db.write() as session:
            rows = await outbox.claim(
                session=session,
                platforms=platforms,
                now=now,
                lease_until=now + timedelta(seconds=self.settings.outbox_lease_seconds),
                limit=self.settings.outbox_batch,
            )
            keys = [row.card_key for row in rows if row.card_key and row.op == Op.UPSERT]
            refs = await outbox.card_refs(session=session, card_keys=keys) if keys else {}
            batch = [self._outgoing(row, refs.get(row.card_key or "")) for row in rows]
        await asyncio.gather(
            *(
                self._send(row, out) if isinstance(out, Outgoing) else self._record(row, out)
                for row, out in batch
            )
        )
        return len(batch)

    async def drain(self, *, rounds: int = 100) -> None:
        """Sends everything that is due now (for the console and for tests)."""
        for _ in range(rounds):
            if not await self.drain_once():
                return

    def _outgoing(
        self, row: OutboxMessage, ref: CardRef | None
    ) -> tuple[OutboxMessage, Outgoing | GiveUp]:
        if row.op != Op.UPSERT:
            ref = None
        try:
            card = load_card(row.payload)
        except ValueError as error:
            # Sending it anyway would show the person a blank card: give it up, visibly.
            return row, GiveUp(f"unreadable card, not sent: {str(error)[:500]}")
        out = Outgoing(
            id=row.id,
            op=row.op,
            target=row.target,
            card=card,
            card_key=row.card_key,
            address=ref.address if ref else None,
        )
        return row, out

    async def _send(self, row: OutboxMessage, out: Outgoing) -> None:
        delivery = self.deliveries[row.platform]
        pace = self._pace(row.platform)
        # The slot is held until the result is saved: at most `outbox_concurrency` messages
        # are ever sent-but-not-recorded, which bounds the duplicates a crash can cause.
        async with self._semaphore:
            booking = await self._book(pace, out)
            if not booking.booked:  # back in line, untried, until it may go
                paused = pace.pause_left(self._now())
                reason = "waiting out a rate limit" if paused else "waiting for its conversation"
                heapq.heappush(self._due, booking.at)
                await self._record(row, Wait(reason, max(0.0, booking.at - self._now())))
                return
            await asyncio.sleep(booking.at - self._now())
            try:
                result = await delivery.deliver(out)
            except Exception as error:  # a bug or an unexpected answer: retry, then give up
                log.exception("outbox: message %s could not be sent", row.id)
                result = RetryLater(error=f"{type(error).__name__}: {error}")
            if isinstance(result, Sent):
                pace.accepted(self._now(), booking)
                pace.also_at(booking, result.conversation)
            elif isinstance(result, RetryLater) and result.after_seconds is not None:
                self._refused(row.platform, pace, booking, result.after_seconds)
            await self._record(row, result)

    async def _book(self, pace: Pace, out: Outgoing) -> Booking:
        """A moment to send at, waiting here while only the learned rate holds it back."""
        while True:
            now = self._now()
            booking = pace.book(now, destination(out))
            if booking.booked or not booking.keep:
                return booking
            await asyncio.sleep(booking.at - now)

    def _refused(self, platform: str, pace: Pace, booking: Booking, seconds: float) -> None:
        meaning = pace.refused(self._now(), booking, seconds)
        if meaning == "pause":
            log.info("outbox: %s asked us to wait %.1fs; pausing its messages", platform, seconds)
        elif meaning == "slower":
            log.debug("outbox: %s said too many; now %.1f messages a second", platform, pace.rate)
        else:
            log.debug("outbox: %s: %s is busy for %.1fs", platform, booking.destination, seconds)

    async def _record(self, row: OutboxMessage, result: Result) -> None:
        """Saves one result; waits until it is committed, alongside any that came with it."""
        if self.observe is not None and not isinstance(result, Wait):
            kind = {Sent: "sent", GiveUp: "gave_up"}.get(type(result), "retry")
            self.observe(row.platform, kind)
        saved: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._unsaved.append((row, result, saved))
        if self._saver is None or self._saver.done():
            self._saver = asyncio.create_task(self._save_unsaved())
        await saved

    async def _save_unsaved(self) -> None:
        while self._unsaved:
            batch, self._unsaved = self._unsaved, []
            try:
                async with self.db.write() as session:
                    # The sent rows, most of a batch, in two statements for the lot: SQLite's
                    # only write lock is free that much sooner.
                    await outbox.mark_sent_many(
                        session=session,
                        delivered=[
                            outbox.Delivered(row.id, row.platform, result.address, row.card_key)
                            for row, result, _ in batch
                            if isinstance(result, Sent)
                        ],
                    )
                    for row, result, _ in batch:
                        if not isinstance(result, Sent):
                            await self._save(session, row, result)
            except Exception as error:
                for _, _, saved in batch:
                    saved.set_exception(error)
            else:
                for _, _, saved in batch:
                    saved.set_result(None)

    async def _save(self, session: AsyncSession, row: OutboxMessage, result: Result) -> None:
        """Saves a result other than Sent (those are saved together, above)."""
        if isinstance(result, GiveUp):
            log.warning("outbox: message %s given up: %s", row.id, result.error)
            await outbox.mark_dead(session=session, message_id=row.id, error=result.error)
        else:
            delay = result.after_seconds
            if delay is None:
                delay = backoff(row.attempts)
            state = await outbox.mark_retry(
                session=session,
                message_id=row.id,
                at=utcnow() + timedelta(seconds=delay),
                error=result.error,
                max_attempts=self.settings.outbox_max_attempts,
                counts=result.after_seconds is None,
            )
            log.log(
                logging.DEBUG if isinstance(result, Wait) else logging.INFO,
                "outbox: message %s will be retried in %.1fs (%s): %s",
                row.id,
                delay,
                state,
                result.error,
            )
