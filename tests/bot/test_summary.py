"""/cx-summary, the digest and /cx-me on a small team's month (tests/summary_data.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from bot import messages as m
from bot.cx import summary_cards as cards
from bot.cx.periods import Period
from bot.cx.summary import Figures, Scope, Summaries
from bot.errors import BadInput, NotAllowed
from bot.people import Person, Role
from bot.settings import Settings
from bot.views import Card, dump_card
from storage.db import Database
from storage.measured import Measured
from storage.summary import Responses, Scores
from tests import summary_data as data
from tests.summary_data import ANA, BOB, LEE, NOW, TESS, TOM

LEAD = Person(LEE, frozenset({Role.LEAD}))
TECHNICIAN = Person(TESS, frozenset({Role.TECHNICIAN}))
EMPLOYEE = Person(ANA)


def everything_in(card: Card) -> str:
    return json.dumps(dump_card(card), ensure_ascii=False)


def summaries(db: Database, settings: Settings, least: int = 3) -> Summaries:
    found = Summaries(db, settings.model_copy(update={"summary_min_ratings": least}))
    found.clock = lambda: NOW
    return found


@pytest.fixture
async def month(db: Database) -> Database:
    await data.a_team_month(db)
    await data.follow_ups(db)
    await data.pulse(db)
    return db


async def test_the_lead_reads_each_dimension_with_its_change_and_spread(
    month: Database, settings: Settings
) -> None:
    card = await summaries(month, settings).summary(LEAD, "7d")
    labels = [f.label for f in card.fields]
    assert labels[:5] == ["Communication", "Approachability", "Speed", "Technical knowledge",
                          "Quality"]  # fmt: skip
    fields = {f.label: f.value for f in card.fields}
    assert fields["Speed"] == (
        "████░  3.5 / 5 · 4 ratings\n▲ 1.0 (was 2.5)\nscores 1 to 5: 0 · 1 · 1 · 1 · 1"
    )
    assert fields["Communication"].endswith(m.CHANGE_NONE + "\nscores 1 to 5: 0 · 1 · 0 · 2 · 0")
    assert fields["Quality"] == m.NO_RATINGS
    assert fields[m.SUMMARY_RESPONSES].startswith("4 of 4 rating cards answered (100%)")
    assert fields[m.SUMMARY_MEASURED].split("\n") == [
        "First response: 45 min (median)",
        "Time to resolve: 2.6 days (median)",
        "Updated every working day: 2 of 4 requests (50%)",
        "Speed with daily updates: 4.5 (2 ratings) · without: 2.5 (2 ratings)",
    ]
    assert card.title == "CX summary · last 7 days"
    assert card.text == m.FOCUS_FEW.format(rated="4 rated requests")


async def test_technician_rows_show_from_the_threshold_and_say_how_many_are_hidden(
    month: Database, settings: Settings
) -> None:
    card = await summaries(month, settings, least=3).summary(LEAD, "7d")
    rows = {f.label: f.value for f in card.fields}[m.SUMMARY_TECHNICIANS].split("\n")
    assert rows == [m.TECHNICIANS_HEAD, "Tess Smith: 3.3 · – · 4.0 · – · –",
                    m.TECHNICIANS_HIDDEN_ONE.format(least=3)]  # fmt: skip
    card = await summaries(month, settings, least=5).summary(LEAD, "7d")
    rows = {f.label: f.value for f in card.fields}[m.SUMMARY_TECHNICIANS].split("\n")
    assert rows == [m.TECHNICIANS_HIDDEN.format(n=2, least=5)]
    assert "Tess" not in everything_in(card) and "Tom" not in everything_in(card)


async def test_follow_ups_comments_and_the_pulse_are_listed(
    month: Database, settings: Settings
) -> None:
    card = await summaries(month, settings).summary(LEAD, "")
    follow_ups, comments = card.lists
    assert follow_ups.title == m.FOLLOW_UPS_TITLE.format(n=2)
    assert [(i.code, i.status) for i in follow_ups.items] == [
        ("IT-000003", "open 4 days"), ("IT-000004", "open 1 day")
    ]  # fmt: skip
    assert [(i.code, i.title, i.status) for i in comments.items] == [
        # No code for an anonymous comment: a code leads to who asked.
        (m.FOLLOWUPS_ANONYMOUS_ITEM, "“Slow start”", m.COMMENT_ANONYMOUS),
        ("IT-000001", "“Quick and kind”", "Ana Lopez"),
    ]
    pulse = {f.label: f.value for f in card.fields}[m.SUMMARY_PULSE]
    assert pulse == "Q2 2026, 2 answers\nCommunication 3.0 · Quality 5.0"


async def test_an_anonymous_requester_never_appears_in_the_leads_summary(
    month: Database, settings: Settings
) -> None:
    shown = everything_in(await summaries(month, settings).summary(LEAD, "30d"))
    assert "Slow start" in shown
    assert "Bob" not in shown and BOB not in shown and "UBOB" not in shown


async def test_the_summary_carries_the_weekly_chart(month: Database, settings: Settings) -> None:
    card = await summaries(month, settings).summary(LEAD, "7d")
    assert card.image is not None and card.image.png_base64
    assert "2 weeks from 8 Jun to 15 Jun" in card.image.alt
    empty = await summaries(month, settings).summary(LEAD, "2025-01-01..2025-01-31")
    assert empty.image is None and empty.text == m.FOCUS_NONE.format(period=empty.title[13:])


async def test_one_technician_by_mention_or_by_name(month: Database, settings: Settings) -> None:
    by_mention = await summaries(month, settings).summary(LEAD, "7d @slack:T1:UTESS")
    by_name = await summaries(month, settings).summary(LEAD, "tess smith 7d")
    assert by_mention == by_name
    # Typed by hand, without the platform's autocomplete; a range typed with spaces.
    assert await summaries(month, settings).summary(LEAD, "7d @Tess Smith") == by_name
    ranged = await summaries(month, settings).summary(LEAD, "2026-06-01 .. 2026-06-30 Tess Smith")
    assert ranged.title.startswith("CX summary · Tess Smith · ")
    assert by_name.title == "CX summary · Tess Smith · last 7 days"
    fields = {f.label: f.value for f in by_name.fields}
    assert fields["Speed"].startswith("████░  4.0 / 5 · 3 ratings")
    assert m.SUMMARY_TECHNICIANS not in fields
    too_few = await summaries(month, settings).summary(LEAD, "7d Tom")
    assert too_few.text == m.SCOPE_TOO_FEW.format(
        name="Tom Baker", rated="2 rated requests", least=3
    )
    assert not too_few.fields


async def test_a_name_that_is_unknown_or_ambiguous_gets_a_polite_answer(
    month: Database, settings: Settings
) -> None:
    with pytest.raises(BadInput) as unknown:
        await summaries(month, settings).summary(LEAD, "30d Zed")
    assert unknown.value.message == m.SCOPE_UNKNOWN.format(words="Zed")
    with pytest.raises(BadInput) as ambiguous:
        await summaries(month, settings).summary(LEAD, "T")
    assert "Tess Smith, Tom Baker" in ambiguous.value.message
    with pytest.raises(BadInput):
        await summaries(month, settings).summary(LEAD, "Ana Lopez")  # a requester


async def test_only_leads_read_the_summary_but_the_digest_needs_no_one(
    month: Database, settings: Settings
) -> None:
    with pytest.raises(NotAllowed):
        await summaries(month, settings).summary(TECHNICIAN, "7d")
    digest = await summaries(month, settings).digest(days=7)
    assert digest.title == "CX summary · last 7 days"
    assert digest.fields == (await summaries(month, settings).summary(LEAD, "7d")).fields


async def test_a_technician_sees_their_own_against_the_team_and_nobody_else(
    month: Database, settings: Settings
) -> None:
    card = await summaries(month, settings, least=3).mine(TECHNICIAN, "7d")
    fields = {f.label: f.value for f in card.fields}
    assert fields["Speed"] == "You: 4.0 (3 ratings) · team: 3.5 (4 ratings)"
    assert fields["Quality"] == m.MINE_TEAM_ONLY.format(team=m.NO_RATINGS)
    (comments,) = card.lists
    assert {i.title for i in comments.items} == {"“Slow start”", "“Quick and kind”"}
    shown = everything_in(card)
    for someone in (TOM, "Tom", ANA, "Ana", BOB, "Bob", LEE, "Lee", "UTOM", "UANA"):
        assert someone not in shown
    few = await summaries(month, settings, least=5).mine(TECHNICIAN, "7d")
    assert few.text == m.MINE_TOO_FEW.format(rated="3 rated requests", least=5)
    assert {f.label: f.value for f in few.fields}["Speed"] == "Team: 3.5 (4 ratings)"


async def test_cx_me_is_for_staff_and_takes_only_a_period(
    month: Database, settings: Settings
) -> None:
    with pytest.raises(NotAllowed):
        await summaries(month, settings).mine(EMPLOYEE, "")
    with pytest.raises(BadInput):
        await summaries(month, settings).mine(TECHNICIAN, "7d @slack:T1:UTOM")


# --- what to work on first ---------------------------------------------------------------


def figures(**changes) -> Figures:
    period = Period(NOW - timedelta(days=30), NOW, "last 30 days")
    good = (Scores((0, 0, 0, 10, 10)), Scores((0, 0, 0, 10, 10)))
    base = Figures(
        period=period, scope=Scope(), scores={k: good for k in
        ("communication", "approachability", "speed", "knowledge", "quality")},
        responses=Responses(sent=40, answered=20), measured=Measured(0, None, None, 0,
        (None, 0), (None, 0)), technicians=[], hidden=0, follow_ups=(0, []), comments=[],
        pulse=(None, {}), least=5, now=NOW,
    )  # fmt: skip
    return replace(base, **changes)


def with_scores(**scores: tuple[Scores, Scores]) -> Figures:
    return figures(scores={**figures().scores, **scores})


def test_focus_all_good() -> None:
    assert cards.focus(figures()) == m.FOCUS_ALL_GOOD


def test_focus_no_ratings() -> None:
    assert cards.focus(figures(scores={})) == m.FOCUS_NONE.format(period="last 30 days")


def test_focus_few_answers_comes_before_anything_else() -> None:
    low_rate = figures(responses=Responses(sent=100, answered=20))
    assert cards.focus(low_rate) == m.FOCUS_FEW.format(rated="20 rated requests")
    dropped = (Scores((9, 0, 0, 0, 0)), Scores((0, 0, 0, 0, 9)))
    low_and_dropped = replace(with_scores(speed=dropped), responses=low_rate.responses)
    assert cards.focus(low_and_dropped) == m.FOCUS_FEW.format(rated="20 rated requests")
    assert cards.focus(with_scores(speed=dropped)) == m.FOCUS_DROP.format(label="Speed", delta=4)


def test_focus_the_biggest_drop() -> None:
    fell = (Scores((0, 0, 10, 10, 0)), Scores((0, 0, 0, 10, 10)))  # 4.5 → 3.5
    less = (Scores((0, 0, 5, 10, 5)), Scores((0, 0, 0, 10, 10)))  # 4.5 → 4.0
    text = cards.focus(with_scores(quality=fell, communication=less))
    assert text == m.FOCUS_DROP.format(label="Quality", delta=1.0)


def test_focus_regular_updates_when_the_teams_own_data_shows_they_help() -> None:
    helped = Measured(20, 60.0, 3600.0, 10, (4.6, 10), (3.4, 10))
    assert cards.focus(figures(measured=helped)) == m.FOCUS_UPDATES.format(
        regular=4.6, irregular=3.4
    )
    mostly_regular = replace(helped, regular=18)
    assert cards.focus(figures(measured=mostly_regular)) == m.FOCUS_ALL_GOOD


def test_focus_the_lower_leading_indicator_before_a_lower_other_dimension() -> None:
    low = (Scores((0, 0, 10, 10, 0)), Scores((0, 0, 10, 10, 0)))  # 3.5, no change
    lower = (Scores((0, 10, 10, 0, 0)), Scores((0, 10, 10, 0, 0)))  # 2.5
    text = cards.focus(with_scores(approachability=low, knowledge=lower))
    assert text == m.FOCUS_LEADING.format(label="Approachability", average=3.5)
    assert cards.focus(with_scores(knowledge=lower)) == m.FOCUS_LOWEST.format(
        label="Technical knowledge", average=2.5
    )


def test_counts_read_right_for_one_and_for_many() -> None:
    assert cards.rated_requests(1) == "1 rated request"
    assert cards.rated_requests(4) == "4 rated requests"
    assert m.FOCUS_FEW.format(rated=cards.rated_requests(1)).startswith("Few answers (1 rated req")
