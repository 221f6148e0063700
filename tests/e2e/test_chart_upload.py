"""The summary's chart, end to end: uploaded to the fake Slack with Slack's upload calls, in
order, beside the card it belongs to; served by the server for Teams cards at an address
nobody can guess; forgotten by housekeeping; and a failed upload never sends a card twice."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import date, timedelta

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.core import build_core
from adapters.slack.delivery import SlackDelivery
from bot import messages as m
from bot.cx.chart import weekly_chart_image
from bot.cx.dimensions import DIMENSIONS
from bot.delivery.dispatch import Outgoing, Sent
from bot.delivery.targets import Op
from bot.jobs.housekeeping import Housekeeping
from bot.views import Card, Field
from storage import charts as chart_store
from storage.models import ChartRecord
from storage.types import utcnow
from tests.adapters.test_teams_delivery import ANA, identity, knows, teams
from tests.e2e.conftest import Stack
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.fake_teams import FakeTeams
from tests.helpers import grant
from tests.summary_data import add_request

WEEKS = [date(2026, 1, 5) + timedelta(weeks=n) for n in range(13)]
CHART = weekly_chart_image(
    WEEKS, {d.key: [4.0 - (n % 4) / 2 for n in range(13)] for d in DIMENSIONS}, title="Weekly"
)
PNG = base64.b64decode(CHART.png_base64)
LEE = "ULEE"
UPLOAD = ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]


def summary(image: bool = True) -> Card:
    fields = tuple(Field(d.label, "4.1 / 5") for d in DIMENSIONS)
    return Card(title="CX summary", fields=fields, image=CHART if image else None)


@pytest.fixture
async def slack(fake_slack: FakeSlack) -> AsyncIterator[SlackDelivery]:
    async with aiohttp.ClientSession() as http:
        client = AsyncWebClient(token="xoxb-test-token", base_url=fake_slack.url, session=http)
        yield SlackDelivery(client, "CTRIAGE")


@pytest.fixture
async def fake_teams() -> AsyncIterator[FakeTeams]:
    fake = FakeTeams()
    await fake.start()
    yield fake
    await fake.close()


def methods(fake: FakeSlack) -> list[str]:
    return [call.method for call in fake.calls]


async def test_the_card_goes_first_then_its_chart_with_slacks_three_upload_calls(
    fake_slack: FakeSlack, slack: SlackDelivery
) -> None:
    result = await slack.deliver(Outgoing(1, Op.POST, f"person:slack:T1:{LEE}", summary(), None))
    assert isinstance(result, Sent)
    assert methods(fake_slack) == ["chat.postMessage", *UPLOAD]
    [post] = fake_slack.of("chat.postMessage")
    assert CHART.png_base64[:40] not in json.dumps(post.args)  # the blocks carry no bytes
    [asked] = fake_slack.of("files.getUploadURLExternal")
    assert asked.args["filename"] == "cx-summary.png" and int(asked.args["length"]) == len(PNG)
    assert asked.args["alt_txt"] == CHART.alt
    assert asked.token == "xoxb-test-token"
    [file_id] = fake_slack.uploaded
    assert fake_slack.uploaded[file_id] == PNG
    [shared] = fake_slack.of("files.completeUploadExternal")
    assert json.loads(shared.args["files"]) == [{"id": file_id, "title": "Weekly"}]
    # In the conversation the card went to, right after it (not folded into a thread).
    assert shared.args["channel_id"] == result.address["conversation"] == "DLEE"
    assert "thread_ts" not in shared.args


async def test_a_card_in_a_thread_has_its_chart_in_the_same_thread(
    fake_slack: FakeSlack, slack: SlackDelivery
) -> None:
    await slack.deliver(Outgoing(1, Op.POST, "thread:C7:1700000000.000100", summary(), None))
    [post] = fake_slack.of("chat.postMessage")
    [shared] = fake_slack.of("files.completeUploadExternal")
    assert post.args["thread_ts"] == shared.args["thread_ts"] == "1700000000.000100"
    assert shared.args["channel_id"] == "C7"


@pytest.mark.parametrize(
    ("method", "status"),
    [("files.getUploadURLExternal", 200), ("upload", 500), ("files.completeUploadExternal", 429)],
)
async def test_a_chart_that_fails_is_left_and_the_card_is_never_sent_twice(
    fake_slack: FakeSlack, slack: SlackDelivery, method: str, status: int
) -> None:
    fake_slack.fail_next(method, status=status, error="ratelimited" if status == 429 else "x")
    target = f"person:slack:T1:{LEE}"
    result = await slack.deliver(Outgoing(1, Op.POST, target, summary(), None))
    assert isinstance(result, Sent)  # not retried: a retry would post the card again
    assert len(fake_slack.of("chat.postMessage")) == 1
    assert methods(fake_slack)[-1] == method


async def test_an_update_in_place_keeps_the_chart_already_there(
    fake_slack: FakeSlack, slack: SlackDelivery
) -> None:
    first = await slack.deliver(Outgoing(1, Op.UPSERT, "triage", summary(), "summary:1"))
    assert isinstance(first, Sent)
    again = Outgoing(2, Op.UPSERT, "triage", summary(), "summary:1", first.address)
    await slack.deliver(again)
    assert methods(fake_slack) == ["chat.postMessage", *UPLOAD, "chat.update"]
    plain = await slack.deliver(Outgoing(3, Op.POST, "triage", summary(image=False), None))
    assert isinstance(plain, Sent) and methods(fake_slack)[-1] == "chat.postMessage"


async def test_a_leads_cx_summary_brings_the_chart_to_their_direct_messages(
    stack: Stack,
) -> None:
    await grant(stack.db, f"slack:T1:{LEE}", "lead")
    resolved = utcnow() - timedelta(days=3)
    await add_request(
        stack.db, 1, opened=resolved - timedelta(hours=5), resolved=resolved, ratings={"speed": 4}
    )
    status, body = await stack.sender.command("/cx-summary", "90d", LEE)
    assert status == 200 and "iVBOR" not in json.dumps(body)  # no PNG inside the answer
    await stack.slack.wait_for(lambda calls: calls and calls[-1].method == UPLOAD[-1])
    [opened] = stack.slack.of("conversations.open")
    assert opened.args["users"] == LEE
    [shared] = stack.slack.of("files.completeUploadExternal")
    assert shared.args["channel_id"] == "DLEE"
    assert shared.args["initial_comment"] == m.CHART_FOR_SUMMARY
    [uploaded] = stack.slack.uploaded.values()
    assert uploaded.startswith(b"\x89PNG\r\n\x1a\n")  # the summary's own chart

    # Someone who may not read the summary gets no chart.
    await stack.sender.command("/cx-summary", "90d", "UANA")
    assert len(stack.slack.of("files.completeUploadExternal")) == 1


async def test_teams_shows_the_chart_from_this_servers_address(
    stack: Stack, fake_teams: FakeTeams
) -> None:
    public = str(stack.server.make_url("")).rstrip("/")
    core = build_core(stack.settings.model_copy(update={"public_url": public}), stack.db)
    await knows(core.db, fake_teams, ANA)
    result = await teams(core).deliver(
        Outgoing(1, Op.POST, f"person:{identity(ANA)}", summary(), None)
    )
    assert isinstance(result, Sent)
    [call] = fake_teams.posted()
    [image] = [
        p for p in call.activity["attachments"][0]["content"]["body"] if p["type"] == "Image"
    ]
    assert image["url"].startswith(f"{public}/charts/") and image["url"].endswith(".png")
    token = image["url"].rsplit("/", 1)[1].removesuffix(".png")
    assert len(token) >= 40  # 32 random bytes: not to be guessed
    async with aiohttp.ClientSession() as http, http.get(image["url"]) as served:
        assert served.status == 200 and served.content_type == "image/png"
        assert await served.read() == PNG


@pytest.mark.parametrize("token", ["nobody-made-this-one", "a", "x.y", "%2e%2e%2fetc"])
async def test_an_unknown_chart_is_not_found_never_an_error(stack: Stack, token: str) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(stack.server.make_url(f"/charts/{token}.png")) as served:
            assert served.status == 404


async def test_housekeeping_forgets_charts_older_than_keep_days(stack: Stack) -> None:
    async with stack.db.write() as session:
        fresh = await chart_store.save(session=session, png=PNG)
        session.add(ChartRecord(token="old" * 10, png=PNG, created_at=utcnow() - timedelta(15)))
    outcome = await Housekeeping(stack.db, stack.settings).prune()
    assert outcome.endswith("deleted 1 old charts")
    async with aiohttp.ClientSession() as http:
        for token, status in ((fresh, 200), ("old" * 10, 404)):
            async with http.get(stack.server.make_url(f"/charts/{token}.png")) as served:
                assert served.status == status
