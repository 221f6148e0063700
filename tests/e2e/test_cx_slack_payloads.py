"""The CX features driven by payloads shaped as Slack sends them (tests/e2e/payloads/cx_*.json):
the comment modal, anonymity, follow-ups, App Home, `/cx-summary` and `/cx-me`, over HTTP with
real signatures. Whatever Block Kit cxbot sends is checked with slack_sdk's models."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import time_machine
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from sqlalchemy import select

from adapters.slack.render import mrkdwn
from bot import messages as m
from bot.cx.followups import FollowUps
from storage import people as people_store
from storage.models import Survey
from storage.types import utcnow
from tests import summary_data as data
from tests.adapters.test_slack_render import validate_deeply
from tests.e2e.conftest import Stack
from tests.e2e.fake_slack import Call
from tests.e2e.slack_client import payload
from tests.e2e.test_followups_slack import (
    LEADS,
    LEE,
    LIV,
    QUINN,
    card_updates,
    dm,
    rate,
    resolved_for_quinn,
    said,
    titled,
    until,
)
from tests.e2e.test_journey import CODE, buttons
from tests.e2e.test_slack_payloads import grid_command
from tests.helpers import grant

# What a person types in a modal arrives as typed: Slack escapes message text, not input values.
TYPED = "Q&A: 3 < 4 > 2 & <@U0SOMEONE> <!channel> 🎉\nSecond line\n\n  indented & done"
SHOWN = "Q&amp;A: 3 &lt; 4 &gt; 2 &amp; &lt;@U0SOMEONE&gt; &lt;!channel&gt; 🎉\\nSecond line"
SENDS_BLOCKS = ("chat.postMessage", "chat.update", "chat.postEphemeral")


# --- Block Kit, as slack_sdk's models see it ------------------------------------------------


def check_blocks(blocks: list[dict[str, Any]]) -> None:
    parsed = Block.parse_all(blocks)
    assert all(type(block) is not Block for block in parsed), blocks
    for block in parsed:
        validate_deeply(block)


def check_view(view: dict[str, Any]) -> None:
    model = View(**view)
    validate_deeply(model)
    assert all(type(block) is not Block for block in model.blocks), view


def check_everything_sent(stack: Stack) -> int:
    """Every Block Kit payload the fake Slack received is valid; how many there were."""
    checked = 0
    for call in stack.slack.calls:
        if call.method in SENDS_BLOCKS and call.args.get("blocks"):
            check_blocks(call.args["blocks"])
            checked += 1
        elif call.method in ("views.open", "views.publish"):
            check_view(call.args["view"])
            checked += 1
    for answers in stack.slack.responses.values():
        for answer in answers:
            check_blocks(answer.get("blocks") or [])
            checked += 1
    return checked


# --- payloads as Slack sends them ------------------------------------------------------------


def _person(body: dict[str, Any], user: str) -> None:
    body["user"] |= {"id": user, "username": user.lower(), "name": user.lower()}


async def tap(stack: Stack, user: str, card: Call, label: str) -> None:
    """A button on a message in the person's DM, with the message as Slack echoes it back."""
    action_id, value = buttons(card)[label]
    body = payload("cx_block_actions_dm")
    _person(body, user)
    body["channel"]["id"] = body["container"]["channel_id"] = dm(user)
    body["message"]["blocks"] = copy.deepcopy(card.args["blocks"])
    body["message"]["text"] = card.args.get("text", "")
    body["actions"][0] |= {
        "action_id": action_id,
        "value": value,
        "text": {"type": "plain_text", "text": label, "emoji": True},
    }
    status, _ = await stack.sender.interaction(body)
    assert status == 200


async def submit(stack: Stack, user: str, text: str | None) -> tuple[int, str]:
    """Sends the modal the latest views.open showed, as Slack echoes it back filled in;
    `None` is an optional field left empty (Slack sends a null value)."""
    shown = stack.slack.of("views.open")[-1].args["view"]
    body = payload("cx_view_submission")
    _person(body, user)
    body["view"] |= copy.deepcopy(shown)
    body["view"]["state"] = {
        "values": {"text": {"text": {"type": "plain_text_input", "value": text}}}
    }
    return await stack.sender.interaction(body)


async def open_home(stack: Stack, user: str, *, tab: str = "home", first: bool = False) -> None:
    body = payload("cx_app_home_opened")
    body["event"] |= {"user": user, "channel": dm(user), "tab": tab}
    if first or tab == "messages":  # no home published yet, or not the home tab at all
        del body["event"]["view"]
    body["event_id"] = "Ev" + uuid.uuid4().hex[:10].upper()
    status, _ = await stack.sender.callback(body)
    assert status == 200


async def command(stack: Stack, name: str, text: str, user: str) -> dict[str, Any]:
    """A slash command as Slack posts it; its answer, in the acknowledgement or after."""
    fields = payload("cx_command") | {"command": name, "text": text}
    fields |= {"user_id": user, "user_name": user.lower()}
    key = uuid.uuid4().hex
    fields["response_url"] = stack.slack.response_url(key)
    status, body = await stack.sender.post(urlencode(fields))
    assert status == 200, body
    if body:
        return json.loads(body)
    return await stack.slack.response(key)


def blocks_text(answer: dict[str, Any]) -> str:
    return json.dumps(answer.get("blocks", []), ensure_ascii=False)


async def comment_of(stack: Stack) -> str | None:
    async with stack.db.read() as session:
        return (await session.scalars(select(Survey.comment))).one()


# --- the comment modal, low scores and the leads' follow-ups ---------------------------------


async def test_a_comment_with_markup_is_stored_as_typed_and_shown_escaped_once(
    stack: Stack,
) -> None:
    code, rating = await resolved_for_quinn(stack)
    await tap(stack, QUINN, rating, m.COMMENT_BUTTON)
    [opened] = await until(stack, lambda: stack.slack.of("views.open"))
    assert opened.args["trigger_id"] == payload("cx_block_actions_dm")["trigger_id"]
    status, answer = await submit(stack, QUINN, TYPED)
    assert status == 200 and "errors" not in answer, answer
    assert await comment_of(stack) == TYPED.strip()

    [card] = await until(stack, lambda: card_updates(stack, QUINN, "Second line"))
    assert SHOWN in said(card), said(card)
    assert "&amp;amp;" not in said(card) and "&amp;lt;" not in said(card)

    # Speed 2 opens a follow-up for both leads, with the comment as the card shows it.
    await rate(stack, rating, "speed", 2)
    for lead in LEADS:
        [follow_up] = await until(stack, lambda lead=lead: titled(stack, lead, code))
        assert SHOWN in said(follow_up) and "&amp;amp;" not in said(follow_up)

    # Liv resolves it with a note, through the modal.
    [liv_card] = titled(stack, LIV, code)
    await tap(stack, LIV, liv_card, m.FOLLOWUP_RESOLVE)
    await until(stack, lambda: len(stack.slack.of("views.open")) == 2)
    status, answer = await submit(stack, LIV, "Called Quinn & fixed it <for good>")
    assert status == 200 and "errors" not in answer, answer
    for lead in LEADS:
        [*_, done] = await until(
            stack, lambda lead=lead: card_updates(stack, lead, "fixed it &lt;for good&gt;")
        )
        assert "Quinn &amp; fixed" in said(done) and not buttons(done)
    assert check_everything_sent(stack) >= 8


async def test_an_empty_or_too_long_comment_is_refused_on_the_form_itself(stack: Stack) -> None:
    _, rating = await resolved_for_quinn(stack)
    await tap(stack, QUINN, rating, m.COMMENT_BUTTON)
    await until(stack, lambda: stack.slack.of("views.open"))
    view = stack.slack.of("views.open")[-1].args["view"]
    [field] = [block["block_id"] for block in view["blocks"] if block["type"] == "input"]

    for typed, words in (
        (None, m.COMMENT_EMPTY),
        ("   \n  ", m.COMMENT_EMPTY),
        ("x" * 3001, m.COMMENT_TOO_LONG.format(length=3001, limit=3000)),
    ):
        status, answer = await submit(stack, QUINN, typed)
        assert status == 200
        assert json.loads(answer) == {"response_action": "errors", "errors": {field: words}}
    assert await comment_of(stack) is None
    check_everything_sent(stack)


async def test_the_anonymous_toggle_and_a_leads_message_through_the_modal(stack: Stack) -> None:
    code, rating = await resolved_for_quinn(stack)
    await tap(stack, QUINN, rating, m.ANONYMOUS_BUTTON)
    [on] = await until(stack, lambda: card_updates(stack, QUINN, m.ANONYMOUS_ON))
    await tap(stack, QUINN, on, m.ANONYMOUS_BUTTON)
    await until(stack, lambda: card_updates(stack, QUINN, m.ANONYMOUS_OFF))
    await tap(stack, QUINN, on, m.ANONYMOUS_BUTTON)
    await until(stack, lambda: len(card_updates(stack, QUINN, m.ANONYMOUS_ON)) == 2)

    await rate(stack, rating, "communication", 1)
    [lee_card] = await until(stack, lambda: titled(stack, LEE, m.FOLLOWUP_ANONYMOUS_TEXT[:30]))
    await tap(stack, LEE, lee_card, m.REACH_OUT)
    await until(stack, lambda: stack.slack.of("views.open"))
    status, answer = await submit(stack, LEE, "Sorry & thanks <3\nCan we talk?")
    assert status == 200 and "errors" not in answer, answer
    [message] = await until(stack, lambda: titled(stack, QUINN, "Can we talk?"))
    assert "Sorry &amp; thanks &lt;3\\nCan we talk?" in said(message), said(message)
    to_lee = [c for c in stack.slack.calls if c.args.get("channel") in (LEE, dm(LEE))]
    assert len(to_lee) >= 2
    for call in to_lee + stack.slack.of("views.open"):
        assert QUINN not in said(call) and code not in said(call), said(call)[:300]
    check_everything_sent(stack)


# --- App Home ----------------------------------------------------------------------------------


async def test_app_home_lists_a_leads_follow_ups_and_the_messages_tab_publishes_nothing(
    stack: Stack,
) -> None:
    code, rating = await resolved_for_quinn(stack)
    await rate(stack, rating, "quality", 1)
    await until(stack, lambda: titled(stack, LEE, code))

    await open_home(stack, LEE, tab="messages")
    await open_home(stack, LEE, first=True)
    [home] = await until(stack, lambda: stack.slack.of("views.publish"))
    assert home.args["user_id"] == LEE and home.args["view"]["type"] == "home"
    assert m.FOLLOWUPS_TITLE in said(home) and code in said(home)

    await open_home(stack, QUINN)
    homes = await until(stack, lambda: stack.slack.of("views.publish")[1:])
    assert homes[0].args["user_id"] == QUINN and m.FOLLOWUPS_TITLE not in said(homes[0])
    await open_home(stack, QUINN, tab="messages")
    await open_home(stack, LIV, tab="messages")
    # Whatever else comes after a messages tab, it is never a home.
    await stack.sender.dm(LIV, "follow-ups", "EvAfterTabs")
    await until(stack, lambda: titled(stack, LIV, m.FOLLOWUPS_TITLE))
    assert [c.args["user_id"] for c in stack.slack.of("views.publish")] == [LEE, QUINN]

    # The next day's reminder, a DM to each lead.
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=True):
        await FollowUps(stack.db, stack.settings, lambda: None).remind()
        for lead in LEADS:
            await until(stack, lambda lead=lead: titled(stack, lead, m.FOLLOWUPS_REMINDER_TITLE))
    check_everything_sent(stack)


# --- /cx-summary and /cx-me -----------------------------------------------------------------


async def test_summary_by_mention_and_by_name_and_bad_periods(stack: Stack) -> None:
    await data.a_team_month(stack.db)
    await grant(stack.db, data.LEE, "lead")
    async with stack.db.write() as session:
        await people_store.remember_name(session=session, identity=data.TESS, name="Tess Tech")
    for typed in ("30d <@UTESS|tess>", "30d <@UTESS>", "Tess Tech", "30d tess tech"):
        answer = await command(stack, "/cx-summary", typed, "ULEE")
        text = json.dumps(answer, ensure_ascii=False)
        assert "Tess Tech" in text, (typed, text[:400])
        assert "UTESS" not in text and "slack:" not in text
    for typed, words in (
        ("2026-13-01..2026-14-01", m.PERIOD_BAD_DATE),
        ("99999d", m.SCOPE_UNKNOWN.format(words="99999d")),
        ("2026-06-01..2026-06-01000", m.SCOPE_UNKNOWN.format(words="2026-06-01..2026-06-01000")),
    ):
        answer = await command(stack, "/cx-summary", typed, "ULEE")
        assert answer["blocks"][0]["text"]["text"] == mrkdwn(words, 3000), answer
    answer = await command(stack, "/cx-summary", "30d <@UTESS|tess>", "UANA")
    assert answer["text"] == m.NOT_ALLOWED_SUMMARY
    check_everything_sent(stack)


async def test_a_comment_on_several_lines_is_one_line_of_the_summary(stack: Stack) -> None:
    await data.a_team_month(stack.db)
    await grant(stack.db, data.LEE, "lead")
    await data.add_request(
        stack.db, 9, opened=data.at(15, 8), resolved=data.at(15, 12), ratings={"speed": 2},
        comment=TYPED,
    )  # fmt: skip
    answer = await command(stack, "/cx-summary", "2026-06-01..2026-06-30", "ULEE")
    one_line = " ".join(SHOWN.replace("\\n", " ").split())
    assert f"“{one_line} indented &amp; done”" in blocks_text(answer), blocks_text(answer)
    answer = await command(stack, "/cx-me", "2026-06-01..2026-06-30", "UTESS")
    assert f"“{one_line} indented &amp; done”" in blocks_text(answer), blocks_text(answer)
    check_everything_sent(stack)


async def test_cx_me_for_a_technician_and_for_a_requester(stack: Stack) -> None:
    await data.a_team_month(stack.db)
    answer = await command(stack, "/cx-me", "", "UTESS")
    assert answer["response_type"] == "ephemeral" and answer.get("blocks"), answer
    answer = await command(stack, "/cx-me", "99999d", "UTESS")
    assert m.MINE_USAGE.split(":")[0] in answer["text"], answer
    answer = await command(stack, "/cx-me", "30d", "UANA")
    assert answer["text"] == m.NOT_ALLOWED_MINE
    check_everything_sent(stack)


async def test_a_form_that_slack_would_not_open_is_said_to_the_person(stack: Stack) -> None:
    """A trigger_id lasts three seconds: past it, views.open answers expired_trigger_id and
    the person, who tapped, hears why nothing opened."""
    _, rating = await resolved_for_quinn(stack)
    stack.slack.fail_next("views.open", error="expired_trigger_id")
    await tap(stack, QUINN, rating, m.COMMENT_BUTTON)
    [note] = await until(
        stack,
        lambda: [c for c in stack.slack.of("chat.postEphemeral") if c.args["user"] == QUINN],
    )
    assert note.args["channel"] == dm(QUINN) and m.FORM_NOT_OPENED in said(note)
    # The next tap opens it.
    await tap(stack, QUINN, rating, m.COMMENT_BUTTON)
    await until(stack, lambda: len(stack.slack.of("views.open")) == 2)
    check_everything_sent(stack)


async def test_a_request_written_on_several_lines_is_one_line_in_a_list(stack: Stack) -> None:
    """Slack sends a DM's lines as typed, escaped; a list shows one request a line."""
    await stack.sender.dm(QUINN, "track Printer &amp; scanner\n\n&lt;broken&gt;  again", "EvLines")
    await until(stack, lambda: titled(stack, QUINN, "Printer"))
    await open_home(stack, QUINN)
    [home] = await until(stack, lambda: stack.slack.of("views.publish"))
    lines = [b["text"]["text"] for b in home.args["view"]["blocks"] if b["type"] == "section"]
    assert any(
        line.endswith("Printer &amp; scanner &lt;broken&gt; again — *Received*") for line in lines
    ), lines
    check_everything_sent(stack)


# --- Enterprise Grid -------------------------------------------------------------------------

GRID_TEAM = {"id": "T2", "domain": "acme-paris", "enterprise_id": "E1", "enterprise_name": "Acme"}


def updates_in(stack: Stack, channel: str, words: str) -> list[Call]:
    return [
        c
        for c in stack.slack.of("chat.update")
        if c.args["channel"] == channel and words in said(c)
    ]


async def test_a_comment_from_an_org_wide_install_lands_on_the_grid_persons_card(
    stack: Stack,
) -> None:
    """An org-wide install sends view_submission with `team: null`; the person is known by
    the organisation, as in their commands and taps."""
    await grant(stack.db, "slack:E1:WTESS", "technician")
    _, body = await stack.sender.command_fields(grid_command("W1", "Badge reader on door 3"))
    code = CODE.search(body["text"]).group(0)
    await stack.sender.command_fields(
        grid_command("WTESS", f"resolve {code} Fixed", trigger_id="t")
    )
    [rating] = await until(stack, lambda: titled(stack, "W1", "How did we do"))

    action_id, value = buttons(rating)[m.COMMENT_BUTTON]
    tap_body = payload("cx_block_actions_dm") | {"team": GRID_TEAM, "enterprise": {"id": "E1"}}
    tap_body["user"] |= {"id": "W1", "team_id": "T2"}
    tap_body["actions"][0] |= {"action_id": action_id, "value": value}
    await stack.sender.interaction(tap_body)
    [opened] = await until(stack, lambda: stack.slack.of("views.open"))

    sent = payload("cx_view_submission") | {
        "team": None,
        "enterprise": {"id": "E1", "name": "Acme"},
        "is_enterprise_install": True,
    }
    sent["user"] |= {"id": "W1", "team_id": "T2"}
    sent["view"] |= opened.args["view"] | {"team_id": "E1", "app_installed_team_id": "E1"}
    sent["view"]["state"] = {
        "values": {"text": {"text": {"type": "plain_text_input", "value": TYPED}}}
    }
    status, answer = await stack.sender.interaction(sent)
    assert status == 200 and "errors" not in answer, answer
    await until(stack, lambda: updates_in(stack, "W1", "Second line"))
    assert await comment_of(stack) == TYPED.strip()
    check_everything_sent(stack)


async def test_a_sent_form_says_how_it_went_in_place_of_the_form(stack: Stack) -> None:
    """Slack closes a modal on an empty answer: what the bot had to say went unsaid. It is
    said in the modal instead (response_action "update"), which the person then closes."""
    code, rating = await resolved_for_quinn(stack)
    await tap(stack, QUINN, rating, m.COMMENT_BUTTON)
    [opened] = await until(stack, lambda: stack.slack.of("views.open"))
    status, answer = await submit(stack, QUINN, "Quick & kind")
    assert status == 200, answer
    done = json.loads(answer)
    assert done["response_action"] == "update", done
    check_view(done["view"])
    assert done["view"]["title"] == opened.args["view"]["title"]
    assert mrkdwn(m.COMMENT_SAVED.format(code=code), 3000) in json.dumps(done, ensure_ascii=False)
    assert "submit" not in done["view"] and "callback_id" not in done["view"]
