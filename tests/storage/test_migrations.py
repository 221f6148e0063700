"""Upgrading a database that already has cards and messages keeps them working."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from sqlalchemy import select, text

from bot.delivery.dispatch import Dispatcher, Outgoing, Result, Sent
from bot.settings import Settings
from bot.views import Card, dump_card
from storage import outbox
from storage.db import Database
from storage.migrate import alembic_config, migrate
from storage.models import CardRef, OutboxMessage
from storage.types import utcnow


async def _upgrade_to(db: Database, revision: str) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda c: command.upgrade(alembic_config(c), revision))


class Recording:
    def __init__(self) -> None:
        self.seen: list[Outgoing] = []

    async def deliver(self, message: Outgoing) -> Result:
        self.seen.append(message)
        return Sent(message.address or {"conversation": "D9", "message": "9.9"})


async def test_cards_and_messages_from_before_neutral_addresses_still_work(
    database_url: str,
) -> None:
    db = Database(database_url)
    await _upgrade_to(db, "0004")
    past = utcnow() - timedelta(hours=1)
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO cards (card_key, platform, channel, message_id, updated_at)"
                " VALUES (:key, 'slack', :channel, :message, :at)"
            ),
            [
                {"key": "tracking:7", "channel": "D1", "message": "222.2", "at": past},
                {"key": "triage:7", "channel": "CTRIAGE", "message": "333.3", "at": past},
            ],
        )
        await conn.execute(
            text(
                "INSERT INTO outbox (platform, op, target, card_key, payload, state, attempts,"
                " next_attempt_at, created_at, sent_at, message_ref)"
                " VALUES ('slack', 'upsert', 'triage', 'triage:7', :payload, 'sent', 1,"
                " :at, :at, :at, 'CTRIAGE/333.3')"
            ),
            {"payload": '{"title": "old"}', "at": past},
        )
    await migrate(db)
    async with db.read() as session:
        refs = {ref.card_key: ref.address for ref in await session.scalars(select(CardRef))}
        [old] = list(await session.scalars(select(OutboxMessage)))
    assert refs == {
        "tracking:7": {"conversation": "D1", "message": "222.2"},
        "triage:slack:7": {"conversation": "CTRIAGE", "message": "333.3"},
    }
    assert old.card_key == "triage:slack:7"
    assert old.sent_to == {"conversation": "CTRIAGE", "message": "333.3"}

    # The next change to each card updates the message already there.
    async with db.write() as session:
        for key, target in (("tracking:7", "person:slack:T1:U1"), ("triage:slack:7", "triage")):
            await outbox.enqueue(
                session=session,
                platform="slack",
                op="upsert",
                target=target,
                payload=dump_card(Card(title="new")),
                card_key=key,
            )
    platform = Recording()
    await Dispatcher(db, Settings(database_url=database_url), {"slack": platform}).drain()
    await db.dispose()
    assert sorted((m.card_key, m.address) for m in platform.seen) == [
        ("tracking:7", {"conversation": "D1", "message": "222.2"}),
        ("triage:slack:7", {"conversation": "CTRIAGE", "message": "333.3"}),
    ]


def _differences(connection) -> list[object]:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    import storage.models  # noqa: F401  (the tables register themselves)

    context = MigrationContext.configure(connection, opts={"compare_type": False})
    return [
        difference
        for difference in compare_metadata(context, SQLModel.metadata)
        # Alembic's own version table is not one of ours.
        if "alembic_version" not in repr(difference)
    ]


async def test_the_migrations_build_exactly_the_tables_the_models_describe(
    database_url: str,
) -> None:
    db = Database(database_url)
    await migrate(db)
    async with db.engine.connect() as conn:
        differences = await conn.run_sync(_differences)
    await db.dispose()
    assert differences == []


async def test_surveys_from_before_cx_measurement_are_counted_and_credited(
    database_url: str,
) -> None:
    db = Database(database_url)
    await _upgrade_to(db, "0005")
    now = utcnow()
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO requests (id, code, requester, title, status, assignee, created_at,"
                " updated_at, public_at) VALUES (1, 'IT-AAAAAA', 'slack:T1:UANA', 'x',"
                " 'resolved', 'slack:T1:UTESS', :at, :at, :at),"
                " (2, 'IT-BBBBBB', 'slack:T1:UANA', 'y', 'resolved', NULL, :at, :at, :at)"
            ),
            {"at": now - timedelta(days=30)},
        )
        await conn.execute(
            text(
                "INSERT INTO surveys (request_id, requester, sent_at, closes_at) VALUES"
                " (1, 'slack:T1:UANA', :sent, :gone), (2, 'slack:T1:UANA', :sent, :later)"
            ),
            {
                "sent": now - timedelta(days=20),
                "gone": now - timedelta(days=6),
                "later": now + timedelta(days=3),
            },
        )
        await conn.execute(
            text(
                "INSERT INTO ratings (request_id, rater, dimension, score, rated_at) VALUES"
                " (1, 'slack:T1:UANA', 'speed', 4, :first), (1, 'slack:T1:UANA', 'quality', 5, :at)"
            ),
            {"first": now - timedelta(days=19), "at": now - timedelta(days=18)},
        )
    await migrate(db)
    async with db.engine.connect() as conn:
        surveys = (
            await conn.execute(
                text("SELECT request_id, answered_at, closed_at FROM surveys ORDER BY request_id")
            )
        ).all()
        credits = (
            await conn.execute(text("SELECT request_id, technician FROM survey_credits"))
        ).all()
    await db.dispose()
    answered, open_ = surveys
    assert answered[1] is not None and open_[1] is None
    assert answered[2] is not None, "a survey past its closing time is closed"
    assert open_[2] is None, "a survey still open stays open"
    assert credits == [(1, "slack:T1:UTESS")]
