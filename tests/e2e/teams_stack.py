"""A running cxbot with Teams in emulator mode beside Slack: fake Bot Framework connector,
fake Slack Web API, and helpers that post activities and read the cards Teams received.

A test module imports `teams_stack_fixture` and asks for `teams_stack` (the name differs so
that the import and the test's argument do not shadow each other).
Both platforms have a triage channel, so a request reaches IT wherever it works.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.slack.settings import SlackSettings
from adapters.teams.settings import TeamsSettings
from adapters.web import create_app
from bot.people import teams_identity
from bot.settings import Settings
from storage.db import Database
from storage.migrate import migrate
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.fake_teams import Call, FakeTeams
from tests.e2e.slack_client import SIGNING_SECRET, SlackSender
from tests.e2e.teams_activities import TENANT, TeamsActivities, TeamsUser

APP_ID = "00000000-0000-0000-0000-00000000b07a"
SLACK_TRIAGE = "CTRIAGE"
TEAM = "19:team0general0channel0000000000@thread.tacv2"
TRIAGE = "19:it0support0triage00000000000000@thread.tacv2"

Json = dict[str, Any]


def identity(user: TeamsUser) -> str:
    return teams_identity(TENANT, user.aad_object_id)


def content(call: Call) -> Json:
    """The Adaptive Card a message or update carried."""
    [attachment] = (call.activity or {})["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachment["content"]


def shown(call: Call) -> str:
    """Everything the card shows, as one string to search."""
    return json.dumps(content(call), ensure_ascii=False)


def actions(card: Json) -> dict[str, Json]:
    """Button title → its Action.Submit `data`, wherever the button sits in the card."""
    found: dict[str, Json] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit":
                found[node["title"]] = node.get("data", {})
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


def facts(card: Json) -> dict[str, str]:
    """Every FactSet's title → value in the card."""
    return {
        fact["title"]: fact["value"]
        for part in card.get("body", [])
        if part.get("type") == "FactSet"
        for fact in part["facts"]
    }


@dataclass
class TeamsStack:
    teams: RecordingTeams
    slack: FakeSlack
    sender: SlackSender
    server: TestServer
    db: Database
    acts: TeamsActivities
    http: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return str(self.server.make_url("/api/messages"))

    async def post(self, activity: Json) -> tuple[int, Any]:
        """Posts an activity as the Bot Connector does; (status, JSON body or text)."""
        async with self.http.post(self.url, json=activity) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text) if text else None
            except ValueError:
                return response.status, text

    def conversation(self, user: TeamsUser) -> str:
        return self.acts.personal_conversation_id(user)

    def to(self, user: TeamsUser) -> list[Call]:
        """Messages the person received in their personal chat."""
        return self.teams.posted(self.conversation(user))

    def in_channel(self, channel: str = TRIAGE) -> list[Call]:
        return [c for c in self.teams.posted() if (c.conversation or "").startswith(channel)]

    def updates(self, call: Call) -> list[Call]:
        """Updates in place of the message `call` posted (PUT on its activity id)."""
        sent_id = self.sent_id(call)
        return [c for c in self.teams.of("update", call.conversation) if c.activity_id == sent_id]

    def sent_id(self, call: Call) -> str:
        """The id the connector gave a posted message."""
        return self.teams.sent_ids[id(call)]

    async def until(self, check: Callable[[], Any], within: float = 10.0) -> Any:
        """Waits until `check()` gives something truthy, and returns it."""
        found: list[Any] = []

        def ready(_: list[Call]) -> bool:
            found[:] = [check()]
            return bool(found[0])

        await self.teams.wait_for(ready, within)
        return found[0]

    # --- a team's channel -----------------------------------------------------------------

    def team_install(self, user: TeamsUser, channel: str = TRIAGE) -> Json:
        """The app added to a team: conversationUpdate in its channel, the bot among the
        members added (Teams' "teamMemberAdded")."""
        activity = self.acts.channel_message(user, "", team_id=TEAM, channel_id=channel)
        activity |= {"type": "conversationUpdate", "membersAdded": [self.acts.bot]}
        activity["conversation"]["id"] = channel
        activity["channelData"]["eventType"] = "teamMemberAdded"
        for key in ("text", "textFormat", "entities"):
            activity.pop(key)
        return activity

    def channel_submit(self, user: TeamsUser, data: Json, root: str, channel: str = TRIAGE) -> Json:
        """A tap on an Action.Submit button of a card the bot posted in a channel."""
        activity = self.acts.channel_message(user, "", team_id=TEAM, channel_id=channel)
        activity["conversation"]["id"] = f"{channel};messageid={root}"
        activity |= {"value": data, "replyToId": root, "text": ""}
        activity["channelData"]["postBack"] = True
        return activity

    def channel_invoke(
        self, user: TeamsUser, name: str, data: Json, root: str, channel: str = TRIAGE
    ) -> Json:
        """task/fetch or task/submit from a card in a channel."""
        activity = self.channel_submit(user, {}, root, channel)
        activity |= {"type": "invoke", "name": name, "value": {"data": data, "context": {}}}
        for key in ("text", "textFormat"):
            activity.pop(key)
        return activity


class RecordingTeams(FakeTeams):
    """The fake connector, also keeping the id it gave each message it took."""

    def __init__(self) -> None:
        super().__init__()
        self.sent_ids: dict[int, str] = {}

    def _answer(self, call: Call, request: web.Request) -> web.Response:
        response = super()._answer(call, request)
        if call.kind in ("send", "reply") and isinstance(response.body, bytes):
            self.sent_ids[id(call)] = str(json.loads(response.body)["id"])
        return response


@pytest.fixture(name="teams_stack")
async def teams_stack_fixture(database_url: str) -> AsyncIterator[TeamsStack]:
    teams, slack = RecordingTeams(), FakeSlack()
    await teams.start()
    await slack.start()
    settings = Settings(database_url=database_url, survey_cooldown_days=0, outbox_poll_seconds=0.05)
    slack_settings = SlackSettings(
        bot_token="xoxb-test-token",
        signing_secret=SIGNING_SECRET,
        api_url=slack.url,
        triage_channel=SLACK_TRIAGE,
    )
    teams_settings = TeamsSettings(emulator=True, triage_channel=TRIAGE)
    app = create_app(settings, slack=slack_settings, teams=teams_settings)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    sender = SlackSender(str(server.make_url("/")), fake=slack)
    db = Database(database_url)
    await migrate(db)
    http = aiohttp.ClientSession()
    yield TeamsStack(teams, slack, sender, server, db, teams.activities(APP_ID), http)
    await http.close()
    await sender.close()
    await server.close()
    await db.dispose()
    await slack.close()
    await teams.close()
