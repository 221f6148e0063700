"""The bulk path loads many rows; what is opened afterwards the usual way still fits in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.requests import codes
from storage import bulk
from storage import requests as request_store
from storage import summary as summary_store
from storage.db import Database
from storage.models import Rating, Request
from storage.types import utcnow


async def test_bulk_loaded_rows_count_and_later_requests_get_new_ids(db: Database) -> None:
    when = utcnow() - timedelta(days=2)
    request_rows = [
        (n, codes.code_for(n), f"slack:T1:U{n}", f"Loaded {n}", "resolved", None,
         when, when, when, when)
        for n in range(1, 2501)
    ]  # fmt: skip
    rating_rows = [(n, f"slack:T1:U{n}", "speed", 1 + n % 5, when) for n in range(1, 2501)]
    async with db.write() as session:
        assert await bulk.add_requests(session=session, rows=request_rows) == 2500
        assert await bulk.add_ratings(session=session, rows=rating_rows) == 2500
    async with db.write() as session:
        later = await request_store.add_request(
            session=session,
            code=codes.new_code(),
            requester="slack:T1:UX",
            title="x",
            status="received",
        )
    assert later.id == 2501
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Request)) == 2501
        assert await session.scalar(select(func.count()).select_from(Rating)) == 2500
        figures = await summary_store.scores(
            session=session,
            start=when - timedelta(days=1),
            end=when + timedelta(days=1),
            before=when - timedelta(days=2),
        )
    speed, _ = figures["speed"]
    assert (speed.average, speed.count) == (3.0, 2500)


def test_generated_codes_are_valid_and_distinct() -> None:
    made = [codes.code_for(n) for n in range(0, 40_000, 7)]
    assert len(set(made)) == len(made)
    assert all(codes.parse_code(code) == code for code in made)
