"""The use cases on requests: open, find, show, take, update, resolve, reopen, follow."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import messages as m
from bot import views
from bot.cx import surveys
from bot.delivery import notify
from bot.errors import BadInput, NotAllowed, NotFound
from bot.people import Person, valid_identity
from bot.requests import cards, codes
from bot.requests.statuses import OPEN_STATUSES, Status, can_move
from bot.requests.timeline import Kind
from bot.settings import Settings
from storage import people as people_store
from storage import requests as store
from storage.db import Database
from storage.models import Request, TimelineEntry
from storage.types import utcnow

_CODE_ATTEMPTS = 20
# Who the timeline shows for what cxbot does by itself.
SYSTEM = "system:cxbot"
# Requests closed per transaction by the closing job.
_CLOSE_BATCH = 200
# A person named in text, as adapters hand them over: `@slack:T1:U2` or `slack:T1:U2`.
_PERSON = re.compile(
    r"(?<![A-Za-z0-9_:])@?((?:slack|teams|console):[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]*[A-Za-z0-9_])"
)


def people_in(text: str) -> list[str]:
    """The identities named in `text`, in order, each once."""
    found = (match.group(1) for match in _PERSON.finditer(text))
    return list(dict.fromkeys(identity for identity in found if valid_identity(identity)))


def clean_text(text: str) -> str:
    """Text a person typed, without control characters or surrounding space."""
    kept = "".join(ch for ch in text if ch.isprintable() or ch in "\n\t")
    return kept.strip()


class Requests:
    def __init__(self, db: Database, settings: Settings, wake: Callable[[], None]) -> None:
        self.db = db
        self.settings = settings
        self.wake = wake
        self.notify = notify.Notifier()

    async def _record(
        self,
        session: AsyncSession,
        request: Request,
        actor: str,
        kind: Kind,
        *,
        text: str = "",
        status: Status | None = None,
    ) -> TimelineEntry:
        """Records one change on the request's timeline and writes what it causes (the cards
        kept current, a DM to everyone following) in the same transaction."""
        entry = await store.add_entry(
            session=session, request=request, actor=actor, kind=kind, text=text, status=status
        )
        await self.notify.changed(session=session, request=request, entry=entry, actor=actor)
        return entry

    # --- finding -------------------------------------------------------------------------

    async def _candidates(self, session: AsyncSession, person: Person) -> list[str]:
        limit = 2000 if person.is_staff else 200
        if person.is_staff:
            return await store.recent_codes(session=session, limit=limit)
        return await store.visible_codes(session=session, identity=person.identity, limit=limit)

    async def _may_see(self, session: AsyncSession, person: Person, request: Request) -> bool:
        if person.is_staff or request.requester == person.identity:
            return True
        return await store.is_watching(
            session=session, request_id=request.id, identity=person.identity
        )

    async def find(
        self, session: AsyncSession, person: Person, typed: str, *, for_update: bool = False
    ) -> Request:
        """The request this person means by `typed`, or NotFound with a helpful answer."""
        typed = typed.strip()
        shown = typed[:40]
        try:
            code = codes.parse_code(typed)
        except codes.CodeError:
            guess = codes.suggest(typed, await self._candidates(session, person))
            if guess:
                raise NotFound(m.DID_YOU_MEAN.format(typed=shown, code=guess)) from None
            if codes.looks_like_code(typed):
                raise NotFound(m.NOT_FOUND.format(code=shown)) from None
            raise BadInput(m.NOT_A_CODE.format(typed=shown)) from None
        request = await store.get_by_code(session=session, code=code, for_update=for_update)
        if request is None or not await self._may_see(session, person, request):
            raise NotFound(m.NOT_FOUND.format(code=code))
        return request

    # --- employees ------------------------------------------------------------------------

    async def open(self, person: Person, text: str) -> Request:
        title = clean_text(text)
        if not title:
            raise BadInput(m.EMPTY_REQUEST)
        if len(title) > self.settings.max_request_chars:
            raise BadInput(
                m.TOO_LONG.format(length=len(title), limit=self.settings.max_request_chars)
            )
        async with self.db.write() as session:
            for _ in range(_CODE_ATTEMPTS):
                code = codes.new_code()
                if not await store.code_exists(session=session, code=code):
                    break
            request = await store.add_request(
                session=session,
                code=code,
                requester=person.identity,
                title=title,
                status=Status.RECEIVED,
            )
            entry = await store.add_entry(
                session=session,
                request=request,
                actor=person.identity,
                kind=Kind.OPENED,
                at=request.created_at,
            )
            await self.notify.opened(session=session, request=request, entry=entry)
        self.wake()
        return request

    async def show(self, person: Person, typed: str) -> cards.Card:
        async with self.db.read() as session:
            request = await self.find(session, person, typed)
            entries = await store.timeline(
                session=session, request_id=request.id, public_only=not person.is_staff
            )
            usual = await self.notify.usual.seconds(session)
            names = await notify.names_on_card(session=session, request=request, entries=entries)
        return cards.tracking_card(
            request,
            entries,
            viewer=person.identity,
            staff=person.can_work,
            usual_seconds=usual,
            names=names,
        )

    async def reopen(self, person: Person, typed: str, note: str = "") -> Request:
        async with self.db.write() as session:
            request = await self.find(session, person, typed, for_update=True)
            if not (person.can_work or request.requester == person.identity):
                raise NotAllowed(m.NOT_ALLOWED_REOPEN.format(code=request.code))
            status = Status(request.status)
            if status.is_open:
                raise BadInput(
                    m.CANT_MOVE.format(
                        code=request.code, status=status.label, new=Status.REOPENED.label
                    )
                )
            request.status = Status.REOPENED
            request.resolved_at = request.closed_at = None
            await self._record(
                session,
                request,
                person.identity,
                Kind.REOPENED,
                text=clean_text(note),
                status=Status.REOPENED,
            )
            await surveys.cancel(session=session, request=request)
        self.wake()
        return request

    # --- technicians ------------------------------------------------------------------------

    def _must_work(self, person: Person) -> None:
        if not person.can_work:
            raise NotAllowed(m.NOT_ALLOWED_WORK)

    async def take(self, person: Person, typed: str) -> tuple[Request, bool]:
        """Assigns the request to this technician. False when it already was theirs."""
        self._must_work(person)
        async with self.db.write() as session:
            request = await self.find(session, person, typed, for_update=True)
            if request.assignee == person.identity:
                return request, False
            status = Status(request.status)
            if not status.is_open:
                raise BadInput(m.ALREADY_RESOLVED.format(code=request.code))
            request.assignee = person.identity
            if status in (Status.RECEIVED, Status.REOPENED):
                request.status = Status.ASSIGNED
            await self._record(
                session, request, person.identity, Kind.ASSIGNED, status=request.status
            )
        self.wake()
        return request, True

    async def update(
        self, person: Person, typed: str, text: str, new_status: Status | None = None
    ) -> Request:
        self._must_work(person)
        text = clean_text(text)
        if not text and new_status is None:
            raise BadInput(m.FORM_EMPTY)
        if len(text) > self.settings.max_request_chars:
            raise BadInput(
                m.TOO_LONG.format(length=len(text), limit=self.settings.max_request_chars)
            )
        async with self.db.write() as session:
            request = await self.find(session, person, typed, for_update=True)
            current = Status(request.status)
            if new_status is not None and not can_move(current, new_status):
                raise BadInput(
                    m.CANT_MOVE.format(
                        code=request.code, status=current.label, new=new_status.label
                    )
                )
            if new_status == Status.RESOLVED:
                return await self._resolve(session, person, request, text)
            if new_status is None and current in (
                Status.RECEIVED,
                Status.REOPENED,
                Status.ASSIGNED,
            ):
                new_status = Status.IN_PROGRESS
            if not current.is_open and new_status is None:
                raise BadInput(m.ALREADY_RESOLVED.format(code=request.code))
            if request.assignee is None:
                request.assignee = person.identity
            kind = Kind.STATUS if new_status and new_status != current else Kind.UPDATE
            if new_status:
                request.status = new_status
            await self._record(
                session, request, person.identity, kind, text=text, status=new_status
            )
        self.wake()
        return request

    async def resolve(self, person: Person, typed: str, note: str = "") -> tuple[Request, bool]:
        """Resolves; True when the requester was asked to rate."""
        self._must_work(person)
        async with self.db.write() as session:
            request = await self.find(session, person, typed, for_update=True)
            if Status(request.status) == Status.RESOLVED:
                raise BadInput(m.ALREADY_RESOLVED.format(code=request.code))
            if not can_move(Status(request.status), Status.RESOLVED):
                raise BadInput(
                    m.CANT_MOVE.format(
                        code=request.code,
                        status=Status(request.status).label,
                        new=Status.RESOLVED.label,
                    )
                )
            await self._resolve(session, person, request, clean_text(note))
            asked = await surveys.ask(session=session, request=request, settings=self.settings)
        self.wake()
        return request, asked

    async def _resolve(
        self, session: AsyncSession, person: Person, request: Request, note: str
    ) -> Request:
        request.status = Status.RESOLVED
        request.resolved_at = utcnow()
        if request.assignee is None:
            request.assignee = person.identity
        await self._record(
            session, request, person.identity, Kind.STATUS, text=note, status=Status.RESOLVED
        )
        return request

    # --- timed ----------------------------------------------------------------------------

    async def close_resolved(self) -> str:
        """Closes requests resolved `close_after_days` ago and not reopened since."""
        days = self.settings.close_after_days
        closed = 0
        while True:
            now = utcnow()
            async with self.db.write() as session:
                due = await store.resolved_before(
                    session=session,
                    status=Status.RESOLVED,
                    before=now - timedelta(days=days),
                    limit=_CLOSE_BATCH,
                )
                for request in due:
                    request.status = Status.CLOSED
                    request.closed_at = now
                    await store.add_entry(
                        session=session,
                        request=request,
                        actor=SYSTEM,
                        kind=Kind.CLOSED,
                        text=m.AUTO_CLOSED.format(days=days, code=request.code),
                        status=Status.CLOSED,
                        at=now,
                    )
                    await self.notify.refresh_cards(session=session, request=request)
            closed += len(due)
            if len(due) < _CLOSE_BATCH:
                break
        if closed:
            self.wake()
        return f"closed {closed}"

    async def follow(self, person: Person, typed: str, *, on: bool = True) -> Request:
        async with self.db.write() as session:
            request = await self.find(session, person, typed)
            if on:
                await store.add_watcher(
                    session=session, request_id=request.id, identity=person.identity
                )
            else:
                await store.remove_watcher(
                    session=session, request_id=request.id, identity=person.identity
                )
        return request

    async def cc(
        self, person: Person, typed: str, rest: str
    ) -> tuple[Request, list[tuple[str, str | None]]]:
        """Adds colleagues (named as `@identity` or an identity) as watchers of a request;
        says who was added, with their names where known."""
        people = people_in(rest)
        async with self.db.write() as session:
            request = await self.find(session, person, typed)
            if not people:
                raise BadInput(m.CC_NEEDS_PERSON.format(code=request.code))
            if not (person.is_staff or request.requester == person.identity):
                raise NotAllowed(m.NOT_ALLOWED_CC.format(code=request.code))
            for identity in people:
                await store.add_watcher(session=session, request_id=request.id, identity=identity)
            names = await people_store.names_of(session=session, identities=people)
        return request, [(identity, names.get(identity)) for identity in people]

    async def unreachable(self, identity: str) -> None:
        """The platform says this person cannot be messaged (they blocked or removed the
        app, or never installed it). Recorded once; the technicians looking after their
        open requests are told, once, so they reach them another way."""
        async with self.db.write() as session:
            first = await people_store.mark_unreachable(
                session=session, identity=identity, at=utcnow()
            )
            if not first:
                return
            names = await people_store.names_of(session=session, identities=[identity])
            page = await store.open_requests_for(
                session=session, identity=identity, statuses=OPEN_STATUSES, limit=50
            )
            for request in page.requests:
                if request.requester != identity or not request.assignee:
                    continue
                words = m.UNREACHABLE.format(
                    name=names.get(identity, m.REQUESTER), code=request.code
                )
                await notify.post(
                    session=session, identity=request.assignee, card=views.message(words)
                )
        self.wake()

    async def reachable(self, identity: str) -> None:
        """The person wrote to the bot: they can be messaged again."""
        async with self.db.write() as session:
            await people_store.mark_reachable(session=session, identity=identity)
