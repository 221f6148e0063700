"""The test activities are ones botbuilder's own Teams handler reads as Teams activities:
each reaches the hook the SDK routes that kind to, with its payload intact."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler, teams_get_channel_id
from botbuilder.schema import Activity, AdaptiveCardInvokeResponse
from botbuilder.schema.teams import TaskModuleRequest, TaskModuleResponse, TeamsChannelData

from adapters.teams.auth import build_adapter
from adapters.teams.settings import TeamsSettings
from tests.e2e.fake_teams import FakeTeams
from tests.e2e.teams_activities import TENANT, TeamsActivities, TeamsUser

APP_ID = str(uuid.uuid4())
ALICE = TeamsUser("Alice Example")
CHANNEL = "19:c1a2b3c4d5e6f708192a3b4c5d6e7f80@thread.tacv2"
TEAM = "19:0a1b2c3d4e5f60718293a4b5c6d7e8f9@thread.tacv2"


class Recorder(TeamsActivityHandler):
    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        where = teams_get_channel_id(activity) or activity.conversation.conversation_type
        self.seen.append(("message", (where, activity.text, activity.value)))

    async def on_teams_task_module_fetch(
        self, turn_context: TurnContext, task_module_request: TaskModuleRequest
    ) -> TaskModuleResponse:
        self.seen.append(("task/fetch", task_module_request.data))
        return TaskModuleResponse()

    async def on_teams_task_module_submit(
        self, turn_context: TurnContext, task_module_request: TaskModuleRequest
    ) -> TaskModuleResponse:
        self.seen.append(("task/submit", task_module_request.data))
        return TaskModuleResponse()

    async def on_adaptive_card_invoke(
        self, turn_context: TurnContext, invoke_value: Any
    ) -> AdaptiveCardInvokeResponse:
        self.seen.append(("adaptiveCard/action", invoke_value.action["verb"]))
        return AdaptiveCardInvokeResponse(
            status_code=200, type="application/vnd.microsoft.activity.message", value={}
        )

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        # Not conversation.tenant_id: the SDK maps it to "tenantID", Teams sends "tenantId".
        data = TeamsChannelData().deserialize(turn_context.activity.channel_data)
        self.seen.append(("installed", data.tenant.id))

    async def on_teams_members_added(self, teams_members_added, team_info, turn_context) -> None:
        self.seen.append(("members added", [m.id for m in teams_members_added]))


@pytest.fixture
async def fake() -> AsyncIterator[FakeTeams]:
    fake = FakeTeams()
    await fake.start()
    yield fake
    await fake.close()


async def _run(activity: dict[str, Any]) -> tuple[list[tuple[str, Any]], InvokeResponse | None]:
    adapter = build_adapter(TeamsSettings(emulator=True))
    parsed = Activity().deserialize(activity)
    anonymous = await adapter.bot_framework_authentication.authenticate_request(parsed, None)
    bot = Recorder()
    invoke = await adapter.process_activity(anonymous, parsed, bot.on_turn)
    return bot.seen, invoke


def _cases(make: TeamsActivities) -> dict[str, tuple[dict[str, Any], tuple[str, Any]]]:
    card = "1800000000001"
    return {
        "personal message": (
            make.personal_message(ALICE, "track My VPN is down"),
            ("message", ("personal", "track My VPN is down", None)),
        ),
        "card submit": (
            make.card_submit(ALICE, {"rate": "quality", "score": 4}, reply_to_id=card),
            ("message", ("personal", None, {"rate": "quality", "score": 4})),
        ),
        "channel message": (
            make.channel_message(ALICE, "track IT-7K3QX4", team_id=TEAM, channel_id=CHANNEL),
            ("message", (CHANNEL, "<at>cxbot</at> track IT-7K3QX4", None)),
        ),
        "task fetch": (
            make.task_fetch(ALICE, {"form": "update"}, reply_to_id=card),
            ("task/fetch", {"form": "update"}),
        ),
        "task submit": (
            make.task_submit(ALICE, {"form": "update", "text": "on it"}),
            ("task/submit", {"form": "update", "text": "on it"}),
        ),
        "card action": (
            make.card_action(ALICE, "take", {"code": "IT-7K3QX4"}, reply_to_id=card),
            ("adaptiveCard/action", "take"),
        ),
        "installation": (make.installation_update(ALICE), ("installed", TENANT)),
        "bot added": (make.members_added(ALICE), ("members added", [f"28:{APP_ID}"])),
    }


@pytest.mark.parametrize("case", list(_cases(TeamsActivities("https://x/", APP_ID))))
async def test_each_test_activity_reaches_the_sdk_hook_for_its_kind(
    fake: FakeTeams, case: str
) -> None:
    activity, expected = _cases(fake.activities(APP_ID))[case]
    seen, invoke = await _run(activity)
    assert seen == [expected]
    assert invoke is None or invoke.status == 200
