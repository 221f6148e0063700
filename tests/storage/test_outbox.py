from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage import outbox
from storage.db import Database
from storage.models import OutboxMessage
from storage.types import utcnow
from tests.helpers import enqueue_messages


async def add(db: Database, card_key: str | None = None, n: int = 1) -> list[int]:
    return await enqueue_messages(
        db,
        n,
        target="person:slack:T1:U1",
        op="upsert" if card_key else "post",
        card_key=card_key,
    )


async def claim(db: Database, *, at=None, limit: int = 50) -> list[int]:
    now = at or utcnow()
    async with db.write() as session:
        rows = await outbox.claim(
            session=session,
            platforms=["slack"],
            now=now,
            lease_until=now + timedelta(seconds=30),
            limit=limit,
        )
        return [r.id for r in rows]


async def states(db: Database) -> dict[int, str]:
    async with db.read() as session:
        rows = await session.scalars(select(OutboxMessage))
        return {r.id: r.state for r in rows}


async def test_claimed_rows_are_leased_and_come_back_after_the_lease(db: Database) -> None:
    ids = await add(db, n=3)
    assert await claim(db) == ids
    assert await claim(db) == []  # leased to the first dispatcher
    # The first dispatcher died: after the lease the rows are claimable again.
    assert await claim(db, at=utcnow() + timedelta(seconds=31)) == ids


async def test_a_newer_card_update_replaces_an_unsent_one(db: Database) -> None:
    first = await add(db, card_key="tracking:1")
    second = await add(db, card_key="tracking:1")
    assert (await states(db))[first[0]] == outbox.SUPERSEDED
    assert await claim(db) == second


async def test_a_card_update_waits_for_the_one_in_flight(db: Database) -> None:
    first = await add(db, card_key="tracking:1")
    assert await claim(db) == first
    second = await add(db, card_key="tracking:1")
    other = await add(db)
    # The in-flight one is not replaced, and the next waits for it.
    assert (await states(db))[first[0]] == outbox.PENDING
    assert await claim(db) == other
    async with db.write() as session:
        await outbox.mark_sent(
            session=session,
            message_id=first[0],
            platform="slack",
            address={"conversation": "D1", "message": "111.1"},
            card_key="tracking:1",
        )
    assert await claim(db) == second


async def test_marking_sent_records_where_the_card_is_once(db: Database) -> None:
    [row] = await add(db, card_key="survey:9")
    await claim(db)
    async with db.write() as session:
        assert await outbox.mark_sent(
            session=session,
            message_id=row,
            platform="slack",
            address={"conversation": "D1", "message": "222.2"},
            card_key="survey:9",
        )
    async with db.write() as session:
        again = await outbox.mark_sent(
            session=session,
            message_id=row,
            platform="slack",
            address={"conversation": "D9", "message": "999.9"},
            card_key=None,
        )
        assert not again
        ref = (await outbox.card_refs(session=session, card_keys=["survey:9"])).get("survey:9")
    assert ref is not None and ref.address == {"conversation": "D1", "message": "222.2"}
    assert await claim(db) == []


async def test_retry_then_give_up_after_the_last_attempt(db: Database) -> None:
    [row] = await add(db)
    for attempt in range(3):
        assert await claim(db, at=utcnow() + timedelta(hours=attempt)) == [row]
        async with db.write() as session:
            state = await outbox.mark_retry(
                session=session,
                message_id=row,
                at=utcnow() + timedelta(minutes=10),
                error="boom",
                max_attempts=3,
            )
        assert state == (outbox.DEAD if attempt == 2 else outbox.PENDING)
    assert await claim(db, at=utcnow() + timedelta(days=1)) == []
    async with db.read() as session:
        assert await outbox.counts(session=session) == {outbox.DEAD: 1}


async def test_a_batch_of_sent_rows_is_saved_in_one_go(db: Database) -> None:
    [plain] = await add(db)
    [card] = await add(db, card_key="tracking:7")
    assert await claim(db) == [plain, card]
    async with db.write() as session:
        await outbox.mark_sent_many(
            session=session,
            delivered=[
                outbox.Delivered(
                    card, "slack", {"conversation": "D1", "message": "333.3"}, "tracking:7"
                ),
                outbox.Delivered(plain, "slack", {"conversation": "D1", "message": "111.1"}, None),
            ],
        )
    async with db.read() as session:
        rows = {r.id: r for r in await session.scalars(select(OutboxMessage))}
        ref = (await outbox.card_refs(session=session, card_keys=["tracking:7"]))["tracking:7"]
    assert {i: (r.state, r.sent_to, r.attempts) for i, r in rows.items()} == {
        plain: (outbox.SENT, {"conversation": "D1", "message": "111.1"}, 1),
        card: (outbox.SENT, {"conversation": "D1", "message": "333.3"}, 1),
    }
    assert ref.address == {"conversation": "D1", "message": "333.3"}


async def test_a_card_sent_twice_in_one_batch_is_where_the_later_message_is(db: Database) -> None:
    [first] = await add(db, card_key="survey:3")
    await claim(db)
    async with db.write() as session:
        await outbox.mark_sent_many(
            session=session,
            delivered=[
                outbox.Delivered(
                    first, "slack", {"conversation": "D1", "message": "100.0"}, "survey:3"
                )
            ],
        )
    [second] = await add(db, card_key="survey:3")
    [third] = await add(db, card_key="survey:3", n=1)  # the second is replaced: never sent
    await claim(db)
    async with db.write() as session:
        # Results come in any order; the message enqueued later is where the card is now.
        await outbox.mark_sent_many(
            session=session,
            delivered=[
                outbox.Delivered(
                    third, "slack", {"conversation": "D2", "message": "300.0"}, "survey:3"
                ),
                outbox.Delivered(
                    second, "slack", {"conversation": "D2", "message": "200.0"}, "survey:3"
                ),
            ],
        )
    async with db.read() as session:
        ref = (await outbox.card_refs(session=session, card_keys=["survey:3"]))["survey:3"]
    assert ref.address == {"conversation": "D2", "message": "300.0"}
    assert (await states(db))[second] == outbox.SUPERSEDED  # not marked sent after all


async def test_a_row_already_marked_is_not_marked_again_in_a_batch(db: Database) -> None:
    [row] = await add(db)
    await claim(db)
    delivered = [outbox.Delivered(row, "slack", {"conversation": "D1", "message": "1.1"}, None)]
    for _ in range(2):
        async with db.write() as session:
            await outbox.mark_sent_many(session=session, delivered=delivered)
    async with db.read() as session:
        attempts = await session.scalar(select(OutboxMessage.attempts))
    assert attempts == 1
