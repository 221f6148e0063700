"""Asking for ratings, saving taps, and the summary leads read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import messages as m
from bot.cx import cards
from bot.cx.dimensions import BY_KEY, DEFAULT_PERIOD, PERIODS, SCORES
from bot.delivery import notify
from bot.errors import BadInput, NotAllowed, NotFound
from bot.people import Person
from bot.requests import codes
from bot.requests.statuses import Status
from bot.settings import Settings
from bot.views import Card
from storage import ratings as store
from storage import requests as request_store
from storage.db import Database
from storage.models import Request
from storage.types import utcnow


async def ask(*, session: AsyncSession, request: Request, settings: Settings) -> bool:
    """Sends the rating card unless this person was asked about another request recently."""
    existing = await store.get_survey(session=session, request_id=request.id)
    if existing is None:
        last = await store.last_survey_sent(session=session, requester=request.requester)
        cooldown = timedelta(days=settings.survey_cooldown_days)
        if last is not None and settings.survey_cooldown_days and utcnow() - last < cooldown:
            return False
    closes_at = utcnow() + timedelta(days=settings.survey_open_days)
    if existing is None:
        await store.add_survey(
            session=session, request_id=request.id, requester=request.requester, closes_at=closes_at
        )
        chosen: dict[str, int] = {}
    else:  # resolved again after a reopen: the same survey, open once more
        existing.sent_at = utcnow()
        existing.closes_at = closes_at
        chosen = await store.ratings_for(
            session=session, request_id=request.id, rater=request.requester
        )
    await _send_card(session, request, chosen, new=existing is None)
    return True


async def _send_card(
    session: AsyncSession,
    request: Request,
    chosen: dict[str, int],
    *,
    open_: bool = True,
    new: bool = False,
) -> None:
    platform, target = notify.person_target(request.requester)
    await notify.upsert(
        session=session,
        platform=platform,
        target=target,
        card_key=f"survey:{request.id}",
        card=cards.rating_card(request, chosen, open_=open_),
        supersede=not new,
    )


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
    def __init__(self, db: Database, settings: Settings, wake: Callable[[], None]) -> None:
        self.db = db
        self.settings = settings
        self.wake = wake

    async def rate(self, person: Person, value: str) -> None:
        """Saves one tap at once and re-renders the rating card with the choices."""
        code, dimension, score = parse_tap(value)
        async with self.db.write() as session:
            request = await request_store.get_by_code(session=session, code=code)
            if request is None:
                raise NotFound(m.NOT_FOUND.format(code=code))
            if request.requester != person.identity:
                raise NotAllowed(m.NOT_ALLOWED_RATE.format(code=code))
            survey = await store.get_survey(session=session, request_id=request.id)
            if survey is None or Status(request.status).is_open:
                raise BadInput(m.RATE_NOT_OPEN.format(code=code))
            if survey.closes_at <= utcnow():
                raise BadInput(m.RATE_CLOSED.format(code=code))
            await store.save_rating(
                session=session,
                request_id=request.id,
                rater=person.identity,
                dimension=dimension,
                score=score,
            )
            chosen = await store.ratings_for(
                session=session, request_id=request.id, rater=person.identity
            )
            await _send_card(session, request, chosen)
        self.wake()

    async def summary(self, person: Person, text: str) -> Card:
        if not person.can_read_summary:
            raise NotAllowed(m.NOT_ALLOWED_SUMMARY)
        period = (text.strip().lower() or DEFAULT_PERIOD).split()[0]
        if period not in PERIODS:
            raise BadInput(m.SUMMARY_BAD_PERIOD)
        days = PERIODS[period]
        async with self.db.read() as session:
            figures = await store.summary(session=session, since=utcnow() - timedelta(days=days))
        return cards.summary_card(days, figures)
