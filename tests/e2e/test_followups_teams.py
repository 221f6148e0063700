"""Follow-ups in Microsoft Teams over HTTP: the leads' cards, "I'll reach out" and
"Resolved" in a task module, the comment typed on the rating card itself, and anonymity
that no lead's chat ever breaks."""

from __future__ import annotations

import json
import re
from typing import Any

from bot import messages as m
from tests.e2e.fake_teams import Call
from tests.e2e.teams_activities import TeamsUser
from tests.e2e.teams_stack import (
    TeamsStack,
    actions,
    content,
    identity,
    shown,
    teams_stack_fixture,  # noqa: F401 (the fixture)
)
from tests.helpers import grant

QUINN = TeamsUser("Quinn Quartermaine")
TESS = TeamsUser("Tess Tech")
LEE = TeamsUser("Lee Lead")
LIV = TeamsUser("Liv Lead")
LEADS = (LEE, LIV)
CODE = re.compile(r"IT-[0-9A-Z]{6}")
TITLE = "Printer on floor 3 jams on every page"


def titled(calls: list[Call], words: str) -> list[Call]:
    return [c for c in calls if words in shown(c)]


def submits(node: Any) -> list[dict[str, Any]]:
    """Every Action.Submit in a card, wherever it sits."""
    if isinstance(node, dict):
        found = [node] if node.get("type") == "Action.Submit" else []
        return found + [a for value in node.values() for a in submits(value)]
    if isinstance(node, list):
        return [a for value in node for a in submits(value)]
    return []


async def resolved_for_quinn(stack: TeamsStack) -> tuple[str, Call]:
    """Quinn's request, resolved by Tess; every lead has a chat with the bot."""
    await grant(stack.db, identity(TESS), "technician")
    for lead in LEADS:
        await grant(stack.db, identity(lead), "lead")
        await stack.post(stack.acts.installation_update(lead))
        await stack.until(lambda lead=lead: titled(stack.to(lead), m.TEAMS_WELCOME_TITLE))
    await stack.post(stack.acts.personal_message(QUINN, f"track {TITLE}"))
    answer = await stack.until(lambda: titled(stack.to(QUINN), m.RECEIVED_TITLE))
    code = CODE.search(shown(answer[0])).group(0)
    await stack.post(stack.acts.personal_message(TESS, f"track resolve {code} Rollers replaced"))
    rating = await stack.until(lambda: titled(stack.to(QUINN), "How did we do"))
    return code, rating[0]


async def tap(stack: TeamsStack, user: TeamsUser, card: Call, data: dict[str, Any]) -> None:
    activity = stack.acts.card_submit(user, data, reply_to_id=stack.sent_id(card))
    status, _ = await stack.post(activity)
    assert status == 200


async def rate(stack: TeamsStack, rating: Call, dimension: str, score: int) -> None:
    data = {"cx": {"action": "rate", "value": f"{_code(rating)}:{dimension}:{score}"}}
    await tap(stack, QUINN, rating, data)


def _code(call: Call) -> str:
    return CODE.search(shown(call)).group(0)


async def test_leads_act_on_a_low_rating_and_a_comment_is_typed_on_the_card(
    teams_stack: TeamsStack,
) -> None:
    stack = teams_stack
    code, rating = await resolved_for_quinn(stack)
    # The comment box is on the card; the scores' buttons never send what is typed in it.
    card = content(rating)
    assert {"Input.Text"} <= {part["type"] for part in card["body"]}
    buttons = submits(card)
    assert len(buttons) == 27
    for button in buttons:
        sends_text = button["data"]["cx"]["action"] == "comment"
        assert sends_text == (button.get("associatedInputs") != "none"), button
    assert m.COMMENT_BUTTON not in actions(card)

    await rate(stack, rating, "speed", 2)
    cards = {}
    for lead in LEADS:
        [cards[lead]] = await stack.until(lambda lead=lead: titled(stack.to(lead), code))
        assert TITLE in shown(cards[lead]) and "Quinn Quartermaine" in shown(cards[lead])
        assert {m.REACH_OUT, m.FOLLOWUP_RESOLVE} <= set(actions(content(cards[lead])))

    # The comment, typed on the rating card and sent with its button.
    submit = actions(card)[m.COMMENT_FORM_SUBMIT]
    await tap(stack, QUINN, rating, submit | {"text": "Three days without printing"})
    await stack.until(
        lambda: [u for u in stack.updates(rating) if "Three days without printing" in shown(u)]
    )
    for lead in LEADS:
        await stack.until(
            lambda lead=lead: [u for u in stack.updates(cards[lead]) if "Three days" in shown(u)]
        )

    # Lee reaches out; Liv resolves in a task module with a note.
    await tap(stack, LEE, cards[LEE], actions(content(cards[LEE]))[m.REACH_OUT])
    for lead in LEADS:
        await stack.until(
            lambda lead=lead: [u for u in stack.updates(cards[lead]) if "Lee Lead" in shown(u)]
        )
    resolve = actions(content(cards[LIV]))[m.FOLLOWUP_RESOLVE]
    status, fetched = await stack.post(stack.acts.task_fetch(LIV, resolve))
    assert status == 200 and fetched["task"]["type"] == "continue"
    form = fetched["task"]["value"]["card"]["content"]
    [(_, send)] = actions(form).items()
    note = "Called them; new printer ordered"
    status, sent = await stack.post(stack.acts.task_submit(LIV, send | {"text": note}))
    assert status == 200 and sent["task"]["type"] == "message"
    for lead in LEADS:
        done = await stack.until(
            lambda lead=lead: [u for u in stack.updates(cards[lead]) if note in shown(u)]
        )
        assert m.REACH_OUT not in actions(content(done[-1]))

    # In Teams a lead types `follow-ups`: nothing left open.
    await stack.post(stack.acts.personal_message(LEE, "follow-ups"))
    await stack.until(lambda: titled(stack.to(LEE), m.FOLLOWUPS_NONE))


async def test_no_lead_ever_sees_who_gave_anonymous_feedback(teams_stack: TeamsStack) -> None:
    stack = teams_stack
    code, rating = await resolved_for_quinn(stack)
    anonymous = actions(content(rating))[m.ANONYMOUS_BUTTON]
    await tap(stack, QUINN, rating, anonymous)
    await stack.until(lambda: [u for u in stack.updates(rating) if m.ANONYMOUS_ON in shown(u)])
    submit = actions(content(rating))[m.COMMENT_FORM_SUBMIT]
    await tap(stack, QUINN, rating, submit | {"text": "Nobody answered for days"})
    await rate(stack, rating, "communication", 1)
    lee_card = (await stack.until(lambda: titled(stack.to(LEE), "anonymous feedback")))[0]
    await stack.until(lambda: titled(stack.to(LIV), "anonymous feedback"))
    # Taps are handled after their acknowledgement: the comment may come before or after.
    await stack.until(
        lambda: titled([lee_card, *stack.updates(lee_card)], "Nobody answered for days")
    )

    # "I'll reach out" asks Lee for a message; the bot passes it on to Quinn.
    reach = actions(content(lee_card))[m.REACH_OUT]
    status, fetched = await stack.post(stack.acts.task_fetch(LEE, reach))
    form = fetched["task"]["value"]["card"]["content"]
    [(_, send)] = actions(form).items()
    words = "Sorry about the silence. Can we talk?"
    status, sent = await stack.post(stack.acts.task_submit(LEE, send | {"text": words}))
    assert status == 200 and sent["task"]["value"] == m.REACH_OUT_ACK_ANONYMOUS
    [message] = await stack.until(lambda: titled(stack.to(QUINN), "Can we talk?"))
    assert "Lee Lead" in shown(message)
    await stack.post(stack.acts.personal_message(LIV, "follow-ups"))
    await stack.until(lambda: titled(stack.to(LIV), m.FOLLOWUPS_TITLE))

    seen_by_leads = [json.dumps(fetched), json.dumps(sent)]
    for lead in LEADS:
        conversation = stack.conversation(lead)
        calls = stack.teams.posted(conversation) + stack.teams.of("update", conversation)
        seen_by_leads += [json.dumps(c.activity, ensure_ascii=False) for c in calls]
    assert len(seen_by_leads) >= 8
    for seen in seen_by_leads:
        for secret in ("Quinn", QUINN.aad_object_id, QUINN.id, code, TITLE):
            assert secret not in seen, (secret, seen[:500])
