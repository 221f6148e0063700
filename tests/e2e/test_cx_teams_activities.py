"""The CX features of issue 10 driven over HTTP with activities shaped exactly as Teams sends
them (tests/e2e/cx_teams_activities.py): the comment box sent empty or with lines of
markdown, `cx-summary <at>Tess</at>`, answers only one person may read asked for in a
channel, taps on a card that has closed, the quarterly pulse; every card Teams received
valid by the Adaptive Card 1.5 schema and Microsoft's library, and within Teams' size."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import update

from adapters.teams.cards import utf16_size
from adapters.teams.settings import TeamsSettings
from adapters.web import create_app
from bot import messages as m
from bot.cx.pulse import Pulse
from bot.jobs.calendar import Due
from bot.settings import Settings
from storage.db import Database
from storage.migrate import migrate
from storage.models import Survey
from tests.adapters.adaptive_cards.checks import microsoft_check, schema_errors
from tests.e2e import teams_stack as stacks
from tests.e2e.cx_teams_activities import (
    channel_typed,
    group_chat_typed,
    left_out,
    mention,
    mentioning,
    personal_with_mentions,
    submit_in_channel,
)
from tests.e2e.fake_teams import Call
from tests.e2e.teams_stack import (
    TEAM,
    TRIAGE,
    TeamsStack,
    actions,
    content,
    identity,
    shown,
    teams_stack_fixture,  # noqa: F401 (the fixture)
)
from tests.e2e.test_followups_teams import LEE, QUINN, TESS, resolved_for_quinn, tap, titled
from tests.e2e.test_summary_commands import PERIOD, TEAMS_LEE, TEAMS_TESS, teams_month
from tests.helpers import grant

TEAMS_LIMIT = 40_000  # bytes of UTF-16 in a whole activity; Teams' own figure is 40 KB
Json = dict[str, Any]
PUBLIC = "https://cxbot.example.com"


def check_every_card(stack: TeamsStack, tmp_path: Path, *extra: Json) -> int:
    """Every card the fake connector received (and `extra`, a task module's), through both
    checks and within the size; how many there were."""
    calls = [c for c in stack.teams.calls if c.kind in ("send", "reply", "update")]
    cards: dict[str, Json] = {}
    for n, call in enumerate(c for c in calls if c.status < 300 and c.activity):
        assert utf16_size(call.activity) < TEAMS_LIMIT, call.kind
        for attachment in call.activity.get("attachments") or []:
            cards[f"{n} {call.kind}"] = attachment["content"]
    cards |= {f"extra {n}": card for n, card in enumerate(extra)}
    assert {name: schema_errors(card) for name, card in cards.items() if schema_errors(card)} == {}
    report = microsoft_check(cards, tmp_path)
    assert {name: r["errors"] for name, r in report.items() if r["errors"]} == {}
    return len(cards)


def summaries(calls: list[Call]) -> list[Call]:
    return [c for c in calls if "CX summary" in shown(c)]


def told(calls: list[Call], words: str) -> list[Call]:
    """The plain messages (no buttons, no box) saying `words`."""
    return [c for c in titled(calls, words) if "Action." not in shown(c)]


def images(card: Json) -> list[Json]:
    return [part for part in card["body"] if part.get("type") == "Image"]


async def test_the_comment_box_sent_empty_or_with_lines_of_markdown(
    teams_stack: TeamsStack, tmp_path: Path
) -> None:
    stack = teams_stack
    _, rating = await resolved_for_quinn(stack)
    save = actions(content(rating))[m.COMMENT_FORM_SUBMIT]
    # An empty box: older clients leave it out, others send "".
    for n, data in enumerate((left_out(save, "text"), save | {"text": ""}), start=1):
        await tap(stack, QUINN, rating, data)
        await stack.until(lambda n=n: len(told(stack.to(QUINN), m.COMMENT_EMPTY)) == n)
    assert not titled(stack.to(QUINN), "track update")

    typed = "Line one **bold** [x](http://e.example)\r\n- an item\n<at>Everyone</at>\n# done"
    await tap(stack, QUINN, rating, save | {"text": typed})
    [updated] = await stack.until(
        lambda: [u for u in stack.updates(rating) if "Line one" in shown(u)]
    )
    raw = json.dumps(content(updated))
    # Shown as typed: every mark escaped, the lines kept.
    for escaped in (
        r"\\*\\*bold\\*\\*",
        r"\\[x\\]",
        r"\\<at\\>Everyone",
        r"\\- an item",
        r"\\# done",
    ):
        assert escaped in raw, escaped
    await tap(stack, QUINN, rating, actions(content(rating))[m.ANONYMOUS_BUTTON])
    await stack.until(lambda: [u for u in stack.updates(rating) if m.ANONYMOUS_ON in shown(u)])
    assert check_every_card(stack, tmp_path) >= 8


async def test_cx_summary_at_mention_picks_the_technician_mentioned(
    teams_stack: TeamsStack, tmp_path: Path
) -> None:
    stack = teams_stack
    await teams_month(stack)
    title = "CX summary · Tess Smith · 10 Jun 2026 to 16 Jun 2026"
    short = mention(TEAMS_TESS) | {"text": "<at>Tess</at>"}
    with_id = mention(TEAMS_TESS)
    with_id["mentioned"] = with_id["mentioned"] | {"aadObjectId": TEAMS_TESS.aad_object_id}
    asked = [
        personal_with_mentions(stack.acts, TEAMS_LEE, f"cx-summary {PERIOD}", TEAMS_TESS),
        # A mention trimmed to the first name, as Teams lets one do.
        stack.acts.personal_message(
            TEAMS_LEE, f"/cx-summary {PERIOD} <at>Tess</at>", entities=[short]
        ),
        # A mention that carries the Entra ID object id.
        stack.acts.personal_message(
            TEAMS_LEE, f"cx-summary {PERIOD} {with_id['text']}", entities=[with_id]
        ),
    ]
    for n, activity in enumerate(asked, start=1):
        assert (await stack.post(activity))[0] == 200
        answers = await stack.until(
            lambda n=n: len(stack.to(TEAMS_LEE)) >= n and stack.to(TEAMS_LEE)
        )
        assert title in shown(answers[n - 1]), shown(answers[n - 1])[:300]
    # No CXBOT_PUBLIC_URL: the chart travels in the card, or the card says it is left out.
    card = content(stack.to(TEAMS_LEE)[0])
    assert [i["url"][:22] for i in images(card)] == ["data:image/png;base64,"] or (
        m.CHART_LEFT_OUT in json.dumps(card, ensure_ascii=False)
    )
    assert check_every_card(stack, tmp_path) >= 3


async def test_what_only_the_asker_may_read_never_goes_to_the_channel(
    teams_stack: TeamsStack, tmp_path: Path
) -> None:
    stack = teams_stack
    await teams_month(stack)
    await grant(stack.db, identity(TEAMS_TESS), "technician")
    # "@cxbot cx-summary … @Tess Smith", a new thread in the channel.
    asked = stack.acts.channel_message(TEAMS_LEE, "", team_id=TEAM, channel_id=TRIAGE)
    typed = [
        mentioning(asked, f"cx-summary {PERIOD}", TEAMS_TESS),
        channel_typed(stack.acts, TEAMS_LEE, "follow-ups", team=TEAM, channel=TRIAGE),
        channel_typed(stack.acts, TEAMS_TESS, f"cx-me {PERIOD}", team=TEAM, channel=TRIAGE),
    ]
    for activity in typed:
        assert (await stack.post(activity))[0] == 200
    # Neither has a chat with the bot yet: the delivery opens one through the tenant.
    notes = await stack.until(
        lambda: (
            len(titled(stack.in_channel(), m.TEAMS_SENT_PRIVATELY)) == 3
            and titled(stack.in_channel(), m.TEAMS_SENT_PRIVATELY)
        )
    )
    elsewhere = lambda: [c for c in stack.teams.posted() if not c.conversation.startswith(TRIAGE)]  # noqa: E731
    private = await stack.until(lambda: len(elsewhere()) >= 3 and elsewhere())
    assert stack.teams.of("create")
    [summary] = summaries(private)
    assert "CX summary · Tess Smith" in shown(summary)
    assert titled(private, m.FOLLOWUPS_TITLE) or titled(private, m.FOLLOWUPS_NONE)
    assert titled(private, "Your ratings")
    in_channel = " ".join(shown(c) for c in stack.in_channel())
    for secret in ("CX summary", "Your ratings", m.FOLLOWUPS_NONE, "Slow start"):
        assert secret not in in_channel
    # In a group chat, with the bot's mention as Teams has sent it there (no `text`).
    chat = "19:meeting0group0chat000000000000@thread.v2"
    asked = group_chat_typed(stack.acts, TEAMS_LEE, f"cx-summary {PERIOD}", chat=chat)
    assert (await stack.post(asked))[0] == 200
    await stack.until(lambda: titled(stack.teams.posted(chat), m.TEAMS_SENT_PRIVATELY))
    await stack.until(lambda: len(summaries(elsewhere())) == 2)
    assert not summaries(stack.teams.posted(chat))
    # Each note answers in the thread it was asked in.
    assert all(";messageid=" in (c.conversation or "") for c in notes)
    assert check_every_card(stack, tmp_path) >= 6


async def test_taps_on_a_rating_card_that_has_closed(
    teams_stack: TeamsStack, tmp_path: Path
) -> None:
    stack = teams_stack
    code, rating = await resolved_for_quinn(stack)
    card = content(rating)
    async with stack.db.write() as session:
        await session.execute(update(Survey).values(closes_at=datetime(2026, 1, 1, tzinfo=UTC)))
    score = {"cx": {"action": "rate", "value": f"{code}:speed:1"}}
    await tap(stack, QUINN, rating, score)
    closed = m.RATE_CLOSED.format(code=code)
    await stack.until(lambda: titled(stack.to(QUINN), closed))
    await tap(stack, QUINN, rating, actions(card)[m.COMMENT_FORM_SUBMIT] | {"text": "late"})
    await stack.until(lambda: len(told(stack.to(QUINN), closed)) == 2)
    check_every_card(stack, tmp_path)


async def test_the_quarterly_pulse_card_taps(teams_stack: TeamsStack, tmp_path: Path) -> None:
    stack = teams_stack
    await stack.post(stack.acts.personal_message(QUINN, "track The projector flickers"))
    await stack.until(lambda: titled(stack.to(QUINN), m.RECEIVED_TITLE))
    settings = Settings()
    pulse = Pulse(stack.db, settings, wake=lambda: None)
    january = datetime(2027, 1, 4, 9, tzinfo=settings.zone)
    write = await pulse.prepare(Due(slot=january.toordinal(), at=january))
    async with stack.db.write() as session:
        await write(session)
    [card] = await stack.until(lambda: titled(stack.to(QUINN), m.PULSE_TITLE))
    buttons = actions(content(card))
    first = next(data for title, data in buttons.items() if title.startswith("4"))
    await tap(stack, QUINN, card, first)
    await stack.until(lambda: stack.updates(card))
    # Someone else sending Quinn's tap: refused, nothing of Quinn's shown.
    await stack.post(stack.acts.card_submit(TESS, first, reply_to_id=stack.sent_id(card)))
    await stack.until(lambda: told(stack.to(TESS), m.PULSE_NOT_YOURS))
    assert check_every_card(stack, tmp_path) >= 3


@pytest.fixture(name="public_stack")
async def public_stack_fixture(database_url: str) -> AsyncIterator[TeamsStack]:
    """The Teams stack with CXBOT_PUBLIC_URL set: charts are served, not carried."""
    teams = stacks.RecordingTeams()
    await teams.start()
    settings = Settings(database_url=database_url, outbox_poll_seconds=0.05, public_url=PUBLIC)
    app = create_app(settings, teams=TeamsSettings(emulator=True, triage_channel=TRIAGE))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    db = Database(database_url)
    await migrate(db)
    http = aiohttp.ClientSession()
    acts = teams.activities(stacks.APP_ID)
    yield TeamsStack(teams, None, None, server, db, acts, http)  # type: ignore[arg-type]
    await http.close()
    await server.close()
    await db.dispose()
    await teams.close()


async def test_the_summary_shows_its_chart_from_the_public_address(
    public_stack: TeamsStack, tmp_path: Path
) -> None:
    stack = public_stack
    await teams_month(stack)
    await stack.post(stack.acts.personal_message(TEAMS_LEE, f"cx-summary {PERIOD}"))
    [summary] = await stack.until(lambda: summaries(stack.to(TEAMS_LEE)))
    [image] = images(content(summary))
    assert image["url"].startswith(f"{PUBLIC}/charts/")
    assert image["url"].endswith(".png") and image["altText"]
    path = image["url"].removeprefix(PUBLIC)
    async with stack.http.get(str(stack.server.make_url(path))) as response:
        assert response.status == 200 and (await response.read())[:4] == b"\x89PNG"
    assert check_every_card(stack, tmp_path) >= 1


async def test_task_modules_sent_back_with_their_box_left_empty(
    teams_stack: TeamsStack, tmp_path: Path
) -> None:
    stack = teams_stack
    code, rating = await resolved_for_quinn(stack)
    await tap(stack, QUINN, rating, actions(content(rating))[m.ANONYMOUS_BUTTON])
    await stack.until(lambda: [u for u in stack.updates(rating) if m.ANONYMOUS_ON in shown(u)])
    score = {"cx": {"action": "rate", "value": f"{code}:communication:1"}}
    await tap(stack, QUINN, rating, score)
    [card] = await stack.until(lambda: titled(stack.to(LEE), "anonymous feedback"))
    forms = []
    # "I'll reach out" to someone anonymous: the message box sent empty is asked for again.
    reach = actions(content(card))[m.REACH_OUT]
    assert reach["msteams"] == {"type": "task/fetch"}
    status, fetched = await stack.post(stack.acts.task_fetch(LEE, reach))
    assert status == 200 and fetched["task"]["type"] == "continue"
    forms.append(fetched["task"]["value"]["card"]["content"])
    [(_, send)] = actions(forms[-1]).items()
    status, sent = await stack.post(stack.acts.task_submit(LEE, send))
    assert status == 200 and sent == {"task": {"type": "message", "value": m.MESSAGE_EMPTY}}
    # "Resolved" with no note: Teams leaves the empty box out of value.data.
    resolve = actions(content(card))[m.FOLLOWUP_RESOLVE]
    status, fetched = await stack.post(stack.acts.task_fetch(LEE, resolve))
    forms.append(fetched["task"]["value"]["card"]["content"])
    [(_, send)] = actions(forms[-1]).items()
    status, sent = await stack.post(stack.acts.task_submit(LEE, send | {"msteams": {}}))
    assert status == 200 and sent["task"]["type"] == "message"
    assert sent["task"]["value"].startswith("Follow-up on")
    await stack.until(
        lambda: [u for u in stack.updates(card) if m.REACH_OUT not in actions(content(u))]
    )
    assert check_every_card(stack, tmp_path, *forms) >= 6


async def test_a_button_tapped_on_a_card_in_a_channel(
    teams_stack: TeamsStack, tmp_path: Path
) -> None:
    """Action.Submit in a channel: `value`, no text, no mention, the thread's root as
    replyToId; answered in that thread to someone with no personal chat."""
    stack = teams_stack
    await grant(stack.db, identity(TESS), "technician")
    await stack.post(stack.team_install(TESS))
    await stack.post(stack.acts.personal_message(QUINN, "track The badge reader is dead"))
    [triage] = await stack.until(lambda: stack.in_channel())
    take = next(data for title, data in actions(content(triage)).items() if "Take" in title)
    tapped = submit_in_channel(
        stack.acts, TESS, take, root=stack.sent_id(triage), team=TEAM, channel=TRIAGE
    )
    assert "text" not in tapped
    assert (await stack.post(tapped))[0] == 200
    await stack.until(lambda: [u for u in stack.updates(triage) if "Tess Tech" in shown(u)])
    [answer] = await stack.until(
        lambda: [c for c in stack.in_channel() if ";messageid=" in c.conversation]
    )
    assert answer.conversation == f"{TRIAGE};messageid={stack.sent_id(triage)}"
    check_every_card(stack, tmp_path)
