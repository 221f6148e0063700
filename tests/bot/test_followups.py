"""A low rating is an incident: the follow-up the leads get, act on and are reminded of."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine

from bot import messages as m
from bot.cx.cards import ANONYMOUS, RATE, rating_card
from bot.cx.followup_cards import (
    FOLLOW_UP_RESOLVED,
    REACH_OUT,
    Incident,
    follow_up_card,
    lead_message,
    open_list,
)
from bot.views import Card
from storage import people
from storage.followups import FollowUpState
from storage.models import FollowUp, Request, Survey
from storage.types import utcnow
from tests.bot.conftest import Delivered, World
from tests.helpers import grant

ANA = "slack:T1:UANA"  # employee
BEN = "slack:T1:UBEN"  # another employee
TESS = "slack:T1:UTESS"  # technician
LEE = "slack:T1:ULEE"  # lead
LIV = "slack:T1:ULIV"  # another lead
CODE = re.compile(r"IT-[0-9A-Z]{6}")
TITLE = "Quinn's laptop will not connect to VPN"


def sample_cards(request: Request) -> dict[str, Card]:
    """The rating card with a comment and anonymity, and every follow-up view, for the
    renderers' checks (tests/adapters)."""
    survey = Survey(request_id=1, requester=ANA, closes_at=utcnow(), comment="Slow <b>*ok*</b>")
    hidden = Survey(request_id=1, requester=ANA, closes_at=utcnow(), anonymous=True)
    chosen = {"speed": 1, "quality": 4}
    opened = FollowUp(id=7, request_id=1, opened_at=utcnow())
    reaching = FollowUp(id=7, request_id=1, state=FollowUpState.REACHING, owner=LEE)
    done = FollowUp(
        id=7, request_id=1, state=FollowUpState.RESOLVED, owner=LEE, note="Called <!here>"
    )
    names = {ANA: "Quinn Q", LEE: "Lee *Lead*"}
    open_one = Incident(opened, request, survey, chosen)
    anonymous = Incident(reaching, request, hidden, chosen)
    many = [open_one, anonymous] * 20
    return {
        "rating, with comment": rating_card(request, chosen, survey=survey),
        "rating, anonymous": rating_card(request, chosen, survey=hidden),
        "follow-up, open": follow_up_card(open_one, names),
        "follow-up, anonymous, reaching": follow_up_card(anonymous, names),
        "follow-up, resolved": follow_up_card(Incident(done, request, survey, chosen), names),
        "follow-ups": open_list(many, names, title=m.FOLLOWUPS_TITLE, total=90),
        "follow-ups, none": open_list([], names, title=m.FOLLOWUPS_TITLE, total=0),
        "message from a lead": lead_message(request, LEE, "Lee", "Sorry! <@U1> *x*"),
    }


async def rated_request(world: World, *taps: tuple[str, int]) -> str:
    """A request Ana opened, Tess resolved, and Ana rated with `taps`."""
    await grant(world.db, TESS, "technician")
    await grant(world.db, LEE, "lead")
    await grant(world.db, LIV, "lead")
    reply = await world.desk.track(ANA, TITLE)
    assert reply.card is not None
    code = CODE.search(reply.card.text).group(0)
    await world.desk.press(TESS, "resolve", code)
    for dimension, score in taps:
        reply = await world.desk.press(ANA, RATE, f"{code}:{dimension}:{score}")
        assert not reply.problem, reply
    await world.flush()
    return code


def follow_up_cards(world: World, lead: str) -> list[Delivered]:
    return [d for d in world.platform.to(lead) if (d.card_key or "").startswith("followup:")]


def button(card: Card, label: str) -> tuple[str, str]:
    found = next(b for b in card.buttons if b.label == label)
    return found.action, found.value


def fields(card: Card) -> dict[str, str]:
    return {field.label: field.value for field in card.fields}


async def test_a_low_score_opens_one_follow_up_with_a_card_for_each_lead(world: World) -> None:
    code = await rated_request(world, ("speed", 2))
    for lead in (LEE, LIV):
        [card] = follow_up_cards(world, lead)
        assert card.card.title == m.FOLLOWUP_TITLE.format(code=code)
        assert card.card.text == TITLE
        assert fields(card.card)[m.FOLLOWUP_SCORES] == "Speed 2"
        assert fields(card.card)[m.FOLLOWUP_STATE] == m.FOLLOWUP_OPEN
        labels = [b.label for b in card.card.buttons]
        assert labels == [m.REACH_OUT, m.FOLLOWUP_RESOLVE]
    assert follow_up_cards(world, LEE)[0].card_key != follow_up_cards(world, LIV)[0].card_key
    # Nobody else hears of it.
    assert not follow_up_cards(world, TESS) and not follow_up_cards(world, ANA)

    # Later taps on the same card update the leads' cards in place: still one follow-up.
    await world.desk.press(ANA, RATE, f"{code}:quality:1")
    await world.desk.press(ANA, RATE, f"{code}:communication:4")
    await world.flush()
    cards = follow_up_cards(world, LEE)
    assert len({d.card_key for d in cards}) == 1 and cards[-1].updated_in_place
    assert fields(cards[-1].card)[m.FOLLOWUP_SCORES] == "Communication 4 · Speed 2 · Quality 1"
    listing = await world.desk.chat(LEE, "follow-ups")
    assert listing.card is not None and len(listing.card.lists[0].items) == 1


async def test_good_scores_open_nothing(world: World) -> None:
    await rated_request(world, ("speed", 3), ("quality", 5))
    assert not follow_up_cards(world, LEE)
    listing = await world.desk.chat(LEE, "follow-ups")
    assert listing.card is not None and listing.card.text == m.FOLLOWUPS_NONE


async def test_a_lead_reaches_out_then_resolves_it_with_a_note(world: World) -> None:
    code = await rated_request(world, ("approachability", 1))
    card = follow_up_cards(world, LEE)[0].card

    # Only leads act on follow-ups, and only on ones that exist.
    refused = await world.desk.press(TESS, *button(card, m.REACH_OUT))
    assert refused.problem and refused.card.text == m.NOT_ALLOWED_FOLLOW_UP
    for forged in ("99999999999999999999", "-1", "x", "4242"):
        refused = await world.desk.press(LEE, REACH_OUT, forged)
        assert refused.problem and refused.card.text == m.FOLLOWUP_UNKNOWN, forged

    reply = await world.desk.press(LEE, *button(card, m.REACH_OUT))
    assert reply.card.text == m.REACH_OUT_ACK.format(code=code)
    await world.flush()
    for lead in (LEE, LIV):
        now = follow_up_cards(world, lead)[-1]
        assert now.updated_in_place
        reaching = next(f for f in now.card.fields if f.label == m.FOLLOWUP_REACHING)
        assert reaching.person == LEE

    action, value = button(card, m.FOLLOWUP_RESOLVE)
    assert action == FOLLOW_UP_RESOLVED
    form = (await world.desk.press(LIV, action, value)).form
    assert form is not None and form.action == FOLLOW_UP_RESOLVED
    done = await world.desk.submit(LIV, form.action, form.value, "Called Ana, fixed it", None)
    assert not done.problem and code in done.card.text
    await world.flush()
    for lead in (LEE, LIV):
        final = follow_up_cards(world, lead)[-1].card
        assert fields(final)[m.FOLLOWUP_RESOLVED_BY] and final.buttons == ()
        assert fields(final)[m.FOLLOWUP_NOTE] == "Called Ana, fixed it"
    again = await world.desk.submit(LEE, form.action, form.value, "twice", None)
    assert again.problem and again.card.text == m.FOLLOWUP_ALREADY_RESOLVED
    listing = await world.desk.chat(LEE, "follow-ups")
    assert listing.card.text == m.FOLLOWUPS_NONE


async def test_open_follow_ups_come_back_once_a_day(world: World) -> None:
    code = await rated_request(world, ("speed", 1))
    other = await rated_request(world, ("quality", 2))
    start = utcnow()

    def reminders(lead: str) -> list[Delivered]:
        return [d for d in world.platform.to(lead) if d.card.title == m.FOLLOWUPS_REMINDER_TITLE]

    async def remind_at(hours: float) -> str:
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            said = await world.desk.followups.remind()
            await world.flush()
        return said

    assert "no follow-ups" in await remind_at(2)  # the cards only just went out
    assert not reminders(LEE)
    await remind_at(25)
    [first] = reminders(LEE)
    assert [i.code for i in first.card.lists[0].items] == [code, other]
    assert len(reminders(LIV)) == 1
    for hours in (25, 26, 40):  # run as often as the scheduler likes: once a day
        await remind_at(hours)
    assert len(reminders(LEE)) == 1

    # Resolved ones stop coming back; open ones come back the next day.
    card = follow_up_cards(world, LEE)[0].card
    action, value = button(card, m.FOLLOWUP_RESOLVE)
    await world.desk.submit(LEE, action, value, "", None)
    await remind_at(50)
    assert len(reminders(LEE)) == 2
    assert [i.code for i in reminders(LEE)[-1].card.lists[0].items] == [other]


async def test_an_anonymous_follow_up_never_names_the_person(world: World) -> None:
    code = await rated_request(world)
    await world.desk.press(ANA, ANONYMOUS, code)
    async with world.db.write() as session:
        await people.remember_name(session=session, identity=ANA, name="Quinn Quartermaine")
        await people.remember_name(session=session, identity=LEE, name="Lee Lead")
    await world.desk.press(ANA, RATE, f"{code}:speed:1")
    await world.flush()
    card = follow_up_cards(world, LEE)[-1].card
    assert card.text == m.FOLLOWUP_ANONYMOUS_TEXT

    # "I'll reach out" asks for a message; the bot passes it on to the person.
    action, value = button(card, m.REACH_OUT)
    assert action == REACH_OUT
    form = (await world.desk.press(LEE, action, value)).form
    assert form is not None
    reply = await world.desk.submit(LEE, form.action, form.value, "Sorry! What went wrong?", None)
    assert reply.card.text == m.REACH_OUT_ACK_ANONYMOUS
    await world.flush()
    [message] = [d for d in world.platform.to(ANA) if d.card.text == "Sorry! What went wrong?"]
    assert "Lee Lead" in message.card.footer and message.card.fields[0].person == LEE
    reached = follow_up_cards(world, LIV)[-1].card
    assert fields(reached)[m.FOLLOWUP_REACHING] == "Lee Lead"

    # Everything any lead was shown: no name, identity, code or title of Ana's.
    await remind_at_tomorrow(world)
    for lead in (LEE, LIV):
        listing = (await world.desk.chat(lead, "follow-ups")).card
        shown = [d.card for d in world.platform.to(lead)] + [listing, reply.card]
        assert {m.FOLLOWUPS_REMINDER_TITLE, card.title} <= {c.title for c in shown}
        for seen in shown:
            text = repr(seen)
            for secret in ("Quinn", "UANA", ANA, code, TITLE):
                assert secret not in text, (secret, seen)


async def remind_at_tomorrow(world: World) -> None:
    with time_machine.travel(utcnow() + timedelta(days=1, hours=1), tick=False):
        await world.desk.followups.remind()
        await world.flush()
