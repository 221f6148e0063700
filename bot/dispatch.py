"""Drains the outbox: sends each message after its cause has committed.

Platform-neutral: each platform registers a `Delivery` that knows how to send one message.
Messages are leased (so a crashed process's messages go out after the lease ends), sent
concurrently up to a limit, retried with exponential backoff or after the platform's
`Retry-After`, and given up ("dead") on a permanent error or after too many tries. A row is
marked sent in the same step that records the platform's message id.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.settings import Settings
from bot.views import Card, load_card
from storage import outbox
from storage.db import Database
from storage.models import OutboxMessage
from storage.types import utcnow

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 300.0


@dataclass(frozen=True)
class Outgoing:
    id: int
    op: str
    target: str
    card: Card
    card_key: str | None
    # Where the card already is, for an in-place update.
    channel: str | None = None
    message_id: str | None = None


@dataclass(frozen=True)
class Sent:
    channel: str
    message_id: str


@dataclass(frozen=True)
class RetryLater:
    error: str
    after_seconds: float | None = None


@dataclass(frozen=True)
class GiveUp:
    error: str


Result = Sent | RetryLater | GiveUp


class Delivery(Protocol):
    async def deliver(self, message: Outgoing) -> Result: ...


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
            waiters = {
                asyncio.ensure_future(self._wake.wait()),
                asyncio.ensure_future(self._stopping.wait()),
            }
            _, pending = await asyncio.wait(
                waiters,
                timeout=self.settings.outbox_poll_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def stop(self) -> None:
        self._stopping.set()

    async def drain_once(self) -> int:
        """Claims one batch of due messages and sends them. Returns how many were tried."""
        if not self.deliveries:
            return 0
        now = utcnow()
        async with self.db.write() as session:
            rows = await outbox.claim(
                session=session,
                platforms=list(self.deliveries),
                now=now,
                lease_until=now + timedelta(seconds=self.settings.outbox_lease_seconds),
                limit=self.settings.outbox_batch,
            )
            batch = [await self._outgoing(session, row) for row in rows]
        await asyncio.gather(*(self._send(row, out) for row, out in batch))
        return len(batch)

    async def drain(self, *, rounds: int = 100) -> None:
        """Sends everything that is due now (for the console and for tests)."""
        for _ in range(rounds):
            if not await self.drain_once():
                return

    async def _outgoing(
        self, session: object, row: OutboxMessage
    ) -> tuple[OutboxMessage, Outgoing]:
        ref = None
        if row.card_key is not None and row.op == "upsert":
            ref = await outbox.card_ref(session=session, card_key=row.card_key)
        try:
            card = load_card(row.payload)
        except ValueError:
            card = Card(title="", text="")
        out = Outgoing(
            id=row.id,
            op=row.op,
            target=row.target,
            card=card,
            card_key=row.card_key,
            channel=ref.channel if ref else None,
            message_id=ref.message_id if ref else None,
        )
        return row, out

    async def _send(self, row: OutboxMessage, out: Outgoing) -> None:
        delivery = self.deliveries[row.platform]
        # The slot is held until the result is saved: at most `outbox_concurrency` messages
        # are ever sent-but-not-recorded, which bounds the duplicates a crash can cause.
        async with self._semaphore:
            try:
                result = await delivery.deliver(out)
            except Exception as error:  # a bug or an unexpected answer: retry, then give up
                log.exception("outbox: message %s could not be sent", row.id)
                result = RetryLater(error=f"{type(error).__name__}: {error}")
            await self._record(row, result)

    async def _record(self, row: OutboxMessage, result: Result) -> None:
        if self.observe is not None:
            kind = {Sent: "sent", GiveUp: "gave_up"}.get(type(result), "retry")
            self.observe(row.platform, kind)
        async with self.db.write() as session:
            if isinstance(result, Sent):
                await outbox.mark_sent(
                    session=session,
                    message_id=row.id,
                    platform=row.platform,
                    channel=result.channel,
                    platform_message_id=result.message_id,
                    card_key=row.card_key,
                )
            elif isinstance(result, GiveUp):
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
                )
                log.info(
                    "outbox: message %s will be retried in %.1fs (%s): %s",
                    row.id,
                    delay,
                    state,
                    result.error,
                )
