"""The message shortcut, the App Home and a code sent in a DM."""

from __future__ import annotations

import json
import re

from tests.e2e.conftest import Stack

ANA = "UANA"


async def test_the_message_shortcut_opens_a_request(stack: Stack) -> None:
    status, _ = await stack.sender.interaction(
        {
            "type": "message_action",
            "callback_id": "track_message",
            "trigger_id": "t",
            "team": {"id": "T1"},
            "user": {"id": ANA, "team_id": "T1"},
            "channel": {"id": "C9"},
            "message": {"type": "message", "text": "The printer on 3 is out of toner", "ts": "1.2"},
            "response_url": "http://127.0.0.1:9/x",
            "token": "legacy",
        }
    )
    assert status == 200
    calls = await stack.slack.wait_for(lambda _: stack.slack.of("chat.postEphemeral"))
    note = next(c for c in calls if c.method == "chat.postEphemeral")
    assert note.args["user"] == ANA and "is in" in note.args["text"]
    code = re.search(r"IT-[0-9A-Z]{6}", note.args["text"]).group(0)
    await stack.slack.wait_for(
        lambda _: any(
            "out of toner" in json.dumps(c.args)
            for c in stack.slack.of("chat.postMessage")
            if c.args["channel"] == ANA
        )
    )
    status, body = await stack.sender.command("/track", code, ANA)
    assert "out of toner" in json.dumps(body["blocks"])


async def test_the_app_home_lists_open_requests(stack: Stack) -> None:
    _, body = await stack.sender.command("/track", "New starter needs a laptop", ANA)
    code = re.search(r"IT-[0-9A-Z]{6}", body["text"]).group(0)
    status, _ = await stack.sender.event(
        {"type": "app_home_opened", "user": ANA, "channel": "DANA", "tab": "home"}, "EvHome"
    )
    assert status == 200
    calls = await stack.slack.wait_for(lambda _: stack.slack.of("views.publish"))
    published = next(c for c in calls if c.method == "views.publish")
    assert published.args["user_id"] == ANA and published.args["view"]["type"] == "home"
    assert code in json.dumps(published.args["view"]["blocks"])


async def test_a_code_in_a_dm_shows_the_request(stack: Stack) -> None:
    _, body = await stack.sender.command("/track", "Badge does not open door 4", ANA)
    code = re.search(r"IT-[0-9A-Z]{6}", body["text"]).group(0)
    status, _ = await stack.sender.dm(ANA, f"hi, what about {code.lower()}?", "EvCode")
    assert status == 200
    await stack.slack.wait_for(
        lambda _: any(
            f"{code} · Received" in json.dumps(c.args, ensure_ascii=False)
            and "Badge does not open" in json.dumps(c.args)
            for c in stack.slack.of("chat.postMessage")
            if c.args["channel"] == ANA
            and "blocks" in c.args
            and len(stack.slack.of("chat.postMessage")) >= 3
        )
    )


async def test_a_lookup_is_acknowledged_first_and_answered_through_the_response_url(
    stack: Stack,
) -> None:
    status, opened, _ = await stack.sender.command_acked("/track", "Dock has no power", "UANA")
    found = re.search(r"IT-[0-9A-Z]{6}", opened.get("text", ""))
    assert status == 200 and found, opened  # a change: saved, then acknowledged
    code = found.group(0)

    status, ack, key = await stack.sender.command_acked("/track", code, "UANA")
    assert status == 200 and ack == {}  # acknowledged at once, with nothing to show yet
    answer = await stack.slack.response(key)
    assert answer["response_type"] == "ephemeral"
    assert f"{code} · Received" in json.dumps(answer["blocks"], ensure_ascii=False)

    status, ack, key = await stack.sender.command_acked("/track", "IT-ZZZZZZ", "UANA")
    assert status == 200 and ack == {}
    assert "IT-ZZZZZZ" in (await stack.slack.response(key))["text"]  # politely, not silence
