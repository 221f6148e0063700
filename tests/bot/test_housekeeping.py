"""Housekeeping: old inbound events and old sent messages go; nothing still needed does."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.jobs.housekeeping import EVENTS_KEPT, Housekeeping
from bot.settings import Settings
from storage import events as event_store
from storage import outbox
from storage.db import Database
from storage.models import CardRef, InboundEvent, OutboxMessage
from storage.types import utcnow
from tests.helpers import enqueue_messages

DAY = timedelta(days=1)


async def _age_events(db: Database, ages: dict[str, timedelta]) -> None:
    async with db.write() as session:
        for event_id, age in ages.items():
            assert await event_store.first_delivery(session=session, event_id=event_id)
            await session.execute(
                update(InboundEvent)
                .where(InboundEvent.event_id == event_id)
                .values(received_at=utcnow() - age)
            )


async def _messages(db: Database, shapes: list[tuple[str, timedelta]]) -> dict[int, str]:
    """One outbox row per (state, age), through the usual helper; its id → "state age"."""
    await enqueue_messages(db, len(shapes), title="pruning")
    async with db.write() as session:
        ids = list(await session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))
        named = {}
        for row_id, (state, age) in zip(ids[-len(shapes) :], shapes, strict=True):
            created = utcnow() - age
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id)
                .values(
                    state=state,
                    created_at=created,
                    sent_at=created if state == outbox.SENT else None,
                    last_error="channel_not_found" if state == outbox.DEAD else None,
                )
            )
            named[row_id] = f"{state} {age.days}d"
    return named


async def _left(db: Database) -> tuple[set[str], set[int]]:
    async with db.read() as session:
        events = set(await session.scalars(select(InboundEvent.event_id)))
        messages = set(await session.scalars(select(OutboxMessage.id)))
    return events, messages


async def test_old_events_and_old_sent_messages_go_and_everything_else_stays(
    db: Database, settings: Settings
) -> None:
    await _age_events(
        db,
        {
            "slack:EvOld": 3 * DAY,
            "slack-cmd:old": EVENTS_KEPT + timedelta(minutes=5),
            "slack:EvYesterdayEvening": EVENTS_KEPT - timedelta(minutes=5),
            "slack:EvNow": timedelta(0),
        },
    )
    states = (outbox.PENDING, outbox.SENT, outbox.DEAD, outbox.SUPERSEDED)
    named = await _messages(
        db, [(state, age) for state in states for age in (30 * DAY, 13 * DAY, timedelta(0))]
    )
    housekeeping = Housekeeping(db, settings.model_copy(update={"keep_days": 14}))

    outcome = await housekeeping.prune()

    events, messages = await _left(db)
    assert events == {"slack:EvYesterdayEvening", "slack:EvNow"}
    gone = {named[row_id] for row_id in set(named) - messages}
    assert gone == {"sent 30d", "superseded 30d"}
    assert outcome == "forgot 2 inbound events; deleted 2 sent or superseded messages"
    # What `cxbot outbox status` shows is still there: waiting and given-up messages.
    async with db.read() as session:
        counts = await outbox.counts(session=session)
        errors = await outbox.recent_errors(session=session)
    assert counts[outbox.PENDING] == 3 and counts[outbox.DEAD] == 3
    assert len([row for row in errors if row.state == outbox.DEAD]) == 3
    assert await housekeeping.prune() == "nothing to forget"


async def test_pruning_works_in_batches_until_nothing_old_is_left(
    db: Database, settings: Settings
) -> None:
    await _age_events(db, {f"slack:Ev{n}": 2 * DAY for n in range(7)})
    await _messages(db, [(outbox.SENT, 20 * DAY)] * 11 + [(outbox.SENT, timedelta(0))])
    housekeeping = Housekeeping(db, settings, batch=3)

    outcome = await housekeeping.prune()

    events, messages = await _left(db)
    assert events == set() and len(messages) == 1
    assert outcome == "forgot 7 inbound events; deleted 11 sent or superseded messages"


async def test_a_card_stays_updatable_after_the_message_that_posted_it_is_pruned(
    db: Database, settings: Settings
) -> None:
    await enqueue_messages(db, 1, title="card")
    async with db.write() as session:
        [row] = await outbox.claim(
            session=session,
            platforms=["slack"],
            now=utcnow(),
            lease_until=utcnow() + timedelta(seconds=30),
            limit=1,
        )
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row.id).values(card_key="request:7")
        )
        assert await outbox.mark_sent(
            session=session,
            message_id=row.id,
            platform="slack",
            address={"conversation": "D1", "message": "1700000000.000100"},
            card_key="request:7",
        )
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id)
            .values(created_at=utcnow() - 60 * DAY)
        )

    await Housekeeping(db, settings).prune()

    _, messages = await _left(db)
    assert row.id not in messages
    async with db.read() as session:
        refs = await outbox.card_refs(session=session, card_keys=["request:7"])
        cards = list(await session.scalars(select(CardRef)))
    assert refs["request:7"].address["message"] == "1700000000.000100"
    assert len(cards) == 1
