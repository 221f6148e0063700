"""Rows for `cxbot export`: exactly the known rows, in order, inside half-open windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from storage import bulk
from storage import export as rows
from storage.db import Database
from storage.models import Request, Survey

DAY = datetime(2026, 3, 2, tzinfo=UTC)
TICK = timedelta(microseconds=1)
ANA, BEN, CHLOE = "slack:T1:UANA", "slack:T1:UBEN", "teams:t1:chloe"
TECH = "slack:T1:UTECH"

# Each rating sits on an edge of the day 2026-03-02 (UTC).
RATINGS = [
    ("IT-AAAA1", ANA, "quality", 5, DAY - TICK, 'Quick, and he said "hi"'),
    ("IT-AAAA1", ANA, "speed", 4, DAY, 'Quick, and he said "hi"'),
    ("IT-BBBB2", BEN, "quality", 2, DAY + timedelta(days=1) - TICK, None),
    ("IT-CCCC3", CHLOE, "communication", 1, DAY + timedelta(days=1), "Nobody told me"),
]
REQUESTS = [
    ("IT-AAAA1", ANA, TECH, "closed", "VPN will not connect", DAY - timedelta(days=1),
     DAY - timedelta(hours=2), DAY + timedelta(days=3)),
    ("IT-BBBB2", BEN, None, "received", "Nouvel écran, s'il vous plaît", DAY, None, None),
    ("IT-CCCC3", CHLOE, TECH, "resolved", "Printer, again", DAY + timedelta(days=1) - TICK,
     DAY + timedelta(days=1, hours=5), None),
]  # fmt: skip


async def seed(db: Database, *, anonymous: frozenset[str] = frozenset()) -> None:
    """REQUESTS and RATINGS; the surveys of the requests named in `anonymous` are anonymous."""
    async with db.write() as session:
        await bulk.add_requests(
            session=session,
            rows=[
                (n, code, who, title, status, tech, opened, opened, opened, resolved)
                for n, (code, who, tech, status, title, opened, resolved, _) in enumerate(
                    REQUESTS, start=1
                )
            ],
        )
        for n, (*_, closed) in enumerate(REQUESTS, start=1):
            await session.execute(update(Request).where(Request.id == n).values(closed_at=closed))
        ids = {code: n for n, (code, *_) in enumerate(REQUESTS, start=1)}
        for code, who, *_, comment in RATINGS:
            if await session.get(Survey, ids[code]) is None:
                survey = Survey(request_id=ids[code], requester=who, sent_at=DAY, closes_at=DAY)
                survey.comment = comment
                if code in anonymous:
                    survey.anonymous = True
                session.add(survey)
        await session.flush()
        await bulk.add_ratings(
            session=session,
            rows=[(ids[code], who, dim, score, at) for code, who, dim, score, at, _ in RATINGS],
        )


async def _ratings(db: Database, **window) -> list[tuple]:
    async with rows.snapshot(db) as session:
        return [tuple(row) async for row in rows.ratings(session=session, **window)]


async def _requests(db: Database, **window) -> list[tuple]:
    async with rows.snapshot(db) as session:
        return [tuple(row) async for row in rows.requests(session=session, **window)]


async def test_every_rating_comes_out_oldest_first_with_its_survey_comment(db: Database) -> None:
    await seed(db)
    assert await _ratings(db) == RATINGS
    assert len(rows.RATING_FIELDS) == len(RATINGS[0])


async def test_every_request_comes_out_oldest_first(db: Database) -> None:
    await seed(db)
    assert await _requests(db) == REQUESTS
    assert len(rows.REQUEST_FIELDS) == len(REQUESTS[0])


async def test_a_window_includes_its_start_and_excludes_its_end(db: Database) -> None:
    await seed(db)
    day = {"since": DAY, "until": DAY + timedelta(days=1)}
    assert await _ratings(db, **day) == RATINGS[1:3]
    assert await _requests(db, **day) == REQUESTS[1:]
    assert await _ratings(db, since=DAY) == RATINGS[1:]
    assert await _ratings(db, until=DAY) == RATINGS[:1]
    assert await _ratings(db, since=DAY + timedelta(days=1), until=DAY + timedelta(days=2)) == [
        RATINGS[3]
    ]
    assert await _ratings(db, since=DAY + timedelta(days=2)) == []


async def test_counts_match_the_rows_of_the_same_window(db: Database) -> None:
    await seed(db)
    windows = [{}, {"since": DAY}, {"until": DAY}, {"since": DAY, "until": DAY + TICK}]
    for window in windows:
        async with rows.snapshot(db) as session:
            counted = (
                await rows.count_ratings(session=session, **window),
                await rows.count_requests(session=session, **window),
            )
        assert counted == (len(await _ratings(db, **window)), len(await _requests(db, **window)))
    async with rows.snapshot(db) as session:
        assert await rows.count_ratings(session=session, since=DAY, until=DAY + TICK) == 1


async def test_an_anonymous_survey_leaves_out_who_and_which_request_and_keeps_the_rest(
    db: Database,
) -> None:
    await seed(db, anonymous=frozenset({"IT-CCCC3"}))
    exported = await _ratings(db)
    assert exported[:3] == RATINGS[:3]
    assert exported[3] == (
        None,
        None,
        "communication",
        1,
        DAY + timedelta(days=1),
        RATINGS[3][5],
    )
    assert all(CHLOE not in row and "IT-CCCC3" not in row for row in exported)


async def test_rows_arrive_in_batches_through_one_open_cursor(db: Database) -> None:
    """More rows than one batch: the stream goes on past the first batch, in order."""
    count = rows.BATCH * 2 + 7
    async with db.write() as session:
        await bulk.add_requests(
            session=session,
            rows=[(1, "IT-LOTS1", ANA, "Many taps", "resolved", None, DAY, DAY, DAY, DAY)],
        )
        await bulk.add_ratings(
            session=session,
            rows=[
                (1, f"slack:T1:U{n:05d}", "speed", 1 + n % 5, DAY + n * TICK) for n in range(count)
            ],
        )
    exported = await _ratings(db)
    assert [row[1] for row in exported] == [f"slack:T1:U{n:05d}" for n in range(count)]
