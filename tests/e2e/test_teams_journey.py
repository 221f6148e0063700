"""A request's whole life in Microsoft Teams, over HTTP: install, open, follow, be updated,
rate; and a mixed organisation, where a request crosses between Teams and Slack."""

from __future__ import annotations

import re

from bot import messages as m
from tests.e2e.fake_teams import Call
from tests.e2e.slack_client import TEAM as SLACK_TEAM
from tests.e2e.teams_activities import TeamsUser
from tests.e2e.teams_stack import (
    SLACK_TRIAGE,
    TRIAGE,
    TeamsStack,
    actions,
    content,
    facts,
    identity,
    shown,
    teams_stack_fixture,  # noqa: F401 (the fixture)
)
from tests.helpers import grant

ANA = TeamsUser("Ana Alvarez")
BEN = TeamsUser("Ben Brown")
TESS = TeamsUser("Tess Tech")
LEE = TeamsUser("Lee Lead")
CODE = re.compile(r"IT-[0-9A-Z]{6}")
VPN = "My laptop won't connect to VPN"


def titled(calls: list[Call], words: str) -> list[Call]:
    return [c for c in calls if words in shown(c)]


async def open_in_teams(stack: TeamsStack, user: TeamsUser = ANA) -> tuple[str, Call, Call]:
    """`track …` in personal chat: (the code, the tracking card, the triage card)."""
    await stack.post(stack.team_install(TESS))
    status, _ = await stack.post(stack.acts.personal_message(user, f"track {VPN}"))
    assert status == 200
    answer = await stack.until(lambda: titled(stack.to(user), m.RECEIVED_TITLE))
    code = CODE.search(shown(answer[0])).group(0)
    tracking = await stack.until(lambda: titled(stack.to(user), f"{code} · Received"))
    triage = await stack.until(lambda: titled(stack.in_channel(), code))
    return code, tracking[0], triage[0]


async def test_the_whole_journey_in_teams(teams_stack: TeamsStack) -> None:
    stack = teams_stack
    await grant(stack.db, identity(TESS), "technician")
    await stack.post(stack.team_install(TESS))

    # Install: Teams says it twice (installationUpdate, conversationUpdate); one welcome.
    assert (await stack.post(stack.acts.installation_update(ANA)))[0] == 200
    assert (await stack.post(stack.acts.members_added(ANA)))[0] == 200
    welcome = await stack.until(lambda: titled(stack.to(ANA), m.TEAMS_WELCOME_TITLE))
    assert "**track**" in shown(welcome[0]) and "/track" not in shown(welcome[0])

    code, tracking, triage = await open_in_teams(stack)
    assert len(titled(stack.to(ANA), m.TEAMS_WELCOME_TITLE)) == 1
    assert content(tracking)["body"][1]["text"] == VPN
    assert facts(content(tracking))[m.FIELD_STATUS] == "Received"
    assert "Ana Alvarez" in shown(triage) and "teams:" not in shown(triage)
    buttons = actions(content(triage))
    assert {m.TAKE, m.POST_UPDATE, m.RESOLVE} <= set(buttons)
    root = stack.sent_id(triage)

    # The technician takes it in the channel: the requester hears, the cards change in place.
    await stack.post(stack.channel_submit(TESS, buttons[m.TAKE], root))
    assigned = await stack.until(
        lambda: [u for u in stack.updates(tracking) if "Assigned" in shown(u)]
    )
    assert facts(content(assigned[-1])) == {
        m.FIELD_STATUS: "Assigned",
        m.FIELD_ASSIGNEE: "Tess Tech",
    }
    assert "teams:" not in shown(assigned[-1])
    await stack.until(lambda: [u for u in stack.updates(triage) if "Tess Tech" in shown(u)])
    took = await stack.until(lambda: titled(stack.in_channel(), m.TOOK.format(code=code)))
    assert took[0].conversation == f"{triage.conversation};messageid={root}"

    # Post update: a task module with the form; sending it tells the requester.
    status, fetched = await stack.post(
        stack.channel_invoke(TESS, "task/fetch", buttons[m.POST_UPDATE], root)
    )
    assert status == 200 and fetched["task"]["type"] == "continue"
    form = fetched["task"]["value"]["card"]["content"]
    assert {"text", "choice"} <= {part.get("id") for part in form["body"]}
    [(_, submit)] = actions(form).items()
    data = submit | {"text": "New charger ordered, arriving Friday", "choice": "waiting_on_you"}
    status, submitted = await stack.post(stack.channel_invoke(TESS, "task/submit", data, root))
    assert status == 200 and submitted["task"] == {
        "type": "message",
        "value": m.UPDATED.format(code=code),
    }
    await stack.until(lambda: titled(stack.to(ANA), "New charger ordered"))
    await stack.until(lambda: [u for u in stack.updates(tracking) if "Waiting on you" in shown(u)])

    # Resolve from the card: the requester gets a rating card.
    await stack.post(stack.channel_submit(TESS, buttons[m.RESOLVE], root))
    rating = (await stack.until(lambda: titled(stack.to(ANA), "How did we do")))[0]
    assert len([d for d in _all_actions(content(rating)) if d["cx"]["action"] == "rate"]) == 25
    await stack.until(lambda: [u for u in stack.updates(tracking) if "Resolved" in shown(u)])

    # The requester's tap is saved and shown in place; someone else's is refused politely.
    speed_4 = next(
        d for d in _all_actions(content(rating)) if str(d["cx"]["value"]).endswith(":speed:4")
    )
    rating_id = stack.sent_id(rating)
    await stack.post(stack.acts.card_submit(ANA, speed_4, reply_to_id=rating_id))
    chosen = await stack.until(
        lambda: [u for u in stack.updates(rating) if m.YOU_CHOSE.format(score=4) in shown(u)]
    )
    assert chosen
    speed_1 = {"cx": speed_4["cx"] | {"value": speed_4["cx"]["value"][:-1] + "1"}}
    await stack.post(stack.acts.card_submit(BEN, speed_1, reply_to_id=rating_id))
    refused = await stack.until(lambda: titled(stack.to(BEN), m.NOT_ALLOWED_RATE.format(code=code)))
    assert refused
    assert not [u for u in stack.updates(rating) if u.at > refused[0].at]

    # What counted is what the lead reads: Ana's 4, not Ben's 1.
    await grant(stack.db, identity(LEE), "lead")
    await stack.post(stack.acts.personal_message(LEE, "cx-summary 7d"))
    summary = await stack.until(lambda: stack.to(LEE))
    # The card breaks "4.0" with an invisible word joiner, so no client links it.
    speed = facts(content(summary[0]))["Speed"].replace("\u2060", "")
    assert "4.0 / 5 · 1 rating" in speed


def _all_actions(card: dict) -> list[dict]:
    found: list[dict] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit":
                found.append(node["data"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


async def test_a_redelivered_message_opens_one_request(teams_stack: TeamsStack) -> None:
    stack = teams_stack
    await stack.post(stack.team_install(TESS))
    activity = stack.acts.personal_message(ANA, f"track {VPN}")
    assert (await stack.post(activity))[0] == 200
    assert (await stack.post(activity))[0] == 200
    code = CODE.search(shown((await stack.until(lambda: titled(stack.to(ANA), "IT-")))[0]))
    await stack.until(lambda: titled(stack.to(ANA), m.RECEIVED_TITLE))
    # Her list, asked for once both were handled, shows one request; no second answer came.
    await stack.post(stack.acts.personal_message(ANA, "where's my ticket?"))
    await stack.until(lambda: titled(stack.to(ANA), m.YOUR_OPEN_TITLE))
    assert len(titled(stack.to(ANA), m.RECEIVED_TITLE)) == 1
    assert len(titled(stack.in_channel(), "IT-")) == 1
    assert code and len(set(CODE.findall(shown(stack.to(ANA)[-1])))) == 1


async def test_where_is_my_ticket_a_bare_code_and_help_in_personal_chat(
    teams_stack: TeamsStack,
) -> None:
    stack = teams_stack
    code, _, _ = await open_in_teams(stack)

    await stack.post(stack.acts.personal_message(ANA, "where's my ticket?"))
    mine = await stack.until(lambda: titled(stack.to(ANA), m.YOUR_OPEN_TITLE))
    assert code in shown(mine[0])

    # Lower case, no dash: the same parcel page.
    await stack.post(stack.acts.personal_message(ANA, code.lower().replace("-", "")))
    # The tracking card, then the answer to the lookup.
    page = await stack.until(lambda: len(titled(stack.to(ANA), f"{code} · Received")) == 2)
    page = titled(stack.to(ANA), f"{code} · Received")
    assert "teams:" not in shown(page[-1])

    await stack.post(stack.acts.personal_message(ANA, "  help "))
    helped = (await stack.until(lambda: titled(stack.to(ANA), m.HELP_TITLE)))[0]
    assert "**track**" in shown(helped) and "/track" not in shown(helped)
    assert "**cx-summary" not in shown(helped)  # for leads only; Ana is not one


async def test_a_lead_reads_the_summary_in_teams(teams_stack: TeamsStack) -> None:
    stack = teams_stack
    await grant(stack.db, identity(LEE), "lead")
    await stack.post(stack.acts.personal_message(LEE, "cx-summary 30d"))
    summary = await stack.until(lambda: stack.to(LEE))
    assert m.NOT_ALLOWED_SUMMARY not in shown(summary[0])
    await stack.post(stack.acts.personal_message(ANA, "cx-summary"))
    refused = await stack.until(lambda: stack.to(ANA))
    assert m.NOT_ALLOWED_SUMMARY in shown(refused[0])


def slack_posts(stack: TeamsStack, channel: str) -> list:
    return [c for c in stack.slack.of("chat.postMessage") if c.args.get("channel") == channel]


def slack_buttons(call) -> dict[str, tuple[str, str]]:
    found = {}
    for block in call.args.get("blocks", []):
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            found[element["text"]["text"]] = (element["action_id"], element.get("value", ""))
    return found


async def test_a_request_opened_in_teams_is_worked_from_slack(teams_stack: TeamsStack) -> None:
    stack = teams_stack
    await grant(stack.db, f"slack:{SLACK_TEAM}:UTESS", "technician")
    code, tracking, _ = await open_in_teams(stack)
    triage = (
        await stack.slack.wait_for(
            lambda _: [c for c in slack_posts(stack, SLACK_TRIAGE) if code in str(c.args)]
        )
    )[-1]
    take = slack_buttons(triage)[m.TAKE]
    await stack.sender.click("UTESS", *take, channel=SLACK_TRIAGE)
    assigned = await stack.until(
        lambda: [u for u in stack.updates(tracking) if "Assigned" in shown(u)]
    )
    assert "slack:" not in shown(assigned[-1]) and "UTESS" not in shown(assigned[-1])

    await stack.sender.click("UTESS", *slack_buttons(triage)[m.POST_UPDATE], channel=SLACK_TRIAGE)
    opened = await stack.slack.wait_for(lambda _: stack.slack.of("views.open"))
    view = next(c for c in opened if c.method == "views.open").args["view"]
    await stack.sender.submit_form("UTESS", view["private_metadata"], "Charger on its way", None)
    await stack.until(lambda: titled(stack.to(ANA), "Charger on its way"))

    status, body = await stack.sender.command("/track", f"resolve {code} Fixed", "UTESS")
    assert status == 200 and code in body["text"]
    await stack.until(lambda: titled(stack.to(ANA), "How did we do"))
    resolved = await stack.until(
        lambda: [u for u in stack.updates(tracking) if "Resolved" in shown(u)]
    )
    # Slack's technician by the name Slack gives (the fake names UTESS "Tess"), looked up
    # after their first tap; never by an identity.
    assert "Tess" in shown(resolved[-1]) and "UTESS" not in shown(resolved[-1])
    # Ana was reached only in Teams.
    assert not [c for c in stack.slack.of("chat.postMessage") if "ANA" in c.args["channel"]]


async def test_a_request_opened_in_slack_is_worked_from_a_teams_channel(
    teams_stack: TeamsStack,
) -> None:
    stack = teams_stack
    await grant(stack.db, identity(TESS), "technician")
    await stack.post(stack.team_install(TESS))
    status, body = await stack.sender.command("/track", VPN, "UANA")
    assert status == 200
    code = CODE.search(body["text"]).group(0)
    triage = (await stack.until(lambda: titled(stack.in_channel(), code)))[0]
    root = stack.sent_id(triage)

    await stack.post(stack.channel_submit(TESS, actions(content(triage))[m.TAKE], root))

    def dm_updates(words: str) -> list:
        return [
            c
            for c in stack.slack.of("chat.update")
            if c.args.get("channel") == "DANA" and words in str(c.args.get("blocks"))
        ]

    assigned = await stack.slack.wait_for(lambda _: dm_updates("Assigned"))
    assert "Tess Tech" in str(dm_updates("Assigned")[-1].args["blocks"]) and assigned
    await stack.post(stack.channel_submit(TESS, actions(content(triage))[m.RESOLVE], root))
    await stack.slack.wait_for(
        lambda _: [c for c in slack_posts(stack, "UANA") if "How did we do" in str(c.args)]
    )
    # Tess heard back in Teams, in the thread she acted in; Ana only in Slack.
    assert titled(stack.in_channel(), m.TOOK.format(code=code))
    assert all(c.conversation.startswith(TRIAGE) for c in stack.teams.posted())
