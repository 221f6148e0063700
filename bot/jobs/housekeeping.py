"""Housekeeping: a timed job that deletes what the bot no longer needs, a batch at a time."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from storage import charts as chart_store
from storage import events as event_store
from storage import outbox
from storage.db import Database
from storage.types import utcnow

# How long an inbound event id (or a slash command's fingerprint) is remembered. Slack
# retries an event for about half an hour and accepts a signature for five minutes: a day
# covers both with a wide margin.
EVENTS_KEPT = timedelta(days=1)
# Rows deleted per transaction: SQLite has one writer, so requests wait only for one batch.
BATCH = 500


class Prune(Protocol):
    """Deletes up to `limit` rows older than `before`; returns how many."""

    async def __call__(self, *, session: AsyncSession, before: datetime, limit: int) -> int: ...


class Housekeeping:
    def __init__(self, db: Database, settings: Settings, *, batch: int = BATCH) -> None:
        self.db = db
        self.settings = settings
        self.batch = batch

    async def prune(self) -> str:
        """Old inbound events and old sent or superseded messages go; waiting and given-up
        messages stay (`cxbot outbox status` shows them), and so does where each card is."""
        now = utcnow()
        events = await self._in_batches(event_store.forget, now - EVENTS_KEPT)
        kept = now - timedelta(days=self.settings.keep_days)
        messages = await self._in_batches(outbox.prune, kept)
        # Charts served to cards (see storage/charts.py) go with the messages that showed them.
        charts = await self._in_batches(chart_store.prune, kept)
        if not events and not messages and not charts:
            return "nothing to forget"
        done = f"forgot {events} inbound events; deleted {messages} sent or superseded messages"
        return f"{done}; deleted {charts} old charts" if charts else done

    async def _in_batches(self, prune: Prune, before: datetime) -> int:
        total = 0
        while True:
            async with self.db.write() as session:
                done = await prune(session=session, before=before, limit=self.batch)
            total += done
            if done < self.batch:
                return total
            await asyncio.sleep(0)  # other writers go between batches
