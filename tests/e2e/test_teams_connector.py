"""The fake Bot Framework connector answers botbuilder's real ConnectorClient: replies,
proactive sends, conversation creation and card updates land there, and its refusals reach
the caller the way the real service's do."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator

import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
    ErrorResponseException,
)

from adapters.teams.auth import build_adapter
from adapters.teams.settings import TeamsSettings
from tests.e2e.fake_teams import FakeTeams
from tests.e2e.teams_activities import TENANT, TeamsUser

APP_ID = str(uuid.uuid4())
ALICE = TeamsUser("Alice Example")
BOB = TeamsUser("Bob Example")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTeams]:
    fake = FakeTeams()
    await fake.start()
    yield fake
    await fake.close()


def _adapter(fake: FakeTeams):
    password = secrets.token_urlsafe(16)
    settings = TeamsSettings(app_id=APP_ID, app_password=password)
    return build_adapter(settings, credentials_factory=fake.credentials_factory(APP_ID, password))


def _reference(fake: FakeTeams, user: TeamsUser) -> ConversationReference:
    activity = Activity().deserialize(fake.activities(APP_ID).personal_message(user, "hi"))
    return TurnContext.get_conversation_reference(activity)


async def _send(fake: FakeTeams, user: TeamsUser, text: str) -> str:
    sent: list[str] = []

    async def say(context: TurnContext) -> None:
        sent.append((await context.send_activity(text)).id)

    await _adapter(fake).continue_conversation(_reference(fake, user), say, bot_app_id=APP_ID)
    return sent[0]


async def test_a_reply_in_a_turn_reaches_the_fake_without_a_token_in_emulator_mode(
    fake: FakeTeams,
) -> None:
    adapter = build_adapter(TeamsSettings(emulator=True))
    activity = Activity().deserialize(fake.activities(APP_ID).personal_message(ALICE, "help"))

    async def answer(context: TurnContext) -> None:
        await context.send_activity("Here is what I can do")

    anonymous = await adapter.bot_framework_authentication.authenticate_request(activity, None)
    await adapter.process_activity(anonymous, activity, answer)
    [call] = fake.of("reply")
    assert (call.conversation, call.activity_id) == (activity.conversation.id, activity.id)
    assert call.activity["text"] == "Here is what I can do"
    assert call.authorization is None


async def test_a_proactive_message_carries_the_bots_token(fake: FakeTeams) -> None:
    activity_id = await _send(fake, ALICE, "Your request IT-7K3QX4 is in progress")
    # The SDK addresses every message in a continued turn as a reply (to the id it made up for
    # the continuation), so proactive messages arrive as "reply" calls.
    [call] = fake.posted()
    assert call.kind == "reply"
    assert call.activity["text"] == "Your request IT-7K3QX4 is in progress"
    assert call.authorization.removeprefix("Bearer ") in fake.tokens
    assert activity_id and call.conversation == _reference(fake, ALICE).conversation.id


async def test_creating_a_personal_conversation_gives_the_users_existing_one(
    fake: FakeTeams,
) -> None:
    created: list[str] = []

    async def remember(context: TurnContext) -> None:
        created.append(context.activity.conversation.id)

    parameters = ConversationParameters(
        is_group=False,
        bot=ChannelAccount(id=f"28:{APP_ID}"),
        members=[ChannelAccount(id=ALICE.id)],
        tenant_id=TENANT,
        channel_data={"tenant": {"id": TENANT}},
    )
    await _adapter(fake).create_conversation(
        APP_ID, remember, parameters, "msteams", fake.service_url
    )
    assert created == [_reference(fake, ALICE).conversation.id]
    assert [call.kind for call in fake.calls] == ["create"]


async def test_a_card_is_updated_in_place(fake: FakeTeams) -> None:
    activity_id = await _send(fake, ALICE, "Received")

    async def update(context: TurnContext) -> None:
        changed = Activity(type="message", id=activity_id, text="Assigned")
        await context.update_activity(changed)

    await _adapter(fake).continue_conversation(_reference(fake, ALICE), update, APP_ID)
    [call] = fake.of("update")
    assert (call.activity_id, call.activity["text"]) == (activity_id, "Assigned")


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (403, "ConversationBlockedByUser"),
        (404, "ConversationNotFound"),
        (412, "PreconditionFailed"),
        (502, "ServiceError"),
        (504, "GatewayTimeout"),
    ],
)
async def test_a_refusal_reaches_the_caller_with_its_status_and_teams_code(
    fake: FakeTeams, status: int, code: str
) -> None:
    fake.fail_next(status)
    with pytest.raises(ErrorResponseException) as refused:
        await _send(fake, ALICE, "Resolved")
    assert refused.value.response.status_code == status
    assert refused.value.error.error.code == code
    assert fake.posted() == []
    await _send(fake, ALICE, "Resolved")
    assert len(fake.posted()) == 1


async def test_a_throttled_send_says_when_to_retry_and_only_its_conversation_waits(
    fake: FakeTeams,
) -> None:
    fake.fail_next(429, conversation=_reference(fake, ALICE).conversation.id, retry_after=3)
    await _send(fake, BOB, "Bob is not throttled")
    with pytest.raises(ErrorResponseException) as refused:
        await _send(fake, ALICE, "Alice is")
    assert refused.value.response.status_code == 429
    assert refused.value.response.headers["Retry-After"] == "3"
    await _send(fake, ALICE, "and then is not")
    assert [c.status for c in fake.calls] == [201, 429, 201]


async def test_the_roster_answers_members_and_one_member(fake: FakeTeams) -> None:
    conversation = _reference(fake, ALICE).conversation.id
    fake.add_member(conversation, ALICE.account() | {"tenantId": TENANT})
    members: list[str] = []

    async def roster(context: TurnContext) -> None:
        client = context.turn_state[context.adapter.BOT_CONNECTOR_CLIENT_KEY]
        members.extend(
            m.name for m in await client.conversations.get_conversation_members(conversation)
        )
        one = await client.conversations.get_conversation_member(conversation, ALICE.id)
        members.append(one.name)

    await _adapter(fake).continue_conversation(_reference(fake, ALICE), roster, APP_ID)
    assert members == ["Alice Example", "Alice Example"]
