"""A survey's life with a frozen clock: who is asked, the one reminder, expiry, a reopen,
and who the ratings are credited to."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from bot import messages as m
from bot.cx.surveys import Surveys, sampled_in
from bot.requests.statuses import Status
from storage import ratings as rating_store
from storage import requests as request_store
from storage.models import Survey
from storage.ratings import Skipped
from tests.bot.conftest import Delivered, World
from tests.helpers import grant

ANA = "slack:T1:UANA"  # employee
BEN = "slack:T1:UBEN"  # another employee
TESS = "slack:T1:UTESS"  # technician
MAX = "slack:T1:UMAX"  # another technician
SAM = "slack:T1:USAM"  # a third
CODE = re.compile(r"IT-[0-9A-Z]{6}")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
# Codes drawn once; which of them a sampling rate asks about, computed once from
# sha256 and written down, so a change to the draw shows here.
CODES = ["IT-7XW2ZF", "IT-FREZ97", "IT-CHC5RP", "IT-409S3V", "IT-D530FJ", "IT-H5PJD1",
         "IT-VKZXVD", "IT-87VQE3", "IT-WJJHQJ", "IT-DYW4SG", "IT-DZV08S", "IT-MVJSCT"]  # fmt: skip
ASKED_AT_HALF = {"IT-FREZ97", "IT-409S3V", "IT-D530FJ", "IT-VKZXVD", "IT-WJJHQJ", "IT-DZV08S",
                 "IT-MVJSCT"}  # fmt: skip
ASKED_AT_QUARTER = {"IT-FREZ97", "IT-WJJHQJ", "IT-MVJSCT"}


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
async def staffed(world: World) -> World:
    await grant(world.db, TESS, "technician")
    await grant(world.db, MAX, "technician")
    return world


async def open_request(world: World, text: str = "My laptop will not connect to VPN") -> str:
    reply = await world.desk.track(ANA, text)
    assert reply.card is not None and not reply.problem
    found = CODE.search(reply.card.text)
    assert found, reply.card.text
    return found.group(0)


async def resolved(world: World, text: str = "Printer on floor 2 is jammed") -> str:
    code = await open_request(world, text)
    await world.desk.track(TESS, f"take {code}")
    await world.desk.track(TESS, f"update {code} Clearing the jam now")
    reply = await world.desk.track(TESS, f"resolve {code}")
    assert reply.card is not None and not reply.problem, reply.card
    await world.flush()
    return code


def rating_cards(world: World, code: str) -> list[Delivered]:
    return [
        d
        for d in world.platform.to(ANA)
        if (d.card_key or "").startswith("survey:") and code in d.card.title
    ]


def reminders(world: World, code: str) -> list[Delivered]:
    return [
        d
        for d in world.platform.to(ANA)
        if d.op == "post" and d.card.text.startswith("A quick tap helps") and code in d.card.text
    ]


async def survey_of(world: World, code: str) -> Survey:
    async with world.db.read() as session:
        request = await request_store.get_by_code(session=session, code=code)
        assert request is not None
        survey = await rating_store.get_survey(session=session, request_id=request.id)
    assert survey is not None
    return survey


async def credits_of(world: World, code: str) -> list[str]:
    async with world.db.read() as session:
        request = await request_store.get_by_code(session=session, code=code)
        assert request is not None
        return await rating_store.credits(session=session, request_id=request.id)


async def tick(world: World, clock: time_machine.Coordinates, **delta: float) -> str:
    """Moves the clock on, runs the timed job, and delivers what it wrote."""
    clock.shift(timedelta(**delta))
    outcome = await world.desk.surveys.expire_and_remind()
    await world.flush()
    return outcome


def taps(card: Delivered) -> int:
    """The buttons on a card: the scores, and the others (a comment, anonymity)."""
    return sum(len(row.buttons) for row in card.card.rating_rows) + len(card.card.buttons)


# --- who is asked ---------------------------------------------------------------------------


async def test_people_asked_recently_are_counted_not_asked(
    staffed: World, clock: time_machine.Coordinates
) -> None:
    staffed.desk.settings.survey_cooldown_days = 7
    first = await resolved(staffed, "Printer on floor 2 is jammed")
    clock.shift(timedelta(days=3))
    second = await resolved(staffed, "Need access to the finance share")
    assert len(rating_cards(staffed, first)) == 1
    assert rating_cards(staffed, second) == []
    skipped = await survey_of(staffed, second)
    assert skipped.skipped == Skipped.FATIGUE and skipped.closed_at == START + timedelta(days=3)
    # Its card was never seen, so it does not push the cooldown on: day 7 counts from the first.
    clock.shift(timedelta(days=4))
    third = await resolved(staffed, "Monitor flickers")
    assert len(rating_cards(staffed, third)) == 1
    async with staffed.db.read() as session:
        last = await rating_store.last_survey_sent(session=session, requester=ANA)
        counted = await session.execute(
            select(Survey.skipped, func.count()).group_by(Survey.skipped)
        )
        rows = {skipped: count for skipped, count in counted}
    assert last == START + timedelta(days=7)
    assert rows == {None: 2, "fatigue": 1}
    # A tap made up for the skipped one is refused politely.
    reply = await staffed.desk.press(ANA, "rate", f"{second}:speed:5")
    assert reply.problem and reply.card is not None
    assert reply.card.text == m.RATE_CLOSED.format(code=second)


def test_the_sampling_draw_is_fixed_per_request() -> None:
    assert {code for code in CODES if sampled_in(code, 0.5)} == ASKED_AT_HALF
    assert {code for code in CODES if sampled_in(code, 0.25)} == ASKED_AT_QUARTER
    assert all(sampled_in(code, 1.0) for code in CODES)


async def test_sampling_asks_about_exactly_the_drawn_requests(
    staffed: World, clock: time_machine.Coordinates
) -> None:
    staffed.desk.settings.survey_sample_rate = 0.5
    async with staffed.db.write() as session:
        for code in CODES:
            await request_store.add_request(
                session=session, code=code, requester=ANA, title=code, status=Status.ASSIGNED
            )
    answers = {}
    for code in CODES:
        reply = await staffed.desk.track(TESS, f"resolve {code}")
        assert reply.card is not None
        answers[code] = reply.card.text == m.RESOLVED_ACK.format(code=code)
    await staffed.flush()
    assert {code for code, asked in answers.items() if asked} == ASKED_AT_HALF
    asked = {code for code in CODES if rating_cards(staffed, code)}
    assert asked == ASKED_AT_HALF
    for code in set(CODES) - ASKED_AT_HALF:
        assert (await survey_of(staffed, code)).skipped == Skipped.SAMPLED


# --- the reminder and expiry ------------------------------------------------------------------


async def test_one_reminder_halfway_and_none_after_a_tap(
    staffed: World, clock: time_machine.Coordinates
) -> None:
    quiet = await resolved(staffed, "Printer on floor 2 is jammed")
    tapped = await resolved(staffed, "Need access to the finance share")
    await staffed.desk.press(ANA, "rate", f"{tapped}:speed:4")
    assert (await survey_of(staffed, tapped)).answered_at == START
    clock.shift(timedelta(hours=1))
    await staffed.desk.press(ANA, "rate", f"{tapped}:speed:5")
    assert (await survey_of(staffed, tapped)).answered_at == START  # the first tap

    assert await tick(staffed, clock, days=7, hours=-2) == "closed 0 surveys; reminded 0"
    assert reminders(staffed, quiet) == []
    assert await tick(staffed, clock, hours=1) == "closed 0 surveys; reminded 1"
    [reminder] = reminders(staffed, quiet)
    assert reminder.card.text == m.SURVEY_REMINDER.format(
        code=quiet, title="Printer on floor 2 is jammed", until="Monday 16 March"
    )
    assert (await survey_of(staffed, quiet)).reminded_at == START + timedelta(days=7)
    for hours in (0, 1, 24):
        await tick(staffed, clock, hours=hours)
    assert len(reminders(staffed, quiet)) == 1
    assert reminders(staffed, tapped) == []


async def test_at_expiry_the_card_closes_in_place_and_taps_are_refused(
    staffed: World, clock: time_machine.Coordinates
) -> None:
    code = await resolved(staffed)
    await staffed.desk.press(ANA, "rate", f"{code}:quality:5")
    await staffed.flush()
    clock.shift(timedelta(days=14, seconds=-1))
    reply = await staffed.desk.press(ANA, "rate", f"{code}:speed:4")  # still open
    assert not reply.problem
    await staffed.flush()
    before = len(rating_cards(staffed, code))

    assert await tick(staffed, clock, seconds=1) == "closed 1 surveys; reminded 0"
    cards = rating_cards(staffed, code)
    assert len(cards) == before + 1
    closed = cards[-1]
    assert closed.updated_in_place and taps(closed) == 0
    assert closed.card.footer == m.SURVEY_CLOSED.format(code=code)
    assert {row.dimension: row.chosen for row in closed.card.rating_rows if row.chosen} == {
        "quality": 5,
        "speed": 4,
    }
    assert (await survey_of(staffed, code)).closed_at == START + timedelta(days=14)

    reply = await staffed.desk.press(ANA, "rate", f"{code}:speed:1")
    assert reply.problem and reply.card is not None
    assert reply.card.text == m.RATE_CLOSED.format(code=code)
    assert await tick(staffed, clock, days=1) == "closed 0 surveys; reminded 0"
    assert len(rating_cards(staffed, code)) == before + 1
    async with staffed.db.read() as session:
        request = await request_store.get_by_code(session=session, code=code)
        assert request is not None
        kept = await rating_store.ratings_for(session=session, request_id=request.id, rater=ANA)
    assert kept == {"quality": 5, "speed": 4}


async def test_a_backlog_is_worked_through_in_batches(
    staffed: World, clock: time_machine.Coordinates
) -> None:
    staffed.desk.surveys.batch = 2
    codes = [await resolved(staffed, f"Request number {n}") for n in range(5)]
    assert await tick(staffed, clock, days=8) == "closed 0 surveys; reminded 5"
    assert await tick(staffed, clock, days=8) == "closed 5 surveys; reminded 0"
    for code in codes:
        assert len(reminders(staffed, code)) == 1
        assert rating_cards(staffed, code)[-1].card.footer == m.SURVEY_CLOSED.format(code=code)


async def test_two_replicas_remind_and_close_each_survey_once(
    staffed: World, clock: time_machine.Coordinates
) -> None:
    codes = [await resolved(staffed, f"Request number {n}") for n in range(6)]
    replicas = [staffed.desk.surveys, Surveys(staffed.db, staffed.desk.settings, lambda: None)]
    for replica in replicas:
        replica.batch = 2
    clock.shift(timedelta(days=7))
    await asyncio.gather(*(replica.expire_and_remind() for replica in replicas))
    clock.shift(timedelta(days=7))
    await asyncio.gather(*(replica.expire_and_remind() for replica in replicas))
    await staffed.flush()
    for code in codes:
        assert len(reminders(staffed, code)) == 1
        closing = [d for d in rating_cards(staffed, code) if d.card.footer]
        assert len(closing) == 1


# --- a reopen ----------------------------------------------------------------------------------


async def test_a_reopen_cancels_the_card_and_resolving_again_opens_it(
    staffed: World, clock: time_machine.Coordinates
) -> None:
    staffed.desk.settings.survey_cooldown_days = 7
    code = await resolved(staffed)
    await tick(staffed, clock, days=7)
    assert len(reminders(staffed, code)) == 1

    await staffed.desk.track(ANA, f"reopen {code} Still jammed")
    await staffed.flush()
    cancelled = rating_cards(staffed, code)[-1]
    assert cancelled.updated_in_place and taps(cancelled) == 0
    assert cancelled.card.footer == m.SURVEY_CANCELLED
    assert (await survey_of(staffed, code)).closed_at == START + timedelta(days=7)
    reply = await staffed.desk.press(ANA, "rate", f"{code}:speed:4")
    assert reply.problem and reply.card is not None
    assert reply.card.text == m.RATE_NOT_OPEN.format(code=code)

    # Resolved again a day later: asked within the cooldown, but it is the same survey.
    clock.shift(timedelta(days=1))
    reply = await staffed.desk.track(TESS, f"resolve {code} Replaced the roller")
    assert reply.card is not None and reply.card.text == m.RESOLVED_ACK.format(code=code)
    await staffed.flush()
    reopened = rating_cards(staffed, code)[-1]
    assert reopened.updated_in_place and not reopened.card.footer
    assert sum(len(row.buttons) for row in reopened.card.rating_rows) == 25
    survey = await survey_of(staffed, code)
    assert survey.closed_at is None and survey.reminded_at is None and survey.skipped is None
    assert survey.closes_at == START + timedelta(days=22)
    reply = await staffed.desk.press(ANA, "rate", f"{code}:speed:4")
    assert not reply.problem
    # Tapped this time: no second reminder, and the card closes at its new time.
    assert await tick(staffed, clock, days=7) == "closed 0 surveys; reminded 0"
    assert await tick(staffed, clock, days=7) == "closed 1 surveys; reminded 0"


async def test_a_reopen_after_expiry_leaves_the_closed_card_alone(
    staffed: World, clock: time_machine.Coordinates
) -> None:
    code = await resolved(staffed)
    await tick(staffed, clock, days=15)
    count = len(rating_cards(staffed, code))
    await staffed.desk.track(ANA, f"reopen {code}")
    await staffed.flush()
    assert len(rating_cards(staffed, code)) == count
    assert rating_cards(staffed, code)[-1].card.footer == m.SURVEY_CLOSED.format(code=code)


# --- attribution ---------------------------------------------------------------------------


async def test_ratings_stay_with_who_worked_the_request_after_a_reassignment(
    staffed: World, clock: time_machine.Coordinates
) -> None:
    await grant(staffed.db, SAM, "technician")
    code = await open_request(staffed)
    await staffed.desk.track(TESS, f"take {code}")
    await staffed.desk.track(MAX, f"update {code} The spare roller is on its way")
    await staffed.desk.track(TESS, f"resolve {code}")
    assert await credits_of(staffed, code) == sorted([MAX, TESS])

    await staffed.desk.track(ANA, f"reopen {code} Still jammed")  # the requester: no credit
    await staffed.desk.track(SAM, f"take {code}")
    assert await credits_of(staffed, code) == sorted([MAX, TESS])  # a snapshot
    await staffed.desk.track(SAM, f"resolve {code} Replaced the roller")
    assert await credits_of(staffed, code) == sorted([MAX, SAM, TESS])

    clock.shift(timedelta(days=6))
    await staffed.desk.requests.close_resolved()  # cxbot itself is on the timeline now
    await staffed.desk.track(ANA, f"reopen {code}")
    await staffed.desk.track(SAM, f"resolve {code}")
    assert await credits_of(staffed, code) == sorted([MAX, SAM, TESS])


async def test_a_request_left_out_still_records_who_worked_it(
    staffed: World, clock: time_machine.Coordinates
) -> None:
    staffed.desk.settings.survey_cooldown_days = 7
    await resolved(staffed)
    code = await open_request(staffed, "Need access to the finance share")
    await staffed.desk.track(MAX, f"resolve {code}")
    assert (await survey_of(staffed, code)).skipped == Skipped.FATIGUE
    assert await credits_of(staffed, code) == [MAX]
