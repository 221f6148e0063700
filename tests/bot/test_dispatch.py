"""The dispatcher against a platform that misbehaves on purpose."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import event, select

from bot.delivery.dispatch import Dispatcher, GiveUp, Outgoing, Result, RetryLater, Sent
from bot.delivery.pace import Window
from bot.settings import Settings
from bot.views import Card, dump_card, load_card
from storage import outbox
from storage.db import Database
from storage.models import OutboxMessage
from storage.types import utcnow
from tests.helpers import enqueue_messages, eventually


@dataclass
class ScriptedPlatform:
    """Answers from a script, then accepts everything."""

    script: deque[Result | Exception] = field(default_factory=deque)
    seen: list[int] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)

    async def deliver(self, message: Outgoing) -> Result:
        self.seen.append(message.id)
        self.cards.append(message.card)
        if self.script:
            answer = self.script.popleft()
            if isinstance(answer, Exception):
                raise answer
            return answer
        return Sent({"conversation": "D1", "message": f"ts-{message.id}"})


async def enqueue(db: Database, n: int = 1) -> None:
    await enqueue_messages(db, n)


async def rows(db: Database) -> list[OutboxMessage]:
    async with db.read() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_messages_saved_before_a_crash_go_out_after_restart(
    db: Database, settings: Settings
) -> None:
    await enqueue(db, 20)  # saved; the process "died" before any dispatcher ran
    platform = ScriptedPlatform()
    await Dispatcher(db, settings, {"slack": platform}).drain()
    assert sorted(platform.seen) == [r.id for r in await rows(db)]
    assert {r.state for r in await rows(db)} == {outbox.SENT}
    assert all(r.sent_to == {"conversation": "D1", "message": f"ts-{r.id}"} for r in await rows(db))


async def test_retry_after_is_honoured_by_every_message_of_the_platform(
    db: Database, settings: Settings
) -> None:
    await enqueue(db, 5)
    platform = ScriptedPlatform(deque([RetryLater("ratelimited", after_seconds=40)]))
    before = utcnow()
    one_at_a_time = settings.model_copy(update={"outbox_concurrency": 1})
    dispatcher = Dispatcher(db, one_at_a_time, {"slack": platform})
    await dispatcher.drain()
    waiting = await rows(db)
    assert {r.state for r in waiting} == {outbox.PENDING}
    # One was told to wait; the others, already taken, went back in line untried.
    assert len(platform.seen) == 1
    for row in waiting:
        assert row.attempts == 0  # a wait the platform asked for is not a failed try
        assert timedelta(seconds=39) <= row.next_attempt_at - before <= timedelta(seconds=42)
    assert await dispatcher.drain_once() == 0  # nothing is even claimed during the wait


async def test_permanent_errors_are_not_retried(db: Database, settings: Settings) -> None:
    await enqueue(db)
    platform = ScriptedPlatform(deque([GiveUp("channel_not_found")]))
    await Dispatcher(db, settings, {"slack": platform}).drain()
    [row] = await rows(db)
    assert row.state == outbox.DEAD and row.last_error == "channel_not_found"


async def test_a_crashing_delivery_is_retried_then_given_up(
    db: Database, settings: Settings
) -> None:
    settings = settings.model_copy(update={"outbox_max_attempts": 2})
    await enqueue(db)
    platform = ScriptedPlatform(deque([RuntimeError("bug"), RuntimeError("bug")]))
    dispatcher = Dispatcher(db, settings, {"slack": platform})
    await dispatcher.drain()
    [row] = await rows(db)
    assert row.state == outbox.PENDING and "bug" in (row.last_error or "")
    async with db.write() as session:
        (await session.get(OutboxMessage, row.id)).next_attempt_at = utcnow()
    await dispatcher.drain()
    [row] = await rows(db)
    assert row.state == outbox.DEAD and len(platform.seen) == 2


async def test_platforms_without_a_delivery_keep_their_messages(
    db: Database, settings: Settings
) -> None:
    await enqueue(db, 3)
    await Dispatcher(db, settings, {"teams": ScriptedPlatform()}).drain()
    assert {r.state for r in await rows(db)} == {outbox.PENDING}


def self_check(platform: ScriptedPlatform, count: int):
    async def check() -> bool:
        return len(platform.seen) >= count

    return check


async def test_a_wake_up_sends_at_once_without_waiting_for_the_poll(
    db: Database, settings: Settings
) -> None:
    settings = settings.model_copy(update={"outbox_poll_seconds": 600})
    platform = ScriptedPlatform()
    dispatcher = Dispatcher(db, settings, {"slack": platform})
    task = asyncio.create_task(dispatcher.run())
    try:
        for round_ in range(1, 6):
            await enqueue(db)
            dispatcher.wake()
            await eventually(self_check(platform, round_), within=10)  # far below 600 s
    finally:
        dispatcher.stop()
        await asyncio.wait_for(task, 10)
    assert {r.state for r in await rows(db)} == {outbox.SENT}


async def test_a_card_that_cannot_be_read_is_given_up_not_sent_blank(
    db: Database, settings: Settings
) -> None:
    good = await enqueue_messages(db, 1, title="fine")
    renamed = await enqueue_messages(db, 1, payload={"title": "Printer", "body": "Jammed"})
    future = await enqueue_messages(db, 1, payload={"v": 2, "card": {"title": "Printer"}})
    garbage = await enqueue_messages(db, 1, payload={"v": 1, "card": "not a card"})
    platform = ScriptedPlatform()
    await Dispatcher(db, settings, {"slack": platform}).drain()
    assert platform.seen == good
    by_id = {r.id: r for r in await rows(db)}
    for unreadable in (*renamed, *future, *garbage):
        row = by_id[unreadable]
        assert row.state == outbox.DEAD
        assert (row.last_error or "").startswith("unreadable card, not sent: ")
    assert "body" in (by_id[renamed[0]].last_error or "")
    assert "version 2" in (by_id[future[0]].last_error or "")


async def test_cards_saved_before_their_shape_was_versioned_still_go_out(
    db: Database, settings: Settings
) -> None:
    legacy = {"title": "Printer", "text": "Jammed", "fields": [], "footer": "", "fallback": "x"}
    await enqueue_messages(db, 1, payload=legacy)
    platform = ScriptedPlatform()
    await Dispatcher(db, settings, {"slack": platform}).drain()
    assert [(c.title, c.text) for c in platform.cards] == [("Printer", "Jammed")]


def test_a_stored_card_says_which_shape_it_is_in() -> None:
    card = Card(title="Printer", text="Jammed")
    stored = dump_card(card)
    assert stored["v"] == 1 and stored["card"]["title"] == "Printer"
    assert load_card(stored) == card
    # A part since removed that carried nothing is no loss; one that carried words is.
    assert load_card({"title": "Printer", "gone": ""}) == Card(title="Printer")


@dataclass
class OneAMinutePerConversation(ScriptedPlatform):
    per_destination: tuple[Window, ...] = (Window(1, 60.0),)


async def test_a_busy_conversation_puts_its_next_message_back_in_line_untried(
    db: Database, settings: Settings
) -> None:
    first, second = await enqueue_messages(db, 2, target="triage")
    [other] = await enqueue_messages(db, 1, title="other")
    platform = OneAMinutePerConversation()
    before = utcnow()
    await Dispatcher(db, settings, {"slack": platform}).drain()
    assert sorted(platform.seen) == [first, other]
    waiting = {r.id: r for r in await rows(db)}[second]
    assert waiting.state == outbox.PENDING and waiting.attempts == 0
    assert timedelta(seconds=58) <= waiting.next_attempt_at - before <= timedelta(seconds=62)


async def test_a_refusal_for_a_busy_conversation_leaves_the_others_unpaused(
    db: Database, settings: Settings
) -> None:
    settings = settings.model_copy(update={"outbox_concurrency": 1})
    # Two messages to the triage channel (published: three a second), then many DMs.
    await enqueue_messages(db, 2, target="triage")
    others = await enqueue_messages(db, 10, title="dm")

    @dataclass
    class StricterThanPublished(ScriptedPlatform):
        per_destination: tuple[Window, ...] = (Window(3, 1.0),)

    platform = StricterThanPublished(
        deque(
            [
                Sent({"conversation": "C1", "message": "1"}),
                RetryLater("ratelimited", after_seconds=30),
            ]
        )
    )
    await Dispatcher(db, settings, {"slack": platform}).drain()
    # The channel waits its 30 s; everyone else's messages went at once.
    assert platform.seen[2:] == others
    assert {r.state for r in await rows(db) if r.id in others} == {outbox.SENT}


async def test_messages_sent_together_are_saved_together(db: Database, settings: Settings) -> None:
    """Sent rows of one batch are marked with one statement, not one (and a card ref) each."""
    await enqueue_messages(db, 3)
    await enqueue_messages(db, 1, op="upsert", card_key="tracking:1")
    await enqueue_messages(db, 1, op="upsert", card_key="tracking:2")
    arrived = 0
    all_in = asyncio.Event()

    class TogetherPlatform:
        async def deliver(self, message: Outgoing) -> Result:
            nonlocal arrived
            arrived += 1
            if arrived == 5:
                all_in.set()
            await all_in.wait()  # the five answers come back at the same moment
            return Sent({"conversation": "D1", "message": f"ts-{message.id}"})

    marked: list[int] = []  # rows per execution of the UPDATE that marks rows sent
    refs: list[int] = []  # rows per execution of the upsert of where cards are

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def _seen(_conn, _cursor, statement, parameters, _context, executemany) -> None:
        n = len(parameters) if executemany else 1
        words = " ".join(statement.split()).lower()
        if words.startswith("update outbox set state") and "sent_at" in words:
            marked.append(n)
        elif words.startswith("insert into cards"):
            refs.append(n)

    await Dispatcher(db, settings, {"slack": TogetherPlatform()}).drain()
    event.remove(db.engine.sync_engine, "before_cursor_execute", _seen)
    assert {r.state for r in await rows(db)} == {outbox.SENT}
    assert (marked, refs) == ([5], [2])
