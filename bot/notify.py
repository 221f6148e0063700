"""Writes the messages a change causes into the outbox, inside the change's transaction."""

from __future__ import annotations

import statistics

from sqlalchemy.ext.asyncio import AsyncSession

from bot import cards
from bot.views import Card, dump_card
from storage import outbox
from storage import requests as store
from storage.models import Request, TimelineEntry

TRIAGE = "triage"
# Fewer resolved requests than this say nothing reliable about the usual time.
MIN_SAMPLES = 5


def person_target(identity: str) -> tuple[str, str]:
    """(platform, target) for a message to one person."""
    return identity.split(":", 1)[0], f"person:{identity}"


async def post(*, session: AsyncSession, identity: str, card: Card) -> None:
    platform, target = person_target(identity)
    await outbox.enqueue(
        session=session, platform=platform, op="post", target=target, payload=dump_card(card)
    )


async def upsert(
    *, session: AsyncSession, platform: str, target: str, card_key: str, card: Card
) -> None:
    await outbox.enqueue(
        session=session,
        platform=platform,
        op="upsert",
        target=target,
        payload=dump_card(card),
        card_key=card_key,
    )


async def usual_seconds(session: AsyncSession) -> float | None:
    """The median time to resolve lately; None until there is enough to go on."""
    times = await store.recent_resolution_times(session=session)
    return statistics.median(times) if len(times) >= MIN_SAMPLES else None


async def refresh_cards(*, session: AsyncSession, request: Request) -> None:
    """Re-renders the requester's tracking card and the triage card in place."""
    everything = await store.timeline(session=session, request_id=request.id, public_only=False)
    public = [entry for entry in everything if entry.public]
    platform, target = person_target(request.requester)
    await upsert(
        session=session,
        platform=platform,
        target=target,
        card_key=f"tracking:{request.id}",
        card=cards.tracking_card(
            request, public, viewer=request.requester, usual_seconds=await usual_seconds(session)
        ),
    )
    await upsert(
        session=session,
        platform=platform,
        target=TRIAGE,
        card_key=f"triage:{request.id}",
        card=cards.triage_card(request, everything),
    )


async def tell_everyone(
    *, session: AsyncSession, request: Request, entry: TimelineEntry, actor: str
) -> None:
    """A DM to the requester and the watchers (not the person who made the change)."""
    card = cards.notice(request, entry)
    people = [request.requester, *await store.watchers(session=session, request_id=request.id)]
    for identity in dict.fromkeys(people):
        if identity != actor:
            await post(session=session, identity=identity, card=card)


async def changed(
    *, session: AsyncSession, request: Request, entry: TimelineEntry, actor: str
) -> None:
    await refresh_cards(session=session, request=request)
    if entry.public:
        await tell_everyone(session=session, request=request, entry=entry, actor=actor)
