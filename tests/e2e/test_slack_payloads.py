"""Payloads shaped as Slack really sends them (tests/e2e/payloads/): escaped text, files,
threads, messages without text, Enterprise Grid and Slack Connect, replays."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select

from bot import messages as m
from storage.models import OutboxMessage, Request, RoleGrant, SlackOrganisation, Watcher
from tests.e2e.conftest import TRIAGE_CHANNEL, Stack
from tests.e2e.slack_client import SlackSender, payload
from tests.helpers import eventually, grant

ANA, TESS = "UANA", "UTESS"
CODE = re.compile(r"IT-[0-9A-Z]{6}")


async def titles(stack: Stack) -> list[str]:
    async with stack.db.read() as session:
        return list(await session.scalars(select(Request.title).order_by(Request.id)))


async def posts_to(stack: Stack, channel: str, words: str, within: float = 10.0) -> list[Any]:
    """Waits for a chat.postMessage to `channel` whose arguments contain `words`."""

    def found(calls: list[Any]) -> list[Any]:
        return [
            c
            for c in calls
            if c.method == "chat.postMessage"
            and c.args.get("channel") == channel
            and words in json.dumps(c.args, ensure_ascii=False)
        ]

    await stack.slack.wait_for(lambda calls: bool(found(calls)), within=within)
    return found(stack.slack.calls)


async def ephemeral_to(stack: Stack, user: str) -> dict[str, Any]:
    calls = await stack.slack.wait_for(
        lambda calls: any(
            c.method == "chat.postEphemeral" and c.args.get("user") == user for c in calls
        )
    )
    return next(
        c.args for c in calls if c.method == "chat.postEphemeral" and c.args["user"] == user
    )


async def open_request(stack: Stack, text: str, user: str = ANA) -> str:
    _, body = await stack.sender.command("/track", text, user)
    return CODE.search(body["text"]).group(0)


def grid_command(user: str, text: str, **changes: str) -> dict[str, Any]:
    return payload("command_grid") | {"user_id": user, "text": text} | changes


# --- 1. text is decoded once ------------------------------------------------------------------


async def test_text_slack_escaped_is_stored_plain_and_shown_escaped_once(stack: Stack) -> None:
    status, _ = await stack.sender.command("/track", "Q&amp;A room says &lt;paper jam&gt;", ANA)
    assert status == 200
    triage = await posts_to(stack, TRIAGE_CHANNEL, "paper jam")
    blocks = json.dumps(triage[0].args["blocks"])
    assert "Q&amp;A room says &lt;paper jam&gt;" in blocks
    assert "&amp;amp;" not in blocks and "&amp;lt;" not in blocks
    assert await titles(stack) == ["Q&A room says <paper jam>"]


async def test_mentions_channels_and_links_become_readable_words(stack: Stack) -> None:
    typed = (
        "Laptop for <@U0NEW|maria> &amp; <#C0HR|people-team>, see "
        "<https://hr.acme.example/start|the starter form> or <https://hr.acme.example/faq>"
    )
    await stack.sender.dm(ANA, "track " + typed, "EvDecodeDm")
    await posts_to(stack, TRIAGE_CHANNEL, "starter form")
    assert await titles(stack) == [
        "Laptop for @maria & #people-team, see the starter form"
        " (https://hr.acme.example/start) or https://hr.acme.example/faq"
    ]


# --- 2. files and threads -------------------------------------------------------------------


async def test_a_dm_with_a_file_gets_an_answer(stack: Stack) -> None:
    code = await open_request(stack, "Printer on floor 2 jams")
    status, _ = await stack.sender.callback(payload("message_im_file_share"))
    assert status == 200
    replies = await posts_to(stack, ANA, "Your open requests")
    assert code in json.dumps(replies[0].args["blocks"])


async def test_a_file_shared_with_a_new_request_keeps_its_link(stack: Stack) -> None:
    body = payload("message_im_file_share")
    body["event"]["text"] = "track The printer shows this error"
    body["event_id"] = "EvFileTrack"
    await stack.sender.callback(body)
    await posts_to(stack, TRIAGE_CHANNEL, "printer shows this error")
    assert await titles(stack) == [
        "The printer shows this error\n"
        "printer-error.png: https://acme.slack.com/files/UANA/F0SCREEN/printer-error.png"
    ]


async def test_a_message_in_a_thread_is_answered_in_that_thread(stack: Stack) -> None:
    code = await open_request(stack, "Projector in room 4 is dead")
    status, _ = await stack.sender.callback(payload("message_im_thread_broadcast"))
    assert status == 200
    reply = await stack.slack.wait_for(
        lambda calls: any(c.args.get("thread_ts") for c in calls if c.method == "chat.postMessage")
    )
    threaded = [c for c in reply if c.method == "chat.postMessage" and c.args.get("thread_ts")]
    assert [(c.args["channel"], c.args["thread_ts"]) for c in threaded] == [
        ("DANA", "1764072000.000100")
    ]
    assert code in json.dumps(threaded[0].args["blocks"])


async def test_edits_are_not_taken_as_new_messages(stack: Stack) -> None:
    status, _ = await stack.sender.callback(payload("message_im_changed"))
    assert status == 200
    await stack.sender.dm(ANA, "hello", "EvAfterEdit")  # something that is answered
    await posts_to(stack, ANA, "/track")
    await asyncio.sleep(0.3)
    assert await titles(stack) == []
    assert len(stack.slack.of("chat.postMessage")) == 1


# --- 3. the shortcut on a message without text ----------------------------------------------


async def test_the_shortcut_reads_an_alert_from_its_attachment(stack: Stack) -> None:
    status, _ = await stack.sender.interaction(payload("message_action_attachments"))
    assert status == 200
    note = await ephemeral_to(stack, ANA)
    assert CODE.search(note["text"])
    assert await titles(stack) == [
        "Alert from the monitoring system\n"
        "Disk almost full on files-01 & files-02\n"
        "Only 2% left on <D:> since 09:00"
    ]


async def test_the_shortcut_reads_rich_text_blocks(stack: Stack) -> None:
    await stack.sender.interaction(payload("message_action_blocks"))
    await ephemeral_to(stack, ANA)
    assert await titles(stack) == [
        "The badge reader at door 4 beeps red, see the door page (https://wiki.acme.example/doors)"
    ]


async def test_the_shortcut_on_a_message_without_words_says_so(stack: Stack) -> None:
    await stack.sender.interaction(payload("message_action_no_words"))
    note = await ephemeral_to(stack, ANA)
    assert "no text I can turn into a request" in note["text"]
    assert await titles(stack) == []


# --- 4. Enterprise Grid and Slack Connect ---------------------------------------------------


async def test_a_grid_person_is_the_same_person_in_every_workspace(stack: Stack) -> None:
    status, body = await stack.sender.command_fields(grid_command("W1", "VPN drops in London"))
    code = CODE.search(body["text"]).group(0)
    tap = payload("block_actions_grid")  # the same W1, from the Paris workspace T2
    tap["actions"][0]["value"] = code
    status, _ = await stack.sender.interaction(tap)
    assert status == 200
    shown = await ephemeral_to(stack, "W1")
    assert f"{code} · Received" in json.dumps(shown["blocks"], ensure_ascii=False)


async def test_an_org_wide_event_without_team_id_is_answered(stack: Stack) -> None:
    _, body = await stack.sender.command_fields(grid_command("W1", "Monitor flickers"))
    code = CODE.search(body["text"]).group(0)
    status, _ = await stack.sender.callback(payload("message_im_org_wide"))
    assert status == 200
    replies = await posts_to(stack, "W1", "Your open requests")
    assert code in json.dumps(replies[0].args["blocks"])
    assert not [c for c in stack.slack.calls if m.WHO_ARE_YOU in json.dumps(c.args)]


async def test_a_colleague_mentioned_in_cc_is_known_across_the_organisation(stack: Stack) -> None:
    _, body = await stack.sender.command_fields(grid_command("W1", "Shared printer offline"))
    code = CODE.search(body["text"]).group(0)
    await stack.sender.command_fields(grid_command("W1", f"cc {code} <@W2|sam>", trigger_id="t.cc"))
    async with stack.db.read() as session:
        watchers = list(await session.scalars(select(Watcher.identity)))
    assert watchers == ["slack:E1:W2"]


async def test_a_slack_connect_guest_is_known_by_their_own_organisation(stack: Stack) -> None:
    await grant(stack.db, "slack:EPARTNER:UEXT", "technician")
    code = await open_request(stack, "Shared drive is read-only")
    event = payload("message_im_org_wide")
    event.update(team_id="T1", enterprise_id="E1", event_id="EvConnect")
    event["authorizations"][0].update(team_id="T1", is_enterprise_install=False)
    event["is_ext_shared_channel"] = True
    event["event"].update(
        user="UEXT",
        text=f"track take {code}",
        channel="DEXT",
        team="T1",
        user_team="EPARTNER",
        source_team="EPARTNER",
        user_profile={"real_name": "Sam Partner", "team": "EPARTNER"},
    )
    await stack.sender.callback(event)
    await posts_to(stack, "UEXT", code)
    assert not [c for c in stack.slack.calls if m.NOT_ALLOWED_WORK in json.dumps(c.args)]
    async with stack.db.read() as session:
        assignee = await session.scalar(select(Request.assignee))
    assert assignee == "slack:EPARTNER:UEXT"


async def test_a_guest_tapping_in_a_shared_channel_keeps_their_own_team(stack: Stack) -> None:
    await grant(stack.db, "slack:TPARTNER:UEXT", "technician")
    code = await open_request(stack, "Guest wifi password expired")
    tap = payload("block_actions_slack_connect")
    tap["actions"][0]["value"] = code
    await stack.sender.interaction(tap)
    note = await ephemeral_to(stack, "UEXT")
    assert code in note["text"] and note["text"] != m.NOT_ALLOWED_WORK


async def test_a_workspace_joining_a_grid_keeps_its_peoples_requests_and_roles(
    stack: Stack,
) -> None:
    await grant(stack.db, f"slack:T1:{TESS}", "technician")
    code = await open_request(stack, "Dock has no power")  # slack:T1:UANA, before the Grid
    await stack.sender.command("/track", f"follow {code}", TESS)

    # Slack now sends T1's payloads with its organisation, E1.
    _, mine = await stack.sender.command_fields(grid_command(ANA, ""))
    assert code in json.dumps(mine["blocks"])
    _, updated = await stack.sender.command_fields(
        grid_command(TESS, f"update {code} A new dock is on its way", trigger_id="t.2")
    )
    assert updated["text"] == m.UPDATED.format(code=code)

    async with stack.db.read() as session:
        request = await session.scalar(select(Request))
        roles = list(await session.scalars(select(RoleGrant.identity)))
        targets = set(await session.scalars(select(OutboxMessage.target)))
        joined = list(await session.scalars(select(SlackOrganisation.enterprise_id)))
    assert request.requester == f"slack:E1:{ANA}"
    assert roles == [f"slack:E1:{TESS}"]
    assert not [t for t in targets if t.startswith("person:slack:T1:")]
    assert f"person:slack:E1:{ANA}" in targets
    assert joined == ["E1"]


# --- 5. replays -----------------------------------------------------------------------------


async def test_a_replayed_slash_command_opens_one_request(stack: Stack) -> None:
    body = urlencode(
        {
            "token": "legacy",
            "team_id": "T1",
            "user_id": ANA,
            "command": "/track",
            "text": "Scanner on floor 3 is offline",
            "channel_id": "C1",
            "response_url": "http://127.0.0.1:9/unused",
            "trigger_id": "1764074000.1.replay",
        }
    )
    headers = stack.sender.headers(body)
    answers = [await stack.sender.raw(body, headers) for _ in range(3)]
    assert [status for status, _ in answers] == [200, 200, 200]
    assert await titles(stack) == ["Scanner on floor 3 is offline"]
    first, *again = [json.loads(text)["text"] for _, text in answers]
    assert CODE.search(first)
    assert again == [m.ALREADY_GOT_THAT] * 2


# --- 6 and 7. odd forms, logs, ratings ------------------------------------------------------


async def test_a_form_with_foreign_private_metadata_is_closed_with_one_log_line(
    stack: Stack, caplog
) -> None:
    await grant(stack.db, f"slack:T1:{TESS}", "technician")
    with caplog.at_level(logging.INFO):
        answers = [
            await stack.sender.submit_form(TESS, meta, "hello", None)
            for meta in ("This is for you!", "[1, 2]", "42")
        ]
    assert answers == [(200, "")] * 3
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    lines = [r for r in caplog.records if "private_metadata" in r.getMessage()]
    assert len(lines) == 3 and all(r.exc_info is None for r in lines)


async def test_a_refused_request_leaves_no_words_in_the_log(stack: Stack, caplog) -> None:
    words = "my payroll login is hunter2 please reset"
    body = urlencode({"team_id": "T1", "user_id": ANA, "command": "/track", "text": words})
    forged = SlackSender(str(stack.server.make_url("/")), secret="not-the-secret")
    # Bolt copies the root level when the app is made: as `cxbot serve` at INFO does.
    caplog.set_level(logging.INFO, logger="slack_bolt.RequestVerification")
    try:
        with caplog.at_level(logging.INFO):
            status, _ = await forged.post(body)
    finally:
        await forged.close()
    assert status == 401
    assert "hunter2" not in caplog.text
    assert any("bad signature" in r.getMessage() for r in caplog.records)


async def test_a_rating_that_does_not_exist_is_answered_as_bad_input(stack: Stack) -> None:
    code = await open_request(stack, "Mouse double-clicks")
    for n, value in enumerate((f"{code}:quality:9", f"{code}:mood:4", "garbage")):
        await stack.sender.click(ANA, f"cx:rate:{n + 1}", value)
    await stack.slack.wait_for(lambda calls: len(stack.slack.of("chat.postEphemeral")) >= 3)
    answers = [c.args["text"] for c in stack.slack.of("chat.postEphemeral")]
    assert answers == [m.RATING_UNKNOWN] * 3


async def test_grid_identities_reach_the_database_once_per_workspace(stack: Stack) -> None:
    for n in range(3):
        await stack.sender.command_fields(grid_command("W1", f"Request {n}", trigger_id=f"t{n}"))

    async def three() -> bool:
        async with stack.db.read() as session:
            return await session.scalar(select(func.count()).select_from(Request)) == 3

    await eventually(three)
    async with stack.db.read() as session:
        people = set(await session.scalars(select(Request.requester)))
        joined = await session.scalar(select(func.count()).select_from(SlackOrganisation))
    assert people == {"slack:E1:W1"} and joined == 1
