"""Teams' delivery against the fake Bot Connector over HTTP: cards posted, updated in place,
personal chats created, refusals sorted into retry, give up and "cannot reach them"."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import Activity
from sqlalchemy import select

from adapters.core import Core, build_core
from adapters.teams.auth import build_adapter
from adapters.teams.cards import render_card
from adapters.teams.delivery import TeamsDelivery
from adapters.teams.settings import TeamsSettings
from bench.limiters import PerChannel, floor, teams_conversation
from bot import messages as m
from bot.delivery.dispatch import GiveUp, Outgoing, RetryLater, Sent
from bot.delivery.pace import TEAMS_PER_CONVERSATION
from bot.people import teams_identity
from bot.settings import Settings
from bot.views import Card, dump_card
from storage import outbox
from storage import people as people_store
from storage.db import Database
from storage.models import OutboxMessage
from storage.models import Request as StoredRequest
from tests.e2e.fake_teams import FakeTeams
from tests.e2e.teams_activities import TENANT, TeamsUser
from tests.helpers import eventually, grant

APP_ID = str(uuid.uuid4())
ANA, BEN = TeamsUser("Ana Lima"), TeamsUser("Ben Okafor")
TRIAGE = "19:" + uuid.uuid4().hex + "@thread.tacv2"
TECHNICIAN = "slack:T1:UTECH"


def identity(user: TeamsUser) -> str:
    return teams_identity(TENANT, user.aad_object_id)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTeams]:
    fake = FakeTeams()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def core(settings: Settings, db: Database) -> Core:
    return build_core(settings, db)


def teams(core: Core) -> TeamsDelivery:
    settings = TeamsSettings(emulator=True, triage_channel=TRIAGE)
    delivery = TeamsDelivery(build_adapter(settings), settings, core)
    core.add("teams", delivery, triage=False)
    return delivery


def reference(activity: dict[str, Any]) -> dict[str, Any]:
    """What the inbound side stores: the reference of an activity, as JSON."""
    parsed = Activity().deserialize(activity)
    return TurnContext.get_conversation_reference(parsed).serialize()


async def remember(db: Database, key: str, ref: dict[str, Any]) -> None:
    async with db.write() as session:
        await people_store.save_conversation(
            session=session, key=key, platform="teams", reference=ref
        )


async def knows(db: Database, fake: FakeTeams, user: TeamsUser) -> str:
    """The user talked to the bot: their chat is stored. Returns its conversation id."""
    activity = fake.activities(APP_ID).personal_message(user, "hi")
    await remember(db, f"person:{identity(user)}", reference(activity))
    return activity["conversation"]["id"]


def card(title: str = "Your request IT-7K3QX4 is in progress") -> Card:
    return Card(title=title, text="A technician is on it.", fallback=title)


def outgoing(target: str, *, op: str = "post", address: dict | None = None) -> Outgoing:
    return Outgoing(1, op, target, card(), "card:1" if op == "upsert" else None, address)


async def enqueue(db: Database, target: str, count: int = 1) -> None:
    async with db.write() as session:
        for n in range(count):
            await outbox.enqueue(
                session=session,
                platform="teams",
                op="post",
                target=target,
                payload=dump_card(card(f"message {target} {n}")),
            )


async def rows(db: Database, platform: str = "teams") -> list[OutboxMessage]:
    async with db.read() as session:
        query = select(OutboxMessage).where(OutboxMessage.platform == platform)
        return list(await session.scalars(query.order_by(OutboxMessage.id)))


# --- sending -----------------------------------------------------------------------------


async def test_a_dm_posts_an_adaptive_card_to_the_stored_conversation(
    core: Core, fake: FakeTeams
) -> None:
    conversation = await knows(core.db, fake, ANA)
    result = await teams(core).deliver(outgoing(f"person:{identity(ANA)}"))
    [call] = fake.posted()
    assert call.conversation == conversation
    [attachment] = call.activity["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["content"] == render_card(card())
    assert call.activity["summary"] == "Your request IT-7K3QX4 is in progress"
    assert "text" not in call.activity  # Teams would show it above the card
    assert isinstance(result, Sent) and result.address["message"].isdigit()  # Teams' id
    assert result.address == {
        "conversation": conversation,
        "message": result.address["message"],
        "service_url": fake.service_url,
        "tenant": TENANT,
    }


async def test_an_upsert_with_an_address_puts_the_same_activity_id(
    core: Core, fake: FakeTeams
) -> None:
    await knows(core.db, fake, ANA)
    delivery = teams(core)
    first = await delivery.deliver(outgoing(f"person:{identity(ANA)}", op="upsert"))
    assert isinstance(first, Sent)
    again = await delivery.deliver(
        outgoing(f"person:{identity(ANA)}", op="upsert", address=first.address)
    )
    [update] = fake.of("update")
    assert (update.conversation, update.activity_id) == (
        first.address["conversation"],
        first.address["message"],
    )
    assert update.activity["attachments"][0]["content"]["type"] == "AdaptiveCard"
    assert again == first and len(fake.posted()) == 1


async def test_a_card_teams_no_longer_has_is_posted_again(core: Core, fake: FakeTeams) -> None:
    await knows(core.db, fake, ANA)
    delivery = teams(core)
    first = await delivery.deliver(outgoing(f"person:{identity(ANA)}", op="upsert"))
    assert isinstance(first, Sent)
    fake.fail_next(404, kinds=frozenset({"update"}), code="NotFound")
    again = await delivery.deliver(
        outgoing(f"person:{identity(ANA)}", op="upsert", address=first.address)
    )
    assert isinstance(again, Sent) and again.address["message"] != first.address["message"]
    assert len(fake.posted()) == 2


async def test_a_person_without_a_stored_chat_gets_one_created_and_kept(
    core: Core, fake: FakeTeams
) -> None:
    # Anyone of the tenant talked to the bot: its service URL is known.
    activity = fake.activities(APP_ID).personal_message(BEN, "hi")
    await remember(core.db, f"tenant:teams:{TENANT}", reference(activity))
    delivery = teams(core)
    assert isinstance(await delivery.deliver(outgoing(f"person:{identity(ANA)}")), Sent)
    [create] = fake.of("create")
    assert create.activity["members"] == [{"id": ANA.aad_object_id}]
    # Teams reads the tenant from channelData; the SDK also spells it "tenantID".
    assert create.activity["channelData"] == {"tenant": {"id": TENANT}}
    assert {k.lower(): v for k, v in create.activity.items()}["tenantid"] == TENANT
    assert create.activity["bot"]["id"] == f"28:{APP_ID}"
    [post] = fake.posted()
    assert post.conversation == create.conversation
    async with core.db.read() as session:
        stored = await people_store.conversation(session=session, key=f"person:{identity(ANA)}")
    assert stored["conversation"]["id"] == create.conversation
    await delivery.deliver(outgoing(f"person:{identity(ANA)}"))
    assert len(fake.of("create")) == 1 and len(fake.posted(create.conversation)) == 2


async def test_a_message_after_a_restart_uses_what_the_database_remembers(
    settings: Settings, core: Core, fake: FakeTeams
) -> None:
    activity = fake.activities(APP_ID).personal_message(BEN, "hi")
    await remember(core.db, f"tenant:teams:{TENANT}", reference(activity))
    first = await teams(core).deliver(outgoing(f"person:{identity(ANA)}", op="upsert"))
    assert isinstance(first, Sent)
    restarted = Database(settings.database_url)  # a new process: nothing in memory
    try:
        delivery = teams(build_core(settings, restarted))
        target = f"person:{identity(ANA)}"
        assert await delivery.deliver(outgoing(target, op="upsert", address=first.address)) == first
        assert isinstance(await delivery.deliver(outgoing(target)), Sent)
    finally:
        await restarted.dispose()
    assert [c.kind for c in fake.calls] == ["create", "send", "update", "send"]


async def test_triage_goes_to_the_channel_and_a_thread_reply_into_its_thread(
    core: Core, fake: FakeTeams
) -> None:
    delivery = teams(core)
    refused = await delivery.deliver(outgoing("triage"))
    assert isinstance(refused, GiveUp) and "not installed" in refused.error and not fake.calls
    message = fake.activities(APP_ID).channel_message(
        ANA, "help", team_id="19:team@thread.tacv2", channel_id=TRIAGE
    )
    await remember(core.db, f"channel:teams:{TRIAGE}", reference(message))
    posted = await delivery.deliver(outgoing("triage"))
    assert isinstance(posted, Sent) and posted.address["conversation"] == TRIAGE
    thread = f"{TRIAGE};messageid={posted.address['message']}"
    replied = await delivery.deliver(outgoing(f"thread:{thread}"))
    assert isinstance(replied, Sent)
    assert [c.conversation for c in fake.posted()] == [TRIAGE, thread]


async def test_triage_reaches_a_channel_nobody_wrote_in_through_the_tenant(
    core: Core, fake: FakeTeams
) -> None:
    """Teams announces an installation in the team's General channel, so the triage
    channel may have no reference of its own yet: the tenant's service URL reaches it."""
    general = fake.activities(APP_ID).channel_message(
        ANA, "hi", team_id="19:team@thread.tacv2", channel_id="19:team@thread.tacv2"
    )
    await remember(core.db, f"tenant:teams:{TENANT}", reference(general))
    posted = await teams(core).deliver(outgoing("triage"))
    assert isinstance(posted, Sent) and posted.address["conversation"] == TRIAGE
    assert [c.conversation for c in fake.posted()] == [TRIAGE]


# --- refusals ----------------------------------------------------------------------------


async def _open_request_taken_by_technician(core: Core, requester: str) -> str:
    await grant(core.db, TECHNICIAN, "technician")
    await core.desk.track(requester, "My laptop will not start")
    async with core.db.read() as session:
        code = (await session.scalars(select(StoredRequest.code))).one()
    await core.desk.track(TECHNICIAN, f"take {code}")
    return code


async def test_a_blocked_person_is_marked_unreachable_the_technician_told_once_never_retried(
    core: Core, fake: FakeTeams
) -> None:
    await knows(core.db, fake, ANA)
    teams(core)
    code = await _open_request_taken_by_technician(core, identity(ANA))
    await enqueue(core.db, f"person:{identity(ANA)}", 2)
    fake.fail_next(403, times=100)
    await core.dispatcher.drain()
    tried = len(fake.calls)
    assert tried >= 2 and {c.status for c in fake.calls} == {403}
    # Every message to her given up (a card's older updates were superseded by newer ones).
    assert {r.state for r in await rows(core.db)} == {outbox.DEAD, outbox.SUPERSEDED}
    async with core.db.read() as session:
        person = await people_store.person(session=session, identity=identity(ANA))
    assert person is not None and person.unreachable_at is not None
    await core.desk.send(identity(ANA), card("one more"))
    await core.dispatcher.drain()
    await asyncio.sleep(0.1)
    await core.dispatcher.drain()
    assert len(fake.calls) == tried + 1  # the new one tried once; nothing retried
    told = [
        r
        for r in await rows(core.db, "slack")
        if r.target == f"person:{TECHNICIAN}"
        and code in str(r.payload)
        and "blocked" in str(r.payload)
    ]
    assert len(told) == 1
    assert m.UNREACHABLE.split("{name}")[0] in str(told[0].payload)


async def test_a_person_the_bot_has_no_way_to_is_unreachable_without_a_call(
    core: Core, fake: FakeTeams
) -> None:
    result = await teams(core).deliver(outgoing(f"person:{identity(ANA)}"))
    assert isinstance(result, GiveUp) and not fake.calls
    async with core.db.read() as session:
        person = await people_store.person(session=session, identity=identity(ANA))
    assert person is not None and person.unreachable_at is not None


async def test_a_throttled_message_waits_what_teams_says_then_goes(
    core: Core, fake: FakeTeams
) -> None:
    await knows(core.db, fake, ANA)
    teams(core)
    await enqueue(core.db, f"person:{identity(ANA)}")
    fake.fail_next(429, retry_after=1)
    await core.dispatcher.drain()
    [row] = await rows(core.db)
    assert (row.state, row.attempts, row.last_error) == (outbox.PENDING, 0, "Throttled")
    assert not fake.posted()

    async def sent() -> bool:
        await core.dispatcher.drain()
        return [r.state for r in await rows(core.db)] == [outbox.SENT]

    await eventually(sent, within=5)
    assert len(fake.posted()) == 1


REFUSALS = [
    # Teams' status and code, what comes of it, whether the person is then unreachable.
    (403, "ConversationBlockedByUser", GiveUp, True),
    (403, "BotNotInConversationRoster", GiveUp, True),
    (404, "ConversationNotFound", GiveUp, True),
    (412, "PreconditionFailed", RetryLater, False),
    (502, "ServiceError", RetryLater, False),
    (504, "GatewayTimeout", RetryLater, False),
    (400, "BadSyntax", GiveUp, False),
    (413, "MessageSizeTooBig", GiveUp, False),
]


@pytest.mark.parametrize(("status", "code", "outcome", "unreachable"), REFUSALS)
async def test_each_refusal_is_retried_or_given_up_and_only_a_gone_person_is_unreachable(
    core: Core, fake: FakeTeams, status: int, code: str, outcome: type, unreachable: bool
) -> None:
    await knows(core.db, fake, ANA)
    delivery = teams(core)
    fake.fail_next(status, code=code)
    result = await delivery.deliver(outgoing(f"person:{identity(ANA)}"))
    assert type(result) is outcome and f"{status} {code}" in result.error
    if isinstance(result, RetryLater):  # the dispatcher's backoff, with jitter, decides when
        assert result.after_seconds is None
        assert isinstance(await delivery.deliver(outgoing(f"person:{identity(ANA)}")), Sent)
    async with core.db.read() as session:
        person = await people_store.person(session=session, identity=identity(ANA))
    assert (person is not None and person.unreachable_at is not None) is unreachable


async def test_a_connector_that_cannot_be_reached_is_tried_again(
    core: Core, fake: FakeTeams
) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    activity = fake.activities(APP_ID).personal_message(ANA, "hi")
    activity["serviceUrl"] = f"http://127.0.0.1:{port}/amer/"
    await remember(core.db, f"person:{identity(ANA)}", reference(activity))
    result = await teams(core).deliver(outgoing(f"person:{identity(ANA)}"))
    assert isinstance(result, RetryLater) and result.error.startswith("network")


# --- pacing ------------------------------------------------------------------------------


async def test_the_dispatcher_keeps_teams_windows_per_conversation(
    core: Core, fake: FakeTeams
) -> None:
    """Twenty messages to one person (a burst Teams' windows spread over four seconds)
    among messages to another: each arrives once, within the windows, near the floor."""
    fake.limit(PerChannel(teams_conversation))
    busy = await knows(core.db, fake, ANA)
    await knows(core.db, fake, BEN)
    teams(core)
    await enqueue(core.db, f"person:{identity(ANA)}", 20)
    await enqueue(core.db, f"person:{identity(BEN)}", 5)
    task = asyncio.create_task(core.dispatcher.run())
    try:
        await fake.wait_for(lambda calls: len(fake.posted()) >= 25, within=20)
        await asyncio.sleep(0.3)  # anything sent twice would arrive by now
    finally:
        core.dispatcher.stop()
        await task
    titles = Counter(c.activity["summary"] for c in fake.posted())
    assert len(titles) == 25 and set(titles.values()) == {1}
    assert {r.state for r in await rows(core.db)} == {outbox.SENT}
    times = [c.at for c in fake.posted(busy)]
    for window in TEAMS_PER_CONVERSATION:
        spans = [b - a for a, b in zip(times, times[window.count :], strict=False)]
        assert min(spans, default=window.seconds) >= window.seconds
    # Paced, not refused into shape (which takes a Retry-After a message: twenty seconds).
    # A few refusals remain where messages booked together reach Teams tens of
    # milliseconds apart, more than the pace's margin.
    assert fake.rate_limited <= 8
    least = floor(teams_conversation, [busy] * 20)  # four seconds
    assert least <= times[-1] - times[0] <= least + 3.0
