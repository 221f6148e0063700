"""The leads' digests: once a week whatever restarts and replicas do, and the day's low scores."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine
from slack_sdk.models.blocks import Block

from adapters.slack.render import render_blocks
from adapters.teams.cards import render_card
from bot import messages as m
from bot.cx.summary import Summaries
from bot.jobs import calendar
from bot.jobs.digests import Digests, low_scores_card
from bot.jobs.scheduler import Mailing, Scheduler
from bot.settings import Settings
from bot.views import Card, dump_card
from storage import jobs as job_store
from storage import people as people_store
from storage.db import Database
from storage.digests import LowScore
from storage.models import Rating, Request, Survey
from tests.adapters.adaptive_cards.checks import microsoft_check, schema_errors
from tests.adapters.test_slack_render import check_limits, validate_deeply
from tests.bot.conftest import World
from tests.bot.test_calendar import slot_on
from tests.bot.test_journey import ANA, BEN, LEE, TESS
from tests.helpers import grant

KIM = "slack:T1:UKIM"  # a second lead
PARIS_NINE = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # Monday 7 December, 09:00 in Paris


def paris(settings: Settings) -> Settings:
    return settings.model_copy(update={"timezone": "Europe/Paris"})


class Summary:
    """The summary's weekly digest card; can be told to fail once."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.summaries = Summaries(db, settings)
        self.fail = False

    async def digest(self, *, days: int) -> Card:
        if self.fail:
            self.fail = False
            raise RuntimeError("the database went away for a moment")
        return await self.summaries.digest(days=days)


async def leads(world: World) -> None:
    await grant(world.db, LEE, "lead")
    await grant(world.db, KIM, "lead")
    await grant(world.db, TESS, "technician")


def weekly(world: World, settings: Settings, summary: Summary) -> Mailing:
    digests = Digests(world.db, settings, digest=summary.digest)
    return Mailing("weekly-digest", 900, calendar.weekly(settings), digests.weekly)


def digests_to(world: World, identity: str) -> int:
    title = m.SUMMARY_TITLE_TEAM.format(period=m.PERIOD_LAST_DAYS.format(days=7))
    return world.platform.titles_to(identity).count(title)


async def look(world: World, scheduler: Scheduler, job: Mailing, at: datetime) -> bool:
    with time_machine.travel(at, tick=False):
        fired = await scheduler.fire(job)
        await world.flush()
    return fired


async def test_the_digest_goes_to_each_lead_once_a_week_across_restarts(
    world: World, settings: Settings
) -> None:
    await leads(world)
    job = weekly(world, paris(settings), Summary(world.db, settings))
    first = Scheduler(world.db, [job], owner="first", wake=world.dispatcher.wake)
    assert await look(world, first, job, PARIS_NINE)
    assert [digests_to(world, who) for who in (LEE, KIM, TESS, ANA)] == [1, 1, 0, 0]

    # Restarted twenty minutes later: the week's digest has gone, it does not go again.
    again = Scheduler(world.db, [job], owner="restarted")
    assert not await look(world, again, job, PARIS_NINE + timedelta(minutes=20))
    assert not await look(world, again, job, PARIS_NINE + timedelta(days=3))

    # Down at 09:00 the next Monday, back at 09:40: it catches up once.
    late = Scheduler(world.db, [job], owner="late")
    next_week = PARIS_NINE + timedelta(days=7)
    assert not await look(world, late, job, next_week - timedelta(minutes=1))
    assert await look(world, late, job, next_week + timedelta(minutes=40))
    assert not await look(world, late, job, next_week + timedelta(minutes=55))
    assert [digests_to(world, who) for who in (LEE, KIM)] == [2, 2]

    # Down for two whole weeks: only the latest week's digest, not the one it missed.
    assert await look(world, late, job, next_week + timedelta(days=15))
    assert [digests_to(world, who) for who in (LEE, KIM)] == [3, 3]
    async with world.db.read() as session:
        runs = await job_store.runs(session=session, job="weekly-digest")
    assert [r.slot for r in runs] == [
        slot_on(2026, 12, 7),
        slot_on(2026, 12, 14),
        slot_on(2026, 12, 28),
    ]
    assert {r.owner for r in runs} == {"first", "late"}
    assert runs[0].outcome == "sent the weekly digest to 2 leads"


async def test_a_digest_that_fails_is_sent_at_the_next_look_not_skipped(
    world: World, settings: Settings
) -> None:
    await leads(world)
    summary = Summary(world.db, settings)
    job = weekly(world, paris(settings), summary)
    scheduler = Scheduler(world.db, [job])
    summary.fail = True
    assert not await look(world, scheduler, job, PARIS_NINE)
    assert digests_to(world, LEE) == 0
    assert await look(world, scheduler, job, PARIS_NINE + timedelta(minutes=15))
    assert [digests_to(world, who) for who in (LEE, KIM)] == [1, 1]


async def test_two_replicas_looking_together_send_one_digest_per_lead(
    world: World, settings: Settings
) -> None:
    await leads(world)
    other_db = Database(settings.database_url)  # the second replica has its own pool
    zone = paris(settings)
    a = weekly(world, zone, Summary(world.db, settings))
    b = Mailing(
        "weekly-digest",
        900,
        calendar.weekly(zone),
        Digests(other_db, zone, digest=Summary(other_db, zone).digest).weekly,
    )
    try:
        with time_machine.travel(PARIS_NINE + timedelta(seconds=1), tick=False):
            fired = await asyncio.gather(
                Scheduler(world.db, [a], owner="a").fire(a),
                Scheduler(other_db, [b], owner="b").fire(b),
            )
            await world.flush()
    finally:
        await other_db.dispose()
    assert sorted(fired) == [False, True]
    assert [digests_to(world, who) for who in (LEE, KIM)] == [1, 1]


async def rated(
    db: Database, code: str, by: str, at: datetime, scores: dict[str, int], **survey: object
) -> None:
    async with db.write() as session:
        request = Request(code=code, requester=by, title=f"Request {code}", status="closed")
        session.add(request)
        await session.flush()
        session.add(Survey(request_id=request.id, requester=by, closes_at=at, **survey))
        for dimension, score in scores.items():
            session.add(
                Rating(
                    request_id=request.id, rater=by, dimension=dimension, score=score, rated_at=at
                )
            )


async def test_each_morning_leads_get_the_day_befores_low_scores_without_anonymous_names(
    world: World, settings: Settings
) -> None:
    await leads(world)
    zone = paris(settings)
    async with world.db.write() as session:
        await people_store.remember_name(session=session, identity=ANA, name="Ana Lima")
        await people_store.remember_name(session=session, identity=BEN, name="Ben Hidden")
    # Sunday 6 December in Paris runs from 23:00 UTC on the 5th to 23:00 UTC on the 6th.
    sunday = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    await rated(world.db, "IT-AAAAA1", ANA, sunday, {"speed": 1, "communication": 2},
                comment="Nobody called back")  # fmt: skip
    await rated(world.db, "IT-BBBBB2", BEN, sunday, {"quality": 2, "speed": 4},
                comment="Still broken", anonymous=True)  # fmt: skip
    await rated(world.db, "IT-CCCCC3", ANA, datetime(2026, 12, 5, 22, 59, tzinfo=UTC), {"speed": 1})
    await rated(world.db, "IT-DDDDD4", ANA, datetime(2026, 12, 6, 23, 0, tzinfo=UTC), {"speed": 1})
    await rated(world.db, "IT-EEEEE5", ANA, sunday, {"speed": 3})

    digests = Digests(world.db, zone)
    job = Mailing("low-scores", 900, calendar.daily(zone), digests.low_scores)
    scheduler = Scheduler(world.db, [job])
    for day in range(3):
        assert await look(world, scheduler, job, PARIS_NINE + timedelta(days=day))

    sent = world.platform.to(LEE)
    assert len(sent) == 2 and len(world.platform.to(KIM)) == 2 and not world.platform.to(TESS)
    assert [f.label for f in sent[1].card.fields] == ["IT-DDDDD4"]  # 00:00 Monday in Paris
    card = sent[0].card
    assert card.title == m.LOW_SCORES_TITLE.format(day="Sunday 6 December")
    fields = {f.label: f.value for f in card.fields}
    # The anonymous one goes without its code: any lead could look the code up.
    assert list(fields) == ["IT-AAAAA1", m.FOLLOWUPS_ANONYMOUS_ITEM]
    assert fields["IT-AAAAA1"].splitlines() == [
        "Communication 2 · Speed 1",
        "“Nobody called back”",
        m.LOW_SCORE_FROM.format(name="Ana Lima"),
    ]
    assert fields[m.FOLLOWUPS_ANONYMOUS_ITEM].splitlines() == [
        "Quality 2",
        "“Still broken”",
        m.LOW_SCORE_ANONYMOUS,
    ]
    everything = json.dumps(dump_card(card)) + json.dumps(render_blocks(card))
    assert "Ben" not in everything and "UBEN" not in everything and "IT-BBBBB2" not in everything
    async with world.db.read() as session:
        outcomes = [r.outcome for r in await job_store.runs(session=session, job="low-scores")]
    assert outcomes == [
        "sent 3 low scores of 2026-12-06 to 2 leads",
        "sent 1 low scores of 2026-12-07 to 2 leads",
        "no low scores on 2026-12-08",
    ]


def test_the_low_scores_card_is_valid_on_slack_and_teams(tmp_path: Path) -> None:
    scores = [
        LowScore(
            n,
            f"IT-{n:06d}" if n % 3 else None,
            n,
            "speed",
            1,
            "x" * 3000 if n % 2 else None,
            ANA if n % 3 else None,
        )
        for n in range(14)
    ]
    card = low_scores_card(datetime(2026, 12, 6).date(), scores, {ANA: "Ana"})
    assert len(card.fields) == 10
    assert m.LOW_SCORES_MORE.format(count=4) in card.text
    blocks = render_blocks(card)
    for block in Block.parse_all(blocks):
        validate_deeply(block)
    check_limits(blocks)
    teams = render_card(card)
    assert schema_errors(teams) == []
    report = microsoft_check({"low scores": teams}, tmp_path)
    assert report["low scores"]["errors"] == []
