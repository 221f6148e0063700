"""`/cx-summary` and `/cx-me` over HTTP, on a small team's month (tests/summary_data.py):
signed Slack slash commands, and the same words typed to the bot in Teams."""

from __future__ import annotations

import json

from bot import messages as m
from storage.db import Database
from tests import summary_data as data
from tests.e2e.conftest import Stack
from tests.e2e.teams_activities import TeamsUser
from tests.e2e.teams_stack import (
    TeamsStack,
    content,
    facts,
    identity,
    shown,
    teams_stack_fixture,  # noqa: F401 (the fixture)
)
from tests.summary_data import add_request, at

# The month's whole days, in Slack's organisation T1 (tests/e2e/slack_client.py).
PERIOD = "2026-06-10..2026-06-16"
TESS, TOM, LEE = "UTESS", "UTOM", "ULEE"


def blocks_text(body: dict) -> str:
    return json.dumps(body.get("blocks", []), ensure_ascii=False)


async def two_more_for(db: Database, technician: str, requester: str) -> None:
    """Two more rated requests for one technician, so their own averages show (from 5)."""
    for number in (7, 8):
        await add_request(
            db, number, opened=at(15, 8), resolved=at(15, 12), updates=(at(15, 9),),
            staff=(technician,), requester=requester, ratings={"speed": 5, "quality": 4},
        )  # fmt: skip


async def test_a_lead_reads_the_teams_month_and_one_technician_in_slack(stack: Stack) -> None:
    await data.a_team_month(stack.db)
    status, body = await stack.sender.command("/cx-summary", PERIOD, LEE)
    assert status == 200, body
    text = blocks_text(body)
    assert "3.5 / 5 · 4 ratings" in text and "▲ 1.0 (was 2.5)" in text
    assert "First response: 45 min (median)" in text
    assert "Slow start" in text and "Bob" not in text and "UBOB" not in text
    assert m.TECHNICIANS_HIDDEN.format(n=2, least=5) in text

    await two_more_for(stack.db, data.TESS, data.ANA)
    status, body = await stack.sender.command("/cx-summary", f"{PERIOD} <@{TESS}|tess>", LEE)
    assert status == 200
    assert "CX summary · Tess Smith · 10 Jun 2026 to 16 Jun 2026" in blocks_text(body)

    status, body = await stack.sender.command("/cx-summary", "someday", LEE)
    assert status == 200 and m.SCOPE_UNKNOWN.format(words="someday")[:40] in body["text"]


async def test_a_technician_reads_their_own_and_nobody_elses_in_slack(stack: Stack) -> None:
    await data.a_team_month(stack.db)
    await two_more_for(stack.db, data.TESS, data.ANA)
    status, body = await stack.sender.command("/cx-me", PERIOD, TESS)
    assert status == 200, body
    text = blocks_text(body) + body["text"]
    assert "You: 4.4 (5 ratings) · team: 4.0 (6 ratings)" in text
    assert "Slow start" in text and "Quick and kind" in text
    for someone in ("Tom", "UTOM", "Ana", "UANA", "Bob", "UBOB", "Lee", "ULEE"):
        assert someone not in text

    status, body = await stack.sender.command("/cx-me", PERIOD, TOM)
    text = blocks_text(body) + body["text"]
    assert m.MINE_TOO_FEW.format(rated="2 rated requests", least=5) in text
    assert "Tess" not in text and "UTESS" not in text

    status, body = await stack.sender.command("/cx-me", "", "UANA")
    assert status == 200 and body["text"] == m.NOT_ALLOWED_MINE


TEAMS_TESS, TEAMS_TOM = TeamsUser("Tess Smith"), TeamsUser("Tom Baker")
TEAMS_ANA, TEAMS_BOB, TEAMS_LEE = (
    TeamsUser("Ana Lopez"),
    TeamsUser("Bob Stone"),
    TeamsUser("Lee Park"),
)


async def teams_month(stack: TeamsStack) -> None:
    await data.a_team_month(
        stack.db, tess=identity(TEAMS_TESS), tom=identity(TEAMS_TOM), ana=identity(TEAMS_ANA),
        bob=identity(TEAMS_BOB), lee=identity(TEAMS_LEE),
    )  # fmt: skip
    await two_more_for(stack.db, identity(TEAMS_TESS), identity(TEAMS_ANA))


async def test_the_summary_and_cx_me_in_teams(teams_stack: TeamsStack) -> None:
    stack = teams_stack
    await teams_month(stack)
    await stack.post(stack.acts.personal_message(TEAMS_LEE, f"cx-summary {PERIOD}"))
    [summary] = await stack.until(lambda: stack.to(TEAMS_LEE))
    speed = facts(content(summary))["Speed"].replace("\u2060", "")
    assert speed.startswith("████░  4.0 / 5 · 6 ratings")
    assert "Slow start" in shown(summary) and "Bob" not in shown(summary)

    await stack.post(stack.acts.personal_message(TEAMS_TESS, f"/cx-me {PERIOD}"))
    [mine] = await stack.until(lambda: stack.to(TEAMS_TESS))
    assert facts(content(mine))["Speed"].replace("\u2060", "").startswith("You: 4.4 (5 ratings)")
    for someone in ("Tom", TEAMS_TOM.aad_object_id, "Ana", TEAMS_ANA.aad_object_id, "Bob", "Lee"):
        assert someone not in shown(mine)
