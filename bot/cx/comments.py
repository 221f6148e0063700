"""What a person adds to their rating card: an optional comment, and "keep my feedback
anonymous". Either shows on the card at once, and on the leads' follow-up cards if the
request has a follow-up."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from bot import messages as m
from bot import views
from bot.cx import cards, followups
from bot.delivery import notify
from bot.errors import BadInput, NotAllowed, NotFound
from bot.people import Person
from bot.reply import NOTHING, Reply
from bot.requests import codes
from bot.requests.statuses import Status
from bot.settings import Settings
from storage import comments as store
from storage import ratings as rating_store
from storage import requests as request_store
from storage.db import Database
from storage.models import Request, Survey
from storage.types import utcnow


class Comments:
    def __init__(self, db: Database, settings: Settings, wake: Callable[[], None]) -> None:
        self.db = db
        self.settings = settings
        self.wake = wake

    async def _open_survey(
        self, session: AsyncSession, person: Person, typed: str
    ) -> tuple[Request, Survey]:
        """The person's own survey on this request, still taking answers."""
        try:
            code = codes.parse_code(typed)
        except codes.CodeError:
            raise BadInput(m.RATING_UNKNOWN) from None
        request = await request_store.get_by_code(session=session, code=code, for_update=True)
        if request is None:
            raise NotFound(m.NOT_FOUND.format(code=code))
        if request.requester != person.identity:
            raise NotAllowed(m.NOT_ALLOWED_RATE.format(code=code))
        survey = await rating_store.get_survey(
            session=session, request_id=request.id, for_update=True
        )
        if survey is None or survey.skipped or Status(request.status).is_open:
            raise BadInput(m.RATE_NOT_OPEN.format(code=code))
        if survey.closed_at is not None or survey.closes_at <= utcnow():
            raise BadInput(m.RATE_CLOSED.format(code=code))
        return request, survey

    async def form(self, person: Person, value: str) -> Reply:
        """ "Add a comment": the form (a Slack modal, the console's prompt)."""
        async with self.db.read() as session:
            request, _ = await self._open_survey(session, person, value)
        return Reply(form=cards.comment_form(request))

    async def save(self, person: Person, value: str, text: str) -> Reply:
        comment = text.strip()
        if not comment:
            raise BadInput(m.COMMENT_EMPTY)
        limit = self.settings.max_request_chars
        if len(comment) > limit:
            raise BadInput(m.COMMENT_TOO_LONG.format(length=len(comment), limit=limit))
        async with self.db.write() as session:
            request, survey = await self._open_survey(session, person, value)
            await store.set_comment(session=session, request_id=request.id, comment=comment)
            await self._changed(session, request, survey)
        self.wake()
        return Reply(card=views.message(m.COMMENT_SAVED.format(code=request.code)))

    async def toggle_anonymous(self, person: Person, value: str) -> Reply:
        """A tap turns anonymity on, the next one off; the card shows which."""
        async with self.db.write() as session:
            request, survey = await self._open_survey(session, person, value)
            await store.set_anonymous(
                session=session, request_id=request.id, anonymous=not survey.anonymous
            )
            await self._changed(session, request, survey)
        self.wake()
        return NOTHING

    async def _changed(self, session: AsyncSession, request: Request, survey: Survey) -> None:
        chosen = await rating_store.ratings_for(
            session=session, request_id=request.id, rater=request.requester
        )
        platform, target = notify.person_target(request.requester)
        await notify.upsert(
            session=session,
            platform=platform,
            target=target,
            # The key the rating card was posted under (bot/cx/surveys.py).
            card_key=f"survey:{request.id}",
            card=cards.rating_card(request, chosen, survey=survey),
        )
        await followups.refresh(session=session, request=request)
