"""The quarterly pulse: once a quarter to everyone who asked IT for something, anonymous."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine
from slack_sdk.models.blocks import Block
from sqlalchemy import func, select

from adapters.slack.render import render_blocks
from adapters.teams.cards import render_card
from bot import messages as m
from bot.cx import pulse
from bot.jobs import calendar
from bot.jobs.scheduler import Mailing, Scheduler
from bot.settings import Settings
from storage import jobs as job_store
from storage import pulse as pulse_store
from storage.models import PulseInvite, PulseRating, Request
from tests.adapters.adaptive_cards.checks import microsoft_check, schema_errors
from tests.adapters.test_slack_render import check_limits, validate_deeply
from tests.bot.conftest import Delivered, World
from tests.bot.test_calendar import slot_on
from tests.bot.test_journey import ANA, BEN, LEE
from tests.helpers import grant

CAL = "slack:T1:UCAL"  # asked IT for something in the spring only
DEE = "slack:T1:UDEE"  # asked IT for something in October
# Thursday 1 October 2026, 09:00 UTC: the pulse about July to September.
AUTUMN = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


async def opened(world: World, by: str, at: datetime) -> None:
    async with world.db.write() as session:
        session.add(
            Request(code=f"IT-{int(at.timestamp()) % 10**6:06d}", requester=by, title="x",
                    status="closed", created_at=at)
        )  # fmt: skip


async def requests_over_the_year(world: World) -> None:
    await opened(world, CAL, datetime(2026, 5, 2, tzinfo=UTC))
    await opened(world, ANA, datetime(2026, 7, 1, 0, 0, tzinfo=UTC))
    await opened(world, BEN, datetime(2026, 8, 3, tzinfo=UTC))
    await opened(world, BEN, datetime(2026, 9, 30, 23, 59, tzinfo=UTC))
    await opened(world, DEE, datetime(2026, 10, 1, 0, 0, tzinfo=UTC))


def the_pulse(world: World, settings: Settings) -> Mailing:
    return Mailing("pulse", 900, calendar.quarterly(settings), world.desk.pulse.prepare)


async def look(world: World, job: Mailing, at: datetime, owner: str = "one") -> bool:
    with time_machine.travel(at, tick=False):
        fired = await Scheduler(world.db, [job], owner=owner).fire(job)
        await world.flush()
    return fired


def pulse_cards(world: World, identity: str) -> list[Delivered]:
    return [d for d in world.platform.to(identity) if d.card.title == m.PULSE_TITLE]


async def test_once_a_quarter_everyone_who_asked_it_gets_one_pulse(
    world: World, settings: Settings
) -> None:
    await requests_over_the_year(world)
    await grant(world.db, LEE, "lead")
    job = the_pulse(world, settings)
    assert await look(world, job, AUTUMN)
    assert not await look(world, job, AUTUMN + timedelta(hours=2), owner="restarted")
    assert not await look(world, job, AUTUMN + timedelta(days=30))
    assert [len(pulse_cards(world, who)) for who in (ANA, BEN, CAL, DEE, LEE)] == [1, 1, 0, 0, 0]

    # Friday 1 January 2027: October to December's requesters.
    assert await look(world, job, datetime(2027, 1, 1, 9, 0, tzinfo=UTC))
    assert [len(pulse_cards(world, who)) for who in (ANA, BEN, DEE)] == [1, 1, 1]
    async with world.db.read() as session:
        runs = await job_store.runs(session=session, job="pulse")
        invites = list(await session.scalars(select(PulseInvite).order_by(PulseInvite.quarter)))
    assert [(r.slot, r.outcome) for r in runs] == [
        (slot_on(2026, 10, 1), "asked 2 people about quarter 20263"),
        (slot_on(2027, 1, 1), "asked 1 people about quarter 20264"),
    ]
    assert [(i.quarter, i.identity) for i in invites] == [
        (20263, ANA), (20263, BEN), (20264, DEE)
    ]  # fmt: skip

    card = pulse_cards(world, ANA)[0].card
    assert m.PULSE_ANONYMOUS in card.text
    assert [row.question for row in card.rating_rows] == list(m.PULSE_QUESTIONS.values())


async def tap(world: World, who: str, value: str) -> str:
    reply = await world.desk.press(who, pulse.PULSE, value)
    await world.flush()
    return reply.card.text if reply.card is not None else ""


async def test_taps_are_saved_under_the_token_only_and_the_card_shows_them(
    world: World, settings: Settings
) -> None:
    await requests_over_the_year(world)
    assert await look(world, the_pulse(world, settings), AUTUMN)
    first = pulse_cards(world, ANA)[0].card
    token = first.rating_rows[0].buttons[0].value.split(":")[0]
    others = pulse_cards(world, BEN)[0].card.rating_rows[0].buttons[0].value.split(":")[0]
    assert token != others and len(token) >= 30

    with time_machine.travel(AUTUMN + timedelta(days=1), tick=False):
        assert await tap(world, ANA, f"{token}:speed:2") == ""
        assert await tap(world, ANA, f"{token}:speed:4") == ""  # changed her mind
        assert await tap(world, ANA, f"{token}:communication:5") == ""
        assert await tap(world, BEN, f"{others}:speed:1") == ""
        assert await tap(world, BEN, f"{token}:quality:1") == m.PULSE_NOT_YOURS
        assert await tap(world, ANA, f"{token}:mood:3") == m.PULSE_UNKNOWN
        assert await tap(world, ANA, "nonsense") == m.PULSE_UNKNOWN

    updates = pulse_cards(world, ANA)
    assert len(updates) == 4 and all(u.updated_in_place for u in updates[1:])
    chosen = {row.dimension: row.chosen for row in updates[-1].card.rating_rows}
    assert chosen == {"communication": 5, "approachability": None, "speed": 4,
                      "knowledge": None, "quality": None}  # fmt: skip

    async with world.db.read() as session:
        rows = list(await session.scalars(select(PulseRating).order_by(PulseRating.id)))
        figures = await pulse_store.figures(session=session, quarter=20263)
        invited = await session.scalar(
            select(func.count()).select_from(PulseInvite).where(PulseInvite.quarter == 20263)
        )
    assert sorted((r.dimension, r.score) for r in rows) == [
        ("communication", 5), ("speed", 1), ("speed", 4)
    ]  # fmt: skip
    assert figures == {"communication": (5.0, 1), "speed": (2.5, 2)} and invited == 2
    # Nothing in an answer names who gave it.
    for row in rows:
        stored = " ".join(str(value) for value in row.model_dump().values())
        assert "UANA" not in stored and "UBEN" not in stored and "slack:" not in stored
    assert set(PulseRating.model_fields) == {
        "id", "quarter", "token", "dimension", "score", "rated_at"
    }  # fmt: skip

    # Closed after the days a rating card stays open.
    closed = AUTUMN + timedelta(days=settings.survey_open_days, minutes=1)
    with time_machine.travel(closed, tick=False):
        assert await tap(world, ANA, f"{token}:quality:3") == m.PULSE_CLOSED


async def test_the_pulse_is_off_unless_switched_on_and_a_late_start_waits() -> None:
    assert Settings().quarterly_pulse is False
    switched_on = Settings(CXBOT_QUARTERLY_PULSE="1")
    assert switched_on.quarterly_pulse is True
    # Switched on in November: the October pulse is past its grace, the next is in January.
    quarterly = calendar.quarterly(switched_on)
    assert quarterly.latest(datetime(2026, 11, 20, tzinfo=UTC)) is None


def test_the_pulse_card_is_valid_on_slack_and_teams(tmp_path: Path) -> None:
    token = "t" * 32
    cards = {
        "none": pulse.pulse_card(token, {}, days=14),
        "some": pulse.pulse_card(token, {"speed": 3}, days=14),
        "closed": pulse.pulse_card(token, {"speed": 3}, days=14, open_=False),
    }
    for card in cards.values():
        blocks = render_blocks(card)
        for block in Block.parse_all(blocks):
            validate_deeply(block)
        check_limits(blocks)
    teams = {name: render_card(card) for name, card in cards.items()}
    assert {name: schema_errors(card) for name, card in teams.items()} == {
        name: [] for name in teams
    }
    report = microsoft_check(teams, tmp_path)
    assert {name: r["errors"] for name, r in report.items()} == {name: [] for name in teams}
