"""End-to-end: cxbot's real aiohttp app on a local port, a fake Slack behind SLACK_API_URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.slack.settings import SlackSettings
from adapters.web import create_app
from bot.settings import Settings
from storage.db import Database
from storage.migrate import migrate
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.slack_client import SIGNING_SECRET, SlackSender

TRIAGE_CHANNEL = "CTRIAGE"


@dataclass
class Stack:
    slack: FakeSlack
    sender: SlackSender
    server: TestServer
    db: Database
    settings: Settings
    slack_settings: SlackSettings

    def app(self, **slack: str) -> web.Application:
        """Another server on the same database, Slack's settings changed by `slack`."""
        return create_app(self.settings, slack=self.slack_settings.model_copy(update=slack))


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def stack(database_url: str, fake_slack: FakeSlack) -> AsyncIterator[Stack]:
    settings = Settings(database_url=database_url, survey_cooldown_days=0, outbox_poll_seconds=0.05)
    slack = SlackSettings(
        bot_token="xoxb-test-token",
        signing_secret=SIGNING_SECRET,
        api_url=fake_slack.url,
        triage_channel=TRIAGE_CHANNEL,
    )
    server = TestServer(create_app(settings, slack=slack), host="127.0.0.1")
    await server.start_server()
    sender = SlackSender(str(server.make_url("/")), fake=fake_slack)
    db = Database(database_url)
    await migrate(db)
    yield Stack(fake_slack, sender, server, db, settings, slack)
    await sender.close()
    await server.close()
    await db.dispose()
