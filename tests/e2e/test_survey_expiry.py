"""A rating card's life over HTTP with the clock moved on: the one reminder halfway, then the
card closed in place (Slack's chat.update, Teams' update of the activity), and a late tap
answered politely. The timed job is run the way the scheduler runs it: the server's own."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from adapters.web import RUNTIME
from bot import messages as m
from tests.adapters.adaptive_cards.checks import microsoft_check, schema_errors
from tests.e2e.conftest import Stack
from tests.e2e.fake_slack import Call
from tests.e2e.teams_activities import TeamsUser
from tests.e2e.teams_stack import (
    TeamsStack,
    content,
    identity,
    shown,
    teams_stack_fixture,  # noqa: F401 (the fixture)
)
from tests.helpers import grant

ANA, TESS = "UANA", "UTESS"
ANA_DM = "D" + ANA[1:]
CODE = re.compile(r"IT-[0-9A-Z]{6}")


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    """Real time, running, that a test can move on by days."""
    with time_machine.travel(datetime.now(UTC), tick=True) as traveller:
        yield traveller


async def run_the_job(app: object) -> str:
    return await app[RUNTIME].core.desk.surveys.expire_and_remind()  # type: ignore[index]


def blocks_text(call: Call) -> str:
    return json.dumps(call.args.get("blocks", []), ensure_ascii=False)


def taps(call: Call) -> list[dict]:
    """Every button of a posted or updated card."""
    blocks = call.args.get("blocks", [])
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def rating_taps(call: Call) -> list[dict]:
    return [e for e in taps(call) if e["action_id"].startswith("cx:rate")]


async def test_slack_reminds_once_then_closes_the_card_in_place(
    stack: Stack, clock: time_machine.Coordinates
) -> None:
    await grant(stack.db, f"slack:T1:{TESS}", "technician")
    status, body = await stack.sender.command("/track", "Printer on floor 2 is jammed", ANA)
    assert status == 200
    code = CODE.search(body["text"]).group(0)
    status, body = await stack.sender.command("/track", f"resolve {code}", TESS)
    assert status == 200 and m.RESOLVED_ACK.format(code=code) in body["text"]

    def rating_card() -> Call | None:
        posted = stack.slack.of("chat.postMessage")
        return next((c for c in posted if "How did we do" in blocks_text(c)), None)

    await stack.slack.wait_for(lambda _: rating_card() is not None)
    card = rating_card()
    assert card is not None and len(rating_taps(card)) == 25

    def reminders() -> list[Call]:
        return [c for c in stack.slack.of("chat.postMessage") if "A quick tap" in c.args["text"]]

    clock.shift(timedelta(days=6))
    assert await run_the_job(stack.server.app) == "closed 0 surveys; reminded 0"
    clock.shift(timedelta(days=1, minutes=1))
    assert await run_the_job(stack.server.app) == "closed 0 surveys; reminded 1"
    await stack.slack.wait_for(lambda _: reminders())
    [reminder] = reminders()
    assert reminder.args["channel"] == ANA and code in reminder.args["text"]

    # A tap after the reminder is saved; the card closes at the end with it shown.
    quality_5 = next(e for e in taps(card) if e["value"].endswith(":quality:5"))
    await stack.sender.click(ANA, quality_5["action_id"], quality_5["value"], channel=ANA_DM)

    def chosen() -> list[Call]:
        return [c for c in stack.slack.of("chat.update") if "you chose 5" in blocks_text(c)]

    await stack.slack.wait_for(lambda _: chosen())
    clock.shift(timedelta(days=7))
    assert await run_the_job(stack.server.app) == "closed 1 surveys; reminded 0"
    closed_words = m.SURVEY_CLOSED.format(code=code)

    def closed() -> list[Call]:
        return [c for c in stack.slack.of("chat.update") if closed_words in blocks_text(c)]

    await stack.slack.wait_for(lambda _: closed())
    [update] = closed()
    # The same message the tap updated, and no new one posted.
    assert update.args["channel"] == ANA_DM and update.args["ts"] == chosen()[0].args["ts"]
    assert taps(update) == [] and "you chose 5" in blocks_text(update)
    assert [c for c in stack.slack.of("chat.postMessage") if "How did we do" in blocks_text(c)] == [
        card
    ]

    # The old button, tapped after the close: a polite answer, and the card stays closed.
    speed_4 = next(e for e in taps(card) if e["value"].endswith(":speed:4"))
    await stack.sender.click(ANA, speed_4["action_id"], speed_4["value"], channel=ANA_DM)
    await stack.slack.wait_for(
        lambda _: [c for c in stack.slack.of("chat.postEphemeral") if c.args.get("user") == ANA]
    )
    [refusal] = [c for c in stack.slack.of("chat.postEphemeral") if c.args.get("user") == ANA]
    assert refusal.args["text"] == m.RATE_CLOSED.format(code=code)
    assert stack.slack.of("chat.update")[-1] is update
    assert await run_the_job(stack.server.app) == "closed 0 surveys; reminded 0"
    assert len(reminders()) == 1


ANA_T = TeamsUser("Ana Alvarez")
TESS_T = TeamsUser("Tess Tech")


async def test_teams_updates_the_rating_card_in_place_when_it_closes(
    teams_stack: TeamsStack, clock: time_machine.Coordinates, tmp_path: Path
) -> None:
    stack = teams_stack
    await grant(stack.db, identity(TESS_T), "technician")
    await stack.post(stack.acts.personal_message(ANA_T, "track Printer on floor 2 is jammed"))
    answer = await stack.until(lambda: [c for c in stack.to(ANA_T) if "IT-" in shown(c)])
    code = CODE.search(shown(answer[0])).group(0)
    await stack.post(stack.acts.personal_message(TESS_T, f"track resolve {code}"))
    rating = (
        await stack.until(lambda: [c for c in stack.to(ANA_T) if "How did we do" in shown(c)])
    )[0]
    assert "Action.Submit" in shown(rating)

    clock.shift(timedelta(days=15))
    assert await run_the_job(stack.server.app) == "closed 1 surveys; reminded 0"
    closed_words = m.SURVEY_CLOSED.format(code=code)
    [update] = await stack.until(
        lambda: [u for u in stack.updates(rating) if closed_words in shown(u)]
    )
    card = content(update)
    assert "Action.Submit" not in shown(update)
    assert schema_errors(card) == []
    report = microsoft_check({"closed rating card": card}, tmp_path)
    assert report["closed rating card"]["errors"] == []

    # A tap on the old card is answered politely in the chat, and changes nothing.
    tap = {"cx": {"action": "rate", "value": f"{code}:speed:4"}}
    await stack.post(stack.acts.card_submit(ANA_T, tap, reply_to_id=stack.sent_id(rating)))
    refused = await stack.until(
        lambda: [c for c in stack.to(ANA_T) if m.RATE_CLOSED.format(code=code) in shown(c)]
    )
    assert refused
    assert stack.updates(rating)[-1] is update
