"""The leads' digests: the summary every week, and each morning the low scores of the day
before (seed 003: "review results daily"). Both are `Mailing`s: sent once per moment."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot import messages as m
from bot.cx.dimensions import BY_KEY
from bot.cx.followup_cards import reference
from bot.delivery import notify
from bot.jobs.calendar import Due
from bot.jobs.scheduler import Write
from bot.people import Role
from bot.settings import Settings
from bot.views import Card, Field
from storage import digests as store
from storage import people as people_store
from storage import roles as role_store
from storage.db import Database
from storage.digests import LowScore

# Slack shows at most ten fields on a card: one request each, the rest counted.
MAX_REQUESTS = 10


class Digest(Protocol):
    """The summary card leads get (bot.cx.summary.Summaries.digest)."""

    def __call__(self, *, days: int) -> Awaitable[Card]: ...


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def low_scores_card(day: date, scores: Sequence[LowScore], names: dict[str, str]) -> Card:
    """One field per request: its low dimensions, the comment, and who (unless anonymous)."""
    by_request = [list(rows) for _, rows in groupby(scores, key=lambda s: s.request_id)]
    fields = []
    for rows in by_request[:MAX_REQUESTS]:
        first = rows[0]
        lines = [
            " · ".join(
                m.SCORE.format(label=BY_KEY[s.dimension].label, score=s.score)
                for s in rows
                if s.dimension in BY_KEY
            )
        ]
        if first.comment:
            lines.append(m.COMMENT_QUOTE.format(text=first.comment))
        if first.rater is None:
            lines.append(m.LOW_SCORE_ANONYMOUS)
        else:
            lines.append(m.LOW_SCORE_FROM.format(name=names.get(first.rater, m.REQUESTER)))
        fields.append(Field(reference(first.code, first.follow_up), "\n".join(lines)))
    shown = _day(day)
    count = len(by_request)
    text = m.LOW_SCORES_TEXT.format(
        count=count, requests=m.REQUEST_ONE if count == 1 else m.REQUEST_MANY, day=shown
    )
    if count > MAX_REQUESTS:
        text += "\n" + m.LOW_SCORES_MORE.format(count=count - MAX_REQUESTS)
    title = m.LOW_SCORES_TITLE.format(day=shown)
    return Card(
        title=title, text=text, fields=tuple(fields), footer=m.LOW_SCORES_FOOTER, fallback=title
    )


async def _to_leads(session: AsyncSession, card: Card) -> int:
    leads = await role_store.holders(session=session, role=Role.LEAD)
    for lead in leads:
        await notify.post(session=session, identity=lead, card=card)
    return len(leads)


class Digests:
    def __init__(self, db: Database, settings: Settings, *, digest: Digest | None = None) -> None:
        self.db = db
        self.settings = settings
        self.digest = digest

    async def weekly(self, due: Due) -> Write:
        """The summary of the last seven days, to every lead on their own platform."""
        if self.digest is None:
            raise RuntimeError("the weekly digest needs the summary's digest card")
        card = await self.digest(days=7)

        async def write(session: AsyncSession) -> str:
            return f"sent the weekly digest to {await _to_leads(session, card)} leads"

        return write

    async def low_scores(self, due: Due) -> Write:
        """The scores of 1 or 2 given the day before the moment (midnight to midnight in the
        configured zone), to every lead; nothing on a day without any."""
        day = due.day - timedelta(days=1)
        since, until = self._midnight(day), self._midnight(due.day)
        async with self.db.read() as session:
            scores = await store.low_scores(session=session, since=since, until=until)
            raters = [s.rater for s in scores if s.rater is not None]
            names = await people_store.names_of(session=session, identities=raters)

        async def write(session: AsyncSession) -> str:
            if not scores:
                return f"no low scores on {day}"
            sent = await _to_leads(session, low_scores_card(day, scores, names))
            return f"sent {len(scores)} low scores of {day} to {sent} leads"

        return write

    def _midnight(self, day: date) -> datetime:
        local = datetime.combine(day, time(0), tzinfo=self.settings.zone)
        return local.astimezone(UTC)
