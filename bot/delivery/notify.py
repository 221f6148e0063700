"""Writes the messages a change causes into the outbox, inside the change's transaction."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery import targets
from bot.delivery.targets import Op
from bot.people import platform_of
from bot.requests import cards
from bot.views import Card, dump_card
from storage import outbox
from storage import people as people_store
from storage import requests as store
from storage.models import Request, TimelineEntry

# Fewer resolved requests than this say nothing reliable about the usual time.
MIN_SAMPLES = 5


def person_target(identity: str) -> tuple[str, str]:
    """(platform, target) for a message to one person: always on their own platform."""
    return platform_of(identity), targets.person(identity)


async def post(
    *, session: AsyncSession, identity: str, card: Card, thread: str | None = None
) -> None:
    platform, target = person_target(identity)
    if thread:
        target = targets.thread(thread)
    await outbox.enqueue(
        session=session, platform=platform, op=Op.POST, target=target, payload=dump_card(card)
    )


async def upsert(
    *,
    session: AsyncSession,
    platform: str,
    target: str,
    card_key: str,
    card: Card,
    supersede: bool = True,
) -> None:
    """Posts a card, or updates it in place once posted.

    `supersede=False`: the card is new, or its older updates were already set aside.
    """
    await outbox.enqueue(
        session=session,
        platform=platform,
        op=Op.UPSERT,
        target=target,
        payload=dump_card(card),
        card_key=card_key,
        supersede=supersede,
    )


class UsualTime:
    """The median time to resolve lately; None until there is enough to go on.

    Once known it is reused for a minute: it moves slowly, and every change shows it.
    """

    REUSE_SECONDS = 60.0

    def __init__(self) -> None:
        self._known: tuple[float, float] | None = None

    async def seconds(self, session: AsyncSession) -> float | None:
        now = time.monotonic()
        if self._known is not None and now - self._known[0] < self.REUSE_SECONDS:
            return self._known[1]
        times = await store.recent_resolution_times(session=session)
        if len(times) < MIN_SAMPLES:
            return None
        self._known = (now, statistics.median(times))
        return self._known[1]


async def names_on_card(
    *, session: AsyncSession, request: Request, entries: Iterable[TimelineEntry]
) -> dict[str, str]:
    """The names of everyone a request's card shows: requester, assignee, who did what."""
    return await people_store.names_of(
        session=session,
        identities=[
            request.requester,
            *([request.assignee] if request.assignee else []),
            *(entry.actor for entry in entries),
        ],
    )


class Notifier:
    """The cards and messages a change causes: the requester's tracking card on their own
    platform, a triage card on each platform IT works on, and a DM to everyone following.

    `triage`: the platforms with a triage channel, set once they are mounted.
    """

    def __init__(self) -> None:
        self.usual = UsualTime()
        self.triage: tuple[str, ...] = ()

    async def refresh_cards(
        self, *, session: AsyncSession, request: Request, new_entry: TimelineEntry | None = None
    ) -> None:
        """Re-renders the requester's tracking card and the triage cards in place.

        `new_entry`: the request was just opened and this is its whole timeline.
        """
        tracking = f"tracking:{request.id}"
        triage = {platform: f"triage:{platform}:{request.id}" for platform in self.triage}
        if new_entry is not None:
            everything = [new_entry]
        else:
            everything = await store.timeline(
                session=session, request_id=request.id, public_only=False
            )
            await outbox.supersede_updates(session=session, card_keys=[tracking, *triage.values()])
        names = await names_on_card(session=session, request=request, entries=everything)
        public = [entry for entry in everything if entry.public]
        platform, target = person_target(request.requester)
        await upsert(
            session=session,
            platform=platform,
            target=target,
            card_key=tracking,
            card=cards.tracking_card(
                request,
                public,
                viewer=request.requester,
                usual_seconds=await self.usual.seconds(session),
                names=names,
            ),
            supersede=False,
        )
        if not triage:
            return
        card = cards.triage_card(request, everything, names=names)
        for where, card_key in triage.items():
            await upsert(
                session=session,
                platform=where,
                target=targets.TRIAGE,
                card_key=card_key,
                card=card,
                supersede=False,
            )

    async def changed(
        self, *, session: AsyncSession, request: Request, entry: TimelineEntry, actor: str
    ) -> None:
        """The cards and DMs one change to a request causes."""
        await self.refresh_cards(session=session, request=request)
        if entry.public:
            await tell_everyone(session=session, request=request, entry=entry, actor=actor)

    async def opened(
        self, *, session: AsyncSession, request: Request, entry: TimelineEntry
    ) -> None:
        """The first cards of a request just opened: nothing to replace, no one else to tell."""
        await self.refresh_cards(session=session, request=request, new_entry=entry)


async def tell_everyone(
    *, session: AsyncSession, request: Request, entry: TimelineEntry, actor: str
) -> None:
    """A DM to the requester and the watchers (not the person who made the change)."""
    people = [request.requester, *await store.watchers(session=session, request_id=request.id)]
    if all(identity == actor for identity in people):
        return
    card = cards.notice(request, entry)
    for identity in dict.fromkeys(people):
        if identity != actor:
            await post(session=session, identity=identity, card=card)
