"""A request's whole life over HTTP: open → lookup → update → resolve → rate → summary."""

from __future__ import annotations

import json
import re

from bot import messages as m
from tests.e2e.conftest import TRIAGE_CHANNEL, Stack
from tests.e2e.fake_slack import Call
from tests.helpers import grant

ANA, BEN, TESS, LEE = "UANA", "UBEN", "UTESS", "ULEE"
CODE = re.compile(r"IT-[0-9A-Z]{6}")


def blocks_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def buttons(call: Call) -> dict[str, tuple[str, str]]:
    """Button label → (action_id, value) in a recorded message."""
    found = {}
    for block in call.args.get("blocks", []):
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            found[element["text"]["text"]] = (element["action_id"], element.get("value", ""))
    return found


def posts_to(stack: Stack, channel: str) -> list[Call]:
    return [c for c in stack.slack.of("chat.postMessage") if c.args.get("channel") == channel]


async def open_request(stack: Stack, text: str = "My laptop will not connect to VPN") -> str:
    status, body = await stack.sender.command("/track", text, ANA)
    assert status == 200, body
    assert body["response_type"] == "ephemeral"
    found = CODE.search(body["text"])
    assert found, body
    return found.group(0)


async def test_the_whole_journey_over_http(stack: Stack) -> None:
    await grant(stack.db, f"slack:T1:{TESS}", "technician")
    await grant(stack.db, f"slack:T1:{LEE}", "lead")

    # Open: an ephemeral answer now; a tracking card in a DM and a triage post after the ack.
    code = await open_request(stack)
    calls = await stack.slack.wait_for(
        lambda _: len(posts_to(stack, ANA)) == 1 and len(posts_to(stack, TRIAGE_CHANNEL)) == 1
    )
    assert all(c.token == "xoxb-test-token" for c in calls if c.method != "auth.test")
    tracking = posts_to(stack, ANA)[0]
    assert f"{code} · Received" in blocks_text(tracking.args["blocks"])
    triage = posts_to(stack, TRIAGE_CHANNEL)[0]
    assert set(buttons(triage)) == {m.TAKE, m.POST_UPDATE, m.RESOLVE}

    # Lookup, forgiving of case and dashes.
    status, body = await stack.sender.command("/track", code.lower().replace("-", " "), ANA)
    assert status == 200 and f"{code} · Received" in blocks_text(body["blocks"])

    # The technician takes it from the triage card.
    take_id, take_value = buttons(triage)[m.TAKE]
    status, _ = await stack.sender.click(TESS, take_id, take_value, channel=TRIAGE_CHANNEL)
    assert status == 200
    await stack.slack.wait_for(
        lambda _: any(
            f"{code} · Assigned" in blocks_text(c.args.get("blocks", []))
            for c in stack.slack.of("chat.update")
            if c.args["channel"] == "D" + ANA[1:]
        )
    )

    # Post update opens a form; sending it reaches the requester as a DM.
    update_id, update_value = buttons(triage)[m.POST_UPDATE]
    await stack.sender.click(TESS, update_id, update_value, channel=TRIAGE_CHANNEL)
    opened = await stack.slack.wait_for(lambda _: stack.slack.of("views.open"))
    view = next(c for c in opened if c.method == "views.open").args["view"]
    status, text = await stack.sender.submit_form(
        TESS, view["private_metadata"], "New charger ordered, arriving Friday", "waiting_on_you"
    )
    assert status == 200, text
    await stack.slack.wait_for(
        lambda _: any(
            "New charger ordered" in c.args.get("text", "") + blocks_text(c.args.get("blocks", []))
            for c in posts_to(stack, ANA)
        )
    )

    # Resolve: a DM, the card updated in place, and a rating card.
    status, body = await stack.sender.command("/track", f"resolve {code} Charger replaced", TESS)
    assert status == 200 and m.RESOLVED_ACK.format(code=code) in body["text"]

    def rating_card(_: object) -> Call | None:
        for call in posts_to(stack, ANA):
            if "How did we do" in blocks_text(call.args.get("blocks", [])):
                return call
        return None

    await stack.slack.wait_for(lambda c: rating_card(c) is not None)
    card = rating_card(None)
    assert card is not None
    rate_buttons = [
        e
        for b in card.args["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("cx:rate:")
    ]
    assert len(rate_buttons) == 25, "five scores for each of the five dimensions"

    # Someone else's tap does not count; the requester's tap re-renders the card.
    speed_4 = next(e for e in rate_buttons if e["value"].endswith(":speed:4"))
    await stack.sender.click(BEN, speed_4["action_id"], speed_4["value"], channel="D" + ANA[1:])
    await stack.sender.click(ANA, speed_4["action_id"], speed_4["value"], channel="D" + ANA[1:])

    def rerendered(_: object) -> bool:
        for call in stack.slack.of("chat.update"):
            if call.args.get("ts") == card.args.get("ts", "x") or "you chose 4" in blocks_text(
                call.args.get("blocks", [])
            ):
                return True
        return False

    await stack.slack.wait_for(rerendered)
    refusals = [c for c in stack.slack.of("chat.postEphemeral") if c.args.get("user") == BEN]
    assert refusals and m.NOT_ALLOWED_RATE.format(code=code) in refusals[-1].args["text"]

    # The lead reads the summary; an employee is refused politely.
    status, body = await stack.sender.command("/cx-summary", "7d", LEE)
    assert status == 200
    assert "4.0 / 5 · 1 rating" in blocks_text(body["blocks"])
    status, body = await stack.sender.command("/cx-summary", "", ANA)
    assert status == 200 and body["text"] == m.NOT_ALLOWED_SUMMARY
