"""A negative rating is an incident: any dimension rated 1 or 2 opens a follow-up for the
leads, who reach out and resolve it from a card kept current in each lead's chat.

Hooks: `on_rating` runs in the transaction that saves a tap; `refresh` in the one that
saves a comment or the anonymity choice. `FollowUps` holds what leads do, and the daily
reminder (a timed job).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import messages as m
from bot import views
from bot.cx import followup_cards as cards
from bot.cx.followup_cards import Incident
from bot.delivery import notify
from bot.errors import BadInput, NotAllowed, NotFound
from bot.people import Person, Role
from bot.reply import Reply
from bot.settings import Settings
from bot.views import Card
from storage import followups as store
from storage import people as people_store
from storage import ratings as rating_store
from storage import roles as role_store
from storage.db import Database
from storage.models import FollowUp, Request, Survey
from storage.types import utcnow

# A score at or below this on any dimension opens a follow-up.
LOW = 2
# An unresolved follow-up comes back to the leads at most this often.
REMIND_EVERY = timedelta(days=1)


def card_key(follow_up: FollowUp, lead: str) -> str:
    """One card per lead per follow-up. The identity is hashed: a Teams identity alone is
    longer than a card key may be."""
    digest = hashlib.sha256(lead.encode()).hexdigest()[:24]
    return f"followup:{follow_up.id}:{digest}"


async def on_rating(
    *, session: AsyncSession, request: Request, survey: Survey, chosen: Mapping[str, int]
) -> None:
    """After a tap is saved: a low score opens the request's follow-up (once); any tap on a
    request that has one keeps the leads' cards current. `survey` and `chosen` are as the
    tap left them (read once, for the rating card too)."""
    if any(score <= LOW for score in chosen.values()):
        follow_up, new = await store.open_for(session=session, request_id=request.id)
    else:
        found = await store.of_request(session=session, request_id=request.id)
        if found is None:
            return
        follow_up, new = found, False
    await _tell_leads(session, Incident(follow_up, request, survey, chosen), new=new)


async def refresh(*, session: AsyncSession, request: Request) -> None:
    """The comment or the anonymity changed: the leads' cards follow, if there are any."""
    follow_up = await store.of_request(session=session, request_id=request.id)
    if follow_up is not None:
        await _tell_leads(session, await _incident(session, follow_up, request), new=False)


async def _incident(session: AsyncSession, follow_up: FollowUp, request: Request) -> Incident:
    survey = await rating_store.get_survey(session=session, request_id=request.id)
    chosen = await rating_store.ratings_for(
        session=session, request_id=request.id, rater=request.requester
    )
    return Incident(follow_up, request, survey, chosen)


async def _names(session: AsyncSession, incidents: Sequence[Incident]) -> dict[str, str]:
    """The names the views may show. An anonymous requester's is never even read."""
    wanted: list[str] = []
    for incident in incidents:
        if not incident.anonymous:
            wanted += [incident.request.requester, incident.request.assignee or ""]
        wanted.append(incident.follow_up.owner or "")
    return await people_store.names_of(session=session, identities=[w for w in wanted if w])


async def _tell_leads(session: AsyncSession, incident: Incident, *, new: bool) -> None:
    follow_up = incident.follow_up
    card = cards.follow_up_card(incident, await _names(session, [incident]))
    for lead in await role_store.holders(session=session, role=Role.LEAD):
        platform, target = notify.person_target(lead)
        await notify.upsert(
            session=session,
            platform=platform,
            target=target,
            card_key=card_key(follow_up, lead),
            card=card,
            supersede=not new,
        )


def _is_lead(person: Person) -> bool:
    return Role.LEAD in person.roles or Role.ADMIN in person.roles


def _follow_up_id(value: str) -> int:
    """The follow-up a button names; anything else (a forged value) is "not found"."""
    try:
        number = int(value.strip())
    except ValueError:
        raise BadInput(m.FOLLOWUP_UNKNOWN) from None
    # Past the column's range, PostgreSQL would refuse the query rather than find nothing.
    if not 0 < number < 2**31:
        raise BadInput(m.FOLLOWUP_UNKNOWN)
    return number


class FollowUps:
    def __init__(self, db: Database, settings: Settings, wake: Callable[[], None]) -> None:
        self.db = db
        self.settings = settings
        self.wake = wake

    async def _find(
        self, session: AsyncSession, person: Person, value: str, *, lock: bool = True
    ) -> Incident:
        """The follow-up a lead's tap is about, still unresolved; locked for a change, so
        two leads tapping at once take turns."""
        if not _is_lead(person):
            raise NotAllowed(m.NOT_ALLOWED_FOLLOW_UP)
        wanted = _follow_up_id(value)
        follow_up = await store.get(session=session, follow_up_id=wanted, lock=lock)
        if follow_up is None:
            raise NotFound(m.FOLLOWUP_UNKNOWN)
        [(follow_up, request)] = await store.with_requests(session=session, ids=[follow_up.id])
        incident = await _incident(session, follow_up, request)
        if follow_up.state == store.FollowUpState.RESOLVED:
            raise BadInput(m.FOLLOWUP_ALREADY_RESOLVED)
        return incident

    # --- what leads tap -------------------------------------------------------------------

    async def reach_out(self, person: Person, value: str) -> Reply:
        """ "I'll reach out": the lead is down as reaching out. For an anonymous person it
        opens a form instead: the lead writes, the bot passes it on."""
        async with self.db.write() as session:
            incident = await self._find(session, person, value)
            if incident.anonymous:
                return Reply(form=cards.message_form(incident))
            await store.reach_out(
                session=session, follow_up=incident.follow_up, owner=person.identity
            )
            await _tell_leads(session, incident, new=False)
        self.wake()
        return Reply(card=views.message(m.REACH_OUT_ACK.format(code=incident.request.code)))

    async def send_message(self, person: Person, value: str, text: str) -> Reply:
        """The anonymous person gets the lead's message; the lead learns nothing of them."""
        text = text.strip()
        if not text:
            raise BadInput(m.MESSAGE_EMPTY)
        self._not_too_long(text)
        async with self.db.write() as session:
            incident = await self._find(session, person, value)
            follow_up, request = incident.follow_up, incident.request
            await store.reach_out(session=session, follow_up=follow_up, owner=person.identity)
            names = await people_store.names_of(session=session, identities=[person.identity])
            lead_name = names.get(person.identity, m.FOLLOWUP_A_LEAD)
            card = cards.lead_message(request, person.identity, lead_name, text)
            await notify.post(session=session, identity=request.requester, card=card)
            await _tell_leads(session, incident, new=False)
        self.wake()
        return Reply(card=views.message(m.REACH_OUT_ACK_ANONYMOUS))

    async def resolve_form(self, person: Person, value: str) -> Reply:
        async with self.db.read() as session:
            incident = await self._find(session, person, value, lock=False)
        return Reply(form=cards.resolve_form(incident))

    async def resolve(self, person: Person, value: str, text: str) -> Reply:
        note = text.strip()
        self._not_too_long(note)
        async with self.db.write() as session:
            incident = await self._find(session, person, value)
            follow_up = incident.follow_up
            await store.resolve(
                session=session, follow_up=follow_up, owner=person.identity, note=note
            )
            await _tell_leads(session, incident, new=False)
        self.wake()
        return Reply(card=views.message(m.FOLLOWUP_RESOLVED_ACK.format(what=incident.reference)))

    def _not_too_long(self, text: str) -> None:
        limit = self.settings.max_request_chars
        if len(text) > limit:
            raise BadInput(m.COMMENT_TOO_LONG.format(length=len(text), limit=limit))

    # --- lists ----------------------------------------------------------------------------

    async def listing(self, person: Person) -> Card:
        """The open follow-ups, for a lead (`follow-ups`, the Slack App Home)."""
        if not _is_lead(person):
            raise NotAllowed(m.NOT_ALLOWED_FOLLOW_UP)
        async with self.db.read() as session:
            rows = await store.unresolved(session=session, limit=cards.LIST_MAX)
            total = await store.count_unresolved(session=session)
            incidents = [await _incident(session, f, r) for f, r in rows]
            names = await _names(session, incidents)
        return cards.open_list(incidents, names, title=m.FOLLOWUPS_TITLE, total=total)

    async def remind(self) -> str:
        """The daily reminder: every lead gets one list of the follow-ups still open that
        they have not been shown for a day (opened or reminded). Safe to run as often as
        wanted: a follow-up is claimed for its reminder in the same transaction."""
        now = utcnow()
        async with self.db.write() as session:
            ids = await store.claim_reminders(session=session, before=now - REMIND_EVERY, now=now)
            if not ids:
                return "no follow-ups to remind"
            rows = await store.with_requests(session=session, ids=ids)
            incidents = [await _incident(session, f, r) for f, r in rows]
            card = cards.open_list(
                incidents,
                await _names(session, incidents),
                title=m.FOLLOWUPS_REMINDER_TITLE,
                total=len(incidents),
                footer=m.FOLLOWUPS_REMINDER_FOOTER,
            )
            leads = await role_store.holders(session=session, role=Role.LEAD)
            for lead in leads:
                await notify.post(session=session, identity=lead, card=card)
        self.wake()
        return f"reminded {len(leads)} leads of {len(ids)} open follow-ups"
