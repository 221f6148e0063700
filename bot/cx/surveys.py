"""Asking for ratings, saving taps, and closing surveys on time.

Not every resolved request is surveyed (fatigue, sampling), but every one gets a survey
row that says so: the response rate counts what was not asked too.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import messages as m
from bot import views
from bot.cx import cards, followups
from bot.cx.dimensions import BY_KEY, SCORES
from bot.delivery import notify
from bot.errors import BadInput, NotAllowed, NotFound
from bot.people import Person
from bot.requests import codes
from bot.requests.statuses import Status
from bot.settings import Settings
from storage import ratings as store
from storage import requests as request_store
from storage.db import Database
from storage.models import Request, Survey
from storage.ratings import Skipped
from storage.types import utcnow

# Timeline actors that are cxbot itself, never a technician to credit.
SYSTEM_ACTORS = "system:"
# Surveys reminded or closed per transaction by the timed job.
BATCH = 100


def sampled_in(code: str, rate: float) -> bool:
    """Whether the sampling rate asks about this request. Drawn from its code, so a retry,
    a second replica and a test all decide the same."""
    if rate >= 1:
        return True
    draw = int.from_bytes(hashlib.sha256(code.encode()).digest()[:8], "big") / 2**64
    return draw < rate


async def _why_not(
    session: AsyncSession, request: Request, settings: Settings, now: datetime
) -> Skipped | None:
    # Sampling first: it is a property of the request, so the share left out by it is
    # exactly the rate's, and fatigue counts only the people who would have been asked.
    if not sampled_in(request.code, settings.survey_sample_rate):
        return Skipped.SAMPLED
    if settings.survey_cooldown_days:
        last = await store.last_survey_sent(session=session, requester=request.requester)
        if last is not None and now - last < timedelta(days=settings.survey_cooldown_days):
            return Skipped.FATIGUE
    return None


async def ask(*, session: AsyncSession, request: Request, settings: Settings) -> bool:
    """Sends the rating card of a request just resolved, or records why not; True if sent.

    Resolved again after a reopen, it is the same survey, open once more (the fatigue rule
    does not apply to it again); a request left out the first time stays left out.
    """
    now = utcnow()
    closes_at = now + timedelta(days=settings.survey_open_days)
    survey = await store.get_survey(session=session, request_id=request.id, for_update=True)
    new = survey is None
    if survey is None:
        survey = await store.add_survey(
            session=session,
            request_id=request.id,
            requester=request.requester,
            sent_at=now,
            closes_at=closes_at,
            skipped=await _why_not(session, request, settings, now),
        )
    elif not survey.skipped:
        survey.sent_at, survey.closes_at = now, closes_at
        survey.closed_at = survey.reminded_at = None
    # Skipped or not: who worked a request is a fact the per-technician response rate needs.
    await _credit(session, request)
    if survey.skipped:
        return False
    await show_card(session=session, request=request, survey=survey, new=new)
    return True


async def cancel(*, session: AsyncSession, request: Request) -> None:
    """A reopened request has nothing to rate yet: its open card says so and takes no taps
    until the request is resolved again."""
    survey = await store.get_survey(session=session, request_id=request.id, for_update=True)
    if survey is None or survey.closed_at is not None:
        return
    survey.closed_at = utcnow()
    await show_card(session=session, request=request, survey=survey, closed=m.SURVEY_CANCELLED)


async def _credit(session: AsyncSession, request: Request) -> None:
    """Snapshots who worked the request (the assignee, everyone who made a change the
    requester saw), so its ratings stay theirs if it is reassigned later."""
    actors = await store.public_actors(session=session, request_id=request.id)
    workers = [request.assignee or "", *sorted(actors)]
    await store.credit(
        session=session,
        request_id=request.id,
        technicians=[
            who
            for who in workers
            if who and who != request.requester and not who.startswith(SYSTEM_ACTORS)
        ],
    )


async def _chosen(session: AsyncSession, request: Request) -> dict[str, int]:
    return await store.ratings_for(session=session, request_id=request.id, rater=request.requester)


def card_key(request: Request) -> str:
    """The one rating card of a request, posted once and then updated in place."""
    return f"survey:{request.id}"


async def show_card(
    *,
    session: AsyncSession,
    request: Request,
    survey: Survey,
    closed: str = "",
    new: bool = False,
    chosen: Mapping[str, int] | None = None,
) -> None:
    """The rating card as it stands: the choices (`chosen`, read here when not given), what
    the person added, and `closed`, why it takes no more taps."""
    platform, target = notify.person_target(request.requester)
    if chosen is None:
        chosen = await _chosen(session, request)
    await notify.upsert(
        session=session,
        platform=platform,
        target=target,
        card_key=card_key(request),
        card=cards.rating_card(request, chosen, closed=closed, survey=survey),
        supersede=not new,
    )


async def open_survey(
    *, session: AsyncSession, person: Person, code: str
) -> tuple[Request, Survey]:
    """The person's own survey on request `code`, still taking answers. Both rows are
    locked: a reopen or the expiry job changing the card waits for this change."""
    request = await request_store.get_by_code(session=session, code=code, for_update=True)
    if request is None:
        raise NotFound(m.NOT_FOUND.format(code=code))
    if request.requester != person.identity:
        raise NotAllowed(m.NOT_ALLOWED_RATE.format(code=code))
    survey = await store.get_survey(session=session, request_id=request.id, for_update=True)
    if survey is None or Status(request.status).is_open:
        raise BadInput(m.RATE_NOT_OPEN.format(code=code))
    if survey.closed_at is not None or survey.closes_at <= utcnow():
        raise BadInput(m.RATE_CLOSED.format(code=code))
    return request, survey


def parse_tap(value: str) -> tuple[str, str, int]:
    """`IT-7K3QX4:speed:4` → (code, dimension, score), or BadInput."""
    try:
        typed, dimension, score_text = value.rsplit(":", 2)
        score = int(score_text)
        code = codes.parse_code(typed)
    except (ValueError, codes.CodeError):
        raise BadInput(m.RATING_UNKNOWN) from None
    if dimension not in BY_KEY or score not in SCORES:
        raise BadInput(m.RATING_UNKNOWN)
    return code, dimension, score


class Surveys:
    batch = BATCH

    def __init__(self, db: Database, settings: Settings, wake: Callable[[], None]) -> None:
        self.db = db
        self.settings = settings
        self.wake = wake

    async def rate(self, person: Person, value: str) -> None:
        """Saves one tap at once and re-renders the rating card with the choices."""
        code, dimension, score = parse_tap(value)
        async with self.db.write() as session:
            request, survey = await open_survey(session=session, person=person, code=code)
            await store.save_rating(
                session=session,
                request_id=request.id,
                rater=person.identity,
                dimension=dimension,
                score=score,
            )
            if survey.answered_at is None:
                survey.answered_at = utcnow()
            chosen = await _chosen(session, request)
            await show_card(session=session, request=request, survey=survey, chosen=chosen)
            await followups.on_rating(
                session=session, request=request, survey=survey, chosen=chosen
            )
        self.wake()

    # --- timed ----------------------------------------------------------------------------

    async def expire_and_remind(self) -> str:
        """Closes every survey whose time is up (its card then says so and takes no taps),
        and reminds, once, whoever has not tapped at all by half a survey's open time.

        Does whatever is due, a batch per transaction. Each survey is claimed with its row
        and marked in the same transaction, so a second run, or a second replica, finds
        nothing left to do.
        """
        closed = await self._in_batches(self._close_due)
        reminded = await self._in_batches(self._remind_due)
        if closed or reminded:
            self.wake()
        return f"closed {closed} surveys; reminded {reminded}"

    async def _in_batches(self, work: Callable[[AsyncSession], Awaitable[int]]) -> int:
        total = 0
        while True:
            async with self.db.write() as session:
                done = await work(session)
            total += done
            if done < self.batch:
                return total
            await asyncio.sleep(0)  # other writers go between batches

    async def _close_due(self, session: AsyncSession) -> int:
        now = utcnow()
        due = await store.due_to_close(session=session, now=now, limit=self.batch)
        for survey, request in due:
            survey.closed_at = now
            closed = m.SURVEY_CLOSED.format(code=request.code)
            await show_card(session=session, request=request, survey=survey, closed=closed)
        return len(due)

    async def _remind_due(self, session: AsyncSession) -> int:
        """Partly answered surveys are not reminded: whoever tapped once has seen the card,
        and a nudge about the rows left would be the kind of survey that annoys people."""
        now = utcnow()
        half = timedelta(days=self.settings.survey_open_days) / 2
        due = await store.due_reminders(
            session=session, sent_before=now - half, now=now, limit=self.batch
        )
        for survey, request in due:
            survey.reminded_at = now
            until = survey.closes_at.astimezone(self.settings.zone)
            words = m.SURVEY_REMINDER.format(
                code=request.code,
                title=views.plain_line(request.title, 80),
                until=f"{until:%A} {until.day} {until:%B}",
            )
            await notify.post(
                session=session, identity=request.requester, card=views.message(words)
            )
        return len(due)
