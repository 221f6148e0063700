"""A workspace joining an Enterprise Grid: its stored identities are re-keyed once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.people import SlackOrganisations
from storage import identities
from storage.db import Database
from storage.models import (
    OutboxMessage,
    Rating,
    Request,
    RoleGrant,
    SlackOrganisation,
    Survey,
    TimelineEntry,
    Watcher,
)
from storage.types import utcnow
from tests.helpers import enqueue_messages

OLD, NEW = "slack:T1:", "slack:E1:"


async def seed(db: Database) -> int:
    async with db.write() as session:
        request = Request(
            code="IT-7K3QX4",
            requester=OLD + "UANA",
            title="Dock",
            status="resolved",
            assignee=OLD + "UTESS",
        )
        session.add(request)
        await session.flush()
        rid = request.id
        session.add_all(
            [
                TimelineEntry(request_id=rid, actor=OLD + "UTESS", kind="update", text="x"),
                # Ben already follows under both keys: one row must stay.
                Watcher(request_id=rid, identity=OLD + "UBEN"),
                Watcher(request_id=rid, identity=NEW + "UBEN"),
                RoleGrant(identity=OLD + "UTESS", role="technician"),
                RoleGrant(identity=OLD + "UTESS", role="lead"),
                RoleGrant(identity=NEW + "UTESS", role="technician"),
                Survey(request_id=rid, requester=OLD + "UANA", closes_at=utcnow() + timedelta(1)),
                Rating(request_id=rid, rater=OLD + "UANA", dimension="speed", score=2),
                Rating(request_id=rid, rater=NEW + "UANA", dimension="speed", score=5),
                Rating(request_id=rid, rater=OLD + "UANA", dimension="quality", score=4),
                # Another workspace, whose ids start the same way, stays as it is.
                RoleGrant(identity="slack:T10:UZOE", role="admin"),
            ]
        )
    await enqueue_messages(db, 1, target="person:" + OLD + "UANA")
    return rid


async def test_two_replicas_seeing_the_first_grid_payload_rekey_once(
    db: Database, settings
) -> None:
    rid = await seed(db)
    other = Database(settings.database_url)
    try:

        async def join(database: Database) -> bool:
            async with database.write() as session:
                return await identities.join_enterprise(
                    session=session, workspace="T1", enterprise="E1", old_prefix=OLD, new_prefix=NEW
                )

        done = await asyncio.gather(join(db), join(other))
    finally:
        await other.dispose()
    assert sorted(done) == [False, True]

    async with db.read() as session:
        request = await session.get(Request, rid)
        actors = list(await session.scalars(select(TimelineEntry.actor)))
        watchers = list(await session.scalars(select(Watcher.identity)))
        roles = set(await session.execute(select(RoleGrant.identity, RoleGrant.role)))
        survey = await session.get(Survey, rid)
        ratings = set(await session.execute(select(Rating.rater, Rating.dimension, Rating.score)))
        targets = list(await session.scalars(select(OutboxMessage.target)))
        joined = list(
            await session.execute(
                select(SlackOrganisation.workspace_id, SlackOrganisation.enterprise_id)
            )
        )
    assert (request.requester, request.assignee) == (NEW + "UANA", NEW + "UTESS")
    assert actors == [NEW + "UTESS"] and watchers == [NEW + "UBEN"]
    assert roles == {
        (NEW + "UTESS", "technician"),
        (NEW + "UTESS", "lead"),
        ("slack:T10:UZOE", "admin"),
    }
    assert survey.requester == NEW + "UANA"
    assert ratings == {(NEW + "UANA", "speed", 5), (NEW + "UANA", "quality", 4)}
    assert targets == ["person:" + NEW + "UANA"]
    assert joined == [("T1", "E1")]


async def test_organisations_are_remembered_and_asked_once(db: Database) -> None:
    organisations = SlackOrganisations(db)
    assert await organisations.enterprise_of("T1") is None
    await organisations.joined("T1", "E1")
    await organisations.joined("T1", "E1")
    assert await SlackOrganisations(db).enterprise_of("T1") == "E1"
    await SlackOrganisations(db).joined("T1", "E2")  # a workspace does not change organisation
    assert await SlackOrganisations(db).enterprise_of("T1") == "E1"
