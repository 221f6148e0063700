"""The summary's figures on a small team's month whose answers are known (tests/summary_data.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage import measured as measured_store
from storage import summary as store
from storage.db import Database
from tests import summary_data as data
from tests.summary_data import ANA, NOW, TESS, TOM, add_request, at

START, END, BEFORE = NOW - timedelta(days=7), NOW, NOW - timedelta(days=14)
HOUR = 3600.0


@pytest.fixture
async def month(db: Database) -> Database:
    await data.a_team_month(db)
    return db


async def test_scores_give_each_dimension_its_distribution_now_and_before(month: Database) -> None:
    async with month.read() as session:
        scores = await store.scores(session=session, start=START, end=END, before=BEFORE)
    speed_now, speed_before = scores["speed"]
    assert speed_now.counts == (0, 1, 1, 1, 1)
    assert speed_now.average == 3.5 and speed_now.count == 4
    assert speed_before.counts == (0, 1, 1, 0, 0) and speed_before.average == 2.5
    communication_now, communication_before = scores["communication"]
    assert communication_now.counts == (0, 1, 0, 2, 0)
    assert communication_now.average == pytest.approx(10 / 3)
    assert communication_before.count == 0 and communication_before.average is None
    assert set(scores) == {"speed", "communication"}


async def test_a_technicians_scores_are_those_of_the_requests_credited_to_them(
    month: Database,
) -> None:
    async with month.read() as session:
        tess = await store.scores(
            session=session, start=START, end=END, before=BEFORE, technician=TESS
        )
        tom = await store.scores(
            session=session, start=START, end=END, before=BEFORE, technician=TOM
        )
    assert tess["speed"][0].counts == (0, 0, 1, 1, 1)
    assert tess["speed"][1].counts == (0, 1, 1, 0, 0)  # R5 and R6 were Tess's too
    assert tom["speed"][0].counts == (0, 1, 1, 0, 0)
    assert tom["communication"][0].counts == (0, 1, 0, 0, 0)


async def test_response_rate_counts_fatigue_and_sampling_apart(db: Database) -> None:
    # In the period: 3 cards answered, 2 not; 1 left out for fatigue, 2 by sampling.
    for n in range(1, 9):
        answered = n <= 3
        skipped = "fatigue" if n == 6 else "sampled" if n in (7, 8) else None
        await add_request(
            db, n, opened=at(15, 8), resolved=at(15, 9), skipped=skipped,
            ratings={"quality": 4} if answered else None,
        )  # fmt: skip
    await add_request(db, 9, opened=at(1, 8), resolved=at(1, 9), skipped="fatigue")
    async with db.read() as session:
        team = await store.responses(session=session, start=START, end=END)
        tess = await store.responses(session=session, start=START, end=END, technician=TESS)
    assert team == store.Responses(sent=5, answered=3, fatigue=1, sampled=2)
    assert tess.sent == 5 and tess.answered == 3


async def test_measured_times_are_medians_and_regular_updates_follow_working_days(
    month: Database,
) -> None:
    async with month.read() as session:
        measured = await measured_store.measured(session=session, start=START, end=END)
    assert measured.resolved == 4
    assert measured.to_resolve == pytest.approx(62 * HOUR)
    assert measured.first_response == pytest.approx(0.75 * HOUR)
    assert measured.regular == 2
    assert measured.speed_regular == (4.5, 2)
    assert measured.speed_irregular == (2.5, 2)


async def test_the_median_of_an_odd_count_is_the_middle_one(month: Database) -> None:
    async with month.read() as session:
        tess = await measured_store.measured(session=session, start=START, end=END, technician=TESS)
    # Tess's: R1 2 h, R3 48 h, R2 76 h to resolve; 10, 30 and 60 minutes to first respond.
    assert tess.resolved == 3
    assert tess.to_resolve == pytest.approx(48 * HOUR)
    assert tess.first_response == pytest.approx(0.5 * HOUR)


async def test_the_weekend_counts_in_local_time(month: Database) -> None:
    # Twelve hours ahead of UTC, R2's Friday 16:30 update is Saturday 04:30 and its Monday
    # 10:00 one Monday 22:00: the silence still crosses one Monday and R2 stays regular;
    # R4's Thursday 08:00 to Tuesday 08:00 still does not.
    async with month.read() as session:
        measured = await measured_store.measured(
            session=session, start=START, end=END, offset=12 * HOUR
        )
    assert measured.regular == 2


async def test_nothing_resolved_gives_no_medians(db: Database) -> None:
    async with db.read() as session:
        measured = await measured_store.measured(session=session, start=START, end=END)
    assert measured == measured_store.Measured(0, None, None, 0, (None, 0), (None, 0))


async def test_technician_rows_hide_those_below_the_threshold(month: Database) -> None:
    async with month.read() as session:
        rows, hidden = await store.technician_rows(session=session, start=START, end=END, least=3)
        everyone, none_hidden = await store.technician_rows(
            session=session, start=START, end=END, least=2
        )
    assert set(rows) == {TESS} and hidden == 1
    assert rows[TESS]["speed"] == (4.0, 3)
    assert set(everyone) == {TESS, TOM} and none_hidden == 0
    assert everyone[TOM]["speed"] == (2.5, 2)


async def test_open_follow_ups_oldest_first(month: Database) -> None:
    await data.follow_ups(month)
    async with month.read() as session:
        count, oldest = await store.open_follow_ups(session=session, oldest=1)
        tess_count, _ = await store.open_follow_ups(session=session, technician=TESS)
    assert count == 2
    assert [(code, title) for code, title, _, _ in oldest] == [("IT-000003", "Request 3")]
    assert tess_count == 1


async def test_latest_comments_never_name_an_anonymous_requester(month: Database) -> None:
    async with month.read() as session:
        comments = await store.latest_comments(session=session, start=START, end=END)
    # An anonymous comment names no one and shows no code (a code leads to who asked).
    assert comments == [
        (None, None, "Slow start", None),
        ("IT-000001", None, "Quick and kind", ANA),
    ]


async def test_weekly_points_are_averages_per_local_week(month: Database) -> None:
    async with month.read() as session:
        points = await store.weekly(session=session, start=START, end=END)
    # Week 2944 starts Monday 8 June 2026, 2945 on Monday 15 June.
    assert points[(2944, "speed")] == 3.0  # R3 (Fri 12) only
    assert points[(2945, "speed")] == pytest.approx(11 / 3)  # R1, R2 (Mon 15), R4 (Tue 16)
    assert points[(2945, "communication")] == 4.0


async def test_the_pulse_is_the_latest_quarter_asked(db: Database) -> None:
    await data.pulse(db)
    async with db.read() as session:
        latest = await store.pulse(session=session, quarter=20263)
        first = await store.pulse(session=session, quarter=20261)
        none = await store.pulse(session=session, quarter=20254)
    assert latest == (20262, {"communication": (3.0, 2), "quality": (5.0, 1)})
    assert first == (20261, {"communication": (1.0, 1)})
    assert none == (None, {})


async def test_technicians_are_found_by_name_but_requesters_never(month: Database) -> None:
    async with month.read() as session:
        exact = await store.technicians_named(session=session, name="tess SMITH")
        prefix = await store.technicians_named(session=session, name="To")
        requester = await store.technicians_named(session=session, name="Ana Lopez")
        everyone = await store.technicians_named(session=session, name="T")
    assert exact == [(TESS, "Tess Smith")]
    assert prefix == [(TOM, "Tom Baker")]
    assert requester == []
    assert sorted(everyone) == [(TESS, "Tess Smith"), (TOM, "Tom Baker")]
