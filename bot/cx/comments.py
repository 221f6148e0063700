"""What a person adds to their rating card: an optional comment, and "keep my feedback
anonymous". Either shows on the card at once, and on the leads' follow-up cards if the
request has a follow-up."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from bot import messages as m
from bot import views
from bot.cx import cards, followups, surveys
from bot.errors import BadInput
from bot.people import Person
from bot.reply import NOTHING, Reply
from bot.requests import codes
from bot.settings import Settings
from storage import comments as store
from storage.db import Database
from storage.models import Request, Survey


class Comments:
    def __init__(self, db: Database, settings: Settings, wake: Callable[[], None]) -> None:
        self.db = db
        self.settings = settings
        self.wake = wake

    async def _open_survey(
        self, session: AsyncSession, person: Person, typed: str
    ) -> tuple[Request, Survey]:
        try:
            code = codes.parse_code(typed)
        except codes.CodeError:
            raise BadInput(m.RATING_UNKNOWN) from None
        return await surveys.open_survey(session=session, person=person, code=code)

    async def form(self, person: Person, value: str) -> Reply:
        """ "Add a comment": the form (a Slack modal, the console's prompt)."""
        async with self.db.read() as session:
            request, survey = await self._open_survey(session, person, value)
        return Reply(form=cards.comment_form(request, survey))

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
        await surveys.show_card(session=session, request=request, survey=survey)
        await followups.refresh(session=session, request=request)
