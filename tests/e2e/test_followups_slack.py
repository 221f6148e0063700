"""Follow-ups in Slack over HTTP: a low rating reaches every lead as a card kept current;
comments come through a modal; an anonymous person is never named to a lead."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import time_machine

from bot import messages as m
from bot.cx.followups import FollowUps
from storage.types import utcnow
from tests.e2e.conftest import Stack
from tests.e2e.fake_slack import Call
from tests.e2e.test_journey import CODE, buttons, posts_to
from tests.helpers import grant

QUINN, TESS, LEE, LIV = "UQUINN", "UTESS", "ULEE", "ULIV"
LEADS = (LEE, LIV)
TITLE = "Printer on floor 3 jams on every page"


def dm(user: str) -> str:
    """The direct messages with `user`, as the fake Slack names them."""
    return "D" + user[1:]


def said(call: Call) -> str:
    return json.dumps(call.args, ensure_ascii=False)


def card_updates(stack: Stack, user: str, words: str) -> list[Call]:
    return [
        c
        for c in stack.slack.of("chat.update")
        if c.args["channel"] == dm(user) and words in said(c)
    ]


def titled(stack: Stack, user: str, words: str) -> list[Call]:
    return [c for c in posts_to(stack, user) if words in said(c)]


async def until(stack: Stack, check: Callable[[], Any]) -> Any:
    """Waits until `check()` gives something truthy, and returns it."""
    found: list[Any] = [None]

    def ready(_: object) -> bool:
        found[0] = check()
        return bool(found[0])

    await stack.slack.wait_for(ready)
    return found[0]


async def resolved_for_quinn(stack: Stack) -> tuple[str, Call]:
    """Quinn's request, resolved by Tess: (its code, Quinn's rating card)."""
    await grant(stack.db, f"slack:T1:{TESS}", "technician")
    for lead in LEADS:
        await grant(stack.db, f"slack:T1:{lead}", "lead")
    _, body = await stack.sender.command("/track", TITLE, QUINN)
    code = CODE.search(body["text"]).group(0)
    await stack.sender.command("/track", f"resolve {code} Rollers replaced", TESS)
    [card] = await until(stack, lambda: titled(stack, QUINN, "How did we do"))
    return code, card


async def tap(stack: Stack, user: str, call: Call, label: str) -> None:
    action_id, value = buttons(call)[label]
    status, _ = await stack.sender.click(user, action_id, value, channel=dm(user))
    assert status == 200


async def rate(stack: Stack, card: Call, dimension: str, score: int) -> None:
    for block in card.args["blocks"]:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element.get("value", "").endswith(f":{dimension}:{score}"):
                await stack.sender.click(QUINN, element["action_id"], element["value"], dm(QUINN))
                return
    raise AssertionError(f"no {dimension} {score} on the card")


async def send_form(stack: Stack, user: str, text: str) -> None:
    """Fills and sends the modal the latest views.open showed."""
    view = stack.slack.of("views.open")[-1].args["view"]
    status, body = await stack.sender.submit_form(user, view["private_metadata"], text, None)
    assert status == 200 and "errors" not in body, body


async def test_a_low_rating_reaches_every_lead_who_act_on_it_from_the_card(stack: Stack) -> None:
    code, rating = await resolved_for_quinn(stack)
    await rate(stack, rating, "speed", 2)
    cards = {
        lead: (await until(stack, lambda lead=lead: titled(stack, lead, code)))[0] for lead in LEADS
    }
    for card in cards.values():
        assert m.FOLLOWUP_TITLE.format(code=code) in said(card)
        assert TITLE in said(card) and "Speed 2" in said(card) and f"<@{QUINN}>" in said(card)
        assert set(buttons(card)) == {m.REACH_OUT, m.FOLLOWUP_RESOLVE}

    # A comment through the rating card's modal: on Quinn's card and on the leads'.
    await tap(stack, QUINN, rating, m.COMMENT_BUTTON)
    await until(stack, lambda: stack.slack.of("views.open"))
    await send_form(stack, QUINN, "Three days without printing")
    await until(stack, lambda: card_updates(stack, QUINN, "Three days without printing"))
    for lead in LEADS:
        await until(stack, lambda lead=lead: card_updates(stack, lead, "Three days without"))

    # Lee reaches out: both leads' cards say so, in place.
    await tap(stack, LEE, cards[LEE], m.REACH_OUT)
    for lead in LEADS:
        await until(stack, lambda lead=lead: card_updates(stack, lead, f"<@{LEE}>"))

    # Liv resolves it with a note, in a modal; the cards show it and lose their buttons.
    await tap(stack, LIV, cards[LIV], m.FOLLOWUP_RESOLVE)
    await until(stack, lambda: len(stack.slack.of("views.open")) == 2)
    assert m.RESOLVE_FORM_TITLE in said(stack.slack.of("views.open")[-1])
    await send_form(stack, LIV, "Called Quinn; new printer ordered")
    for lead in LEADS:
        done = await until(
            stack, lambda lead=lead: card_updates(stack, lead, "new printer ordered")
        )
        assert m.FOLLOWUP_RESOLVED_BY in said(done[-1]) and not buttons(done[-1])


async def test_open_follow_ups_are_in_the_leads_app_home_and_come_back_daily(
    stack: Stack,
) -> None:
    code, rating = await resolved_for_quinn(stack)
    await rate(stack, rating, "quality", 1)
    await until(stack, lambda: titled(stack, LEE, code))

    await stack.sender.event(
        {"type": "app_home_opened", "user": LEE, "channel": dm(LEE), "tab": "home"}, "EvHomeLee"
    )
    [home] = await until(stack, lambda: stack.slack.of("views.publish"))
    assert home.args["user_id"] == LEE
    assert m.FOLLOWUPS_TITLE in said(home) and code in said(home)
    # An employee's App Home has no follow-ups.
    await stack.sender.event(
        {"type": "app_home_opened", "user": QUINN, "channel": dm(QUINN), "tab": "home"}, "EvHomeQ"
    )
    homes = await until(stack, lambda: stack.slack.of("views.publish")[1:])
    assert m.FOLLOWUPS_TITLE not in said(homes[0])

    reminders = FollowUps(stack.db, stack.settings, lambda: None)
    start = utcnow()
    for hours in (3, 25, 26, 47):
        with time_machine.travel(start + timedelta(hours=hours), tick=True):
            await reminders.remind()
            if hours == 25:
                await until(stack, lambda: titled(stack, LEE, m.FOLLOWUPS_REMINDER_TITLE))
    with time_machine.travel(start + timedelta(hours=50), tick=True):
        await reminders.remind()
        await until(stack, lambda: len(titled(stack, LIV, m.FOLLOWUPS_REMINDER_TITLE)) == 2)
    for lead in LEADS:
        assert len(titled(stack, lead, m.FOLLOWUPS_REMINDER_TITLE)) == 2
        assert code in said(titled(stack, lead, m.FOLLOWUPS_REMINDER_TITLE)[0])


async def test_no_lead_ever_sees_who_gave_anonymous_feedback(stack: Stack) -> None:
    code, rating = await resolved_for_quinn(stack)
    await tap(stack, QUINN, rating, m.ANONYMOUS_BUTTON)
    await until(stack, lambda: card_updates(stack, QUINN, m.ANONYMOUS_ON))
    await rate(stack, rating, "communication", 1)
    lee_card = (await until(stack, lambda: titled(stack, LEE, m.FOLLOWUP_ANONYMOUS_TEXT[:30])))[0]
    await until(stack, lambda: titled(stack, LIV, m.FOLLOWUP_ANONYMOUS_TEXT[:30]))

    # Lee writes to the person through the bot; Quinn gets it, with how to answer.
    await tap(stack, LEE, lee_card, m.REACH_OUT)
    await until(stack, lambda: stack.slack.of("views.open"))
    await send_form(stack, LEE, "Sorry about the silence. Can we talk?")
    [message] = await until(stack, lambda: titled(stack, QUINN, "Can we talk?"))
    assert f"<@{LEE}>" in said(message)
    for lead in LEADS:
        await until(stack, lambda lead=lead: card_updates(stack, lead, f"<@{LEE}>"))

    # Everything else a lead can see: the list, the App Home, the daily reminder.
    await stack.sender.dm(LIV, "follow-ups", "EvFollowUps")
    await until(stack, lambda: titled(stack, LIV, m.FOLLOWUPS_TITLE))
    await stack.sender.event(
        {"type": "app_home_opened", "user": LEE, "channel": dm(LEE), "tab": "home"}, "EvHome"
    )
    await until(stack, lambda: stack.slack.of("views.publish"))
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=True):
        await FollowUps(stack.db, stack.settings, lambda: None).remind()
        await until(stack, lambda: titled(stack, LIV, m.FOLLOWUPS_REMINDER_TITLE))

    # And the summary, which lists open follow-ups and the latest comments.
    status, summary = await stack.sender.command("/cx-summary", "", LIV)
    assert status == 200 and m.FOLLOW_UPS_TITLE.format(n=1) in json.dumps(summary)
    for secret in (QUINN, "Quinn", "quinn", code, TITLE):
        assert secret not in json.dumps(summary), secret

    to_leads = [
        c
        for c in stack.slack.calls
        if c.args.get("channel") in (*LEADS, *map(dm, LEADS))
        or c.args.get("user") in LEADS
        or c.args.get("user_id") in LEADS
        or c.method == "views.open"  # only the leads opened forms here
    ]
    assert len(to_leads) >= 8
    for call in to_leads:
        for secret in (QUINN, "Quinn", "quinn", code, TITLE):
            assert secret not in said(call), (secret, call.method, said(call)[:500])
