"""What a new user ran into: command words without their arguments, cc, the timeline's words,
the usual time, notification lines, and lists longer than one screen."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bot import messages as m
from bot.requests.cards import usual_time
from bot.requests.statuses import OPEN_STATUSES
from bot.views import Card, command
from storage import requests as store
from storage.models import Request
from tests.bot.conftest import World
from tests.helpers import grant

ANA = "slack:T1:UANA"  # employee
BEN = "slack:T1:UBEN"  # colleague
TESS = "slack:T1:UTESS"  # technician
LEE = "slack:T1:ULEE"  # team lead
CODE = re.compile(r"IT-[0-9A-Z]{6}")
WORDS = ("update", "resolve", "take", "reopen", "follow", "unfollow", "cc")
RAW_IDENTITY = re.compile(r"\b(slack|teams|console):[^\s]+:[^\s]+")


async def count_requests(world: World) -> int:
    async with world.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(Request)) or 0)


async def open_request(world: World, text: str = "My laptop will not connect to VPN", who=ANA):
    reply = await world.desk.track(who, text)
    assert reply.card is not None and not reply.problem, reply.card
    found = CODE.search(reply.card.text)
    assert found, reply.card.text
    return found.group(0)


# --- 1. a command word without its arguments ---------------------------------------------------


@pytest.mark.parametrize("word", WORDS)
async def test_a_command_word_alone_answers_with_its_help_and_opens_nothing(
    world: World, word: str
) -> None:
    await grant(world.db, TESS, "technician")
    for who in (ANA, TESS):
        for typed in (word, f"  {word}  ", word.upper()):
            reply = await world.desk.track(who, typed)
            assert reply.card is not None, typed
            assert reply.card.text == m.WORD_HELP[word], (who, typed)
            assert "IT-7K3QX4" in reply.card.text  # a usage line with an example
            assert world.desk.track_only_reads(typed)
        reply = await world.desk.chat(who, f"track {word}")
        assert reply.card is not None and reply.card.text == m.WORD_HELP[word]
    assert await count_requests(world) == 0


@pytest.mark.parametrize("word", WORDS)
async def test_a_technician_who_forgets_the_code_gets_the_help(world: World, word: str) -> None:
    await grant(world.db, TESS, "technician")
    reply = await world.desk.track(TESS, f"{word} Replacing the charger today")
    assert reply.card is not None and reply.card.text == m.WORD_HELP[word]
    assert await count_requests(world) == 0


async def test_cc_without_a_code_gets_the_help_for_anyone(world: World) -> None:
    for typed in (f"cc @{BEN}", f"cc {BEN}", "cc please add Sam"):
        reply = await world.desk.track(ANA, typed)
        assert reply.card is not None and reply.card.text == m.WORD_HELP["cc"], typed
    assert await count_requests(world) == 0


async def test_an_employee_sentence_starting_with_a_word_is_still_a_request(world: World) -> None:
    # "update" and "follow" start ordinary sentences; only technicians use them as commands.
    for text in ("update my laptop's drivers please", "follow up on my new phone order"):
        reply = await world.desk.track(ANA, text)
        assert reply.card is not None and reply.card.title == m.RECEIVED_TITLE, text
    assert await count_requests(world) == 2


async def test_a_word_with_a_code_but_not_the_rest_says_what_is_missing(world: World) -> None:
    await grant(world.db, TESS, "technician")
    code = await open_request(world)
    reply = await world.desk.track(TESS, f"update {code}")
    assert reply.card is not None and reply.card.text == m.UPDATE_NEEDS_TEXT.format(code=code)
    for typed in (f"cc {code}", f"cc {code} Sam please"):
        reply = await world.desk.track(ANA, typed)
        assert reply.card is not None and reply.card.text == m.CC_NEEDS_PERSON.format(code=code)
    for word in ("take", "resolve", "reopen", "follow", "unfollow"):
        reply = await world.desk.track(TESS, f"{word} {code}")
        assert reply.card is not None and reply.card.text != m.WORD_HELP[word], word
    assert await count_requests(world) == 1


# --- 2. the timeline's words -------------------------------------------------------------------


async def test_the_timeline_says_who_picked_the_request_up(world: World) -> None:
    await grant(world.db, TESS, "technician")
    code = await open_request(world)
    await world.desk.press(TESS, "take", code)
    await world.flush()
    tracking = [d.card for d in world.platform.to(ANA) if (d.card_key or "").startswith("track")]
    taken = tracking[-1].timeline[-1]
    assert taken.person == TESS and taken.text == m.TIMELINE_ASSIGNED
    assert not taken.text.startswith("They")
    for card in (tracking[-1], world.platform.triage()[-1].card):
        for entry in card.timeline:
            assert not RAW_IDENTITY.search(entry.who + entry.text), entry


# --- 3 and 4. cc: every form a person is handed over in, answered with names ----------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        (f"@{BEN}", [BEN]),
        (BEN, [BEN]),
        (f"(@{BEN}),", [BEN]),
        ("@teams:tenant-1:aad-42", ["teams:tenant-1:aad-42"]),
        ("console:local:sam", ["console:local:sam"]),
        (f"@{BEN} and @slack:T1:USAM, please", [BEN, "slack:T1:USAM"]),
        (f"@{BEN} @{BEN}", [BEN]),
    ],
)
async def test_cc_takes_every_form_adapters_hand_over(
    world: World, typed: str, expected: list[str]
) -> None:
    code = await open_request(world)
    reply = await world.desk.track(ANA, f"cc {code} {typed}")
    assert reply.card is not None and not reply.problem, reply.card
    assert [f.person for f in reply.card.fields] == expected
    shown = reply.card.title + reply.card.text + reply.card.fallback
    assert not RAW_IDENTITY.search(shown), shown
    assert code in reply.card.text and code in reply.card.fallback
    for identity in expected:
        seen = await world.desk.track(identity, code)
        assert seen.card is not None and not seen.problem


async def test_requesters_are_told_they_can_cc(world: World) -> None:
    reply = await world.desk.track(ANA, "help")
    assert reply.card is not None and command("track cc IT-7K3QX4 @Sam") in reply.card.text


async def test_only_the_requester_or_it_may_cc_and_are_told_so(world: World) -> None:
    code = await open_request(world)
    await world.desk.track(ANA, f"cc {code} @{BEN}")
    reply = await world.desk.track(BEN, f"cc {code} @slack:T1:USAM")
    assert reply.problem and reply.card is not None
    assert reply.card.text == m.NOT_ALLOWED_CC.format(code=code)


# --- 5. how long things usually take ------------------------------------------------------------


def test_the_usual_time_says_days_not_working_days() -> None:
    assert usual_time(3 * 86400) == "about 3 days"
    assert usual_time(36 * 3600) == "about 2 days"
    assert "working" not in usual_time(10 * 86400)


async def test_a_lookup_says_how_long_things_usually_take(world: World) -> None:
    await grant(world.db, TESS, "technician")
    for n in range(5):
        code = await open_request(world, f"Number {n}")
        await world.desk.track(TESS, f"resolve {code}")
    latest = await open_request(world, "Number 5")
    for who in (ANA, TESS):
        reply = await world.desk.track(who, latest)
        assert reply.card is not None
        fields = {f.label: f.value for f in reply.card.fields}
        assert fields[m.FIELD_USUAL] == m.UNDER_AN_HOUR


# --- 6. every card's plain-text line reads right as a notification ------------------------------


def check_fallback(card: Card) -> None:
    line = card.fallback
    assert line.strip(), card
    assert "\n" not in line and len(line) <= 200, line
    assert "`" not in line and "<@" not in line, line
    assert not RAW_IDENTITY.search(line), line


async def test_every_card_in_a_journey_has_a_notification_line_that_reads_right(
    world: World,
) -> None:
    await grant(world.db, TESS, "technician")
    await grant(world.db, LEE, "lead")
    replies: list[Card] = []

    async def say(reply) -> Card:
        assert reply.card is not None
        replies.append(reply.card)
        return reply.card

    help_card = await say(await world.desk.track(ANA, "help"))
    assert help_card.fallback == m.HELP_TITLE
    await say(await world.desk.track(ANA, "update"))
    opened = await say(await world.desk.track(ANA, "Printer on floor 2 is jammed & smoking"))
    code = CODE.search(opened.text).group(0)  # type: ignore[union-attr]
    assert code in opened.fallback
    await world.flush()  # the first triage post, before later changes supersede it
    await say(await world.desk.track(ANA, code))
    mine = await say(await world.desk.track(ANA, ""))
    assert mine.fallback == m.YOUR_OPEN_TITLE
    await say(await world.desk.track(ANA, "IT-ZZZZZZ"))
    await say(await world.desk.track(ANA, f"cc {code} @{BEN}"))
    await say(await world.desk.track(TESS, ""))
    await say(await world.desk.press(TESS, "take", code))
    await say(await world.desk.track(TESS, f"update {code} Clearing the paper path now"))
    await say(await world.desk.track(TESS, f"update {code} A new roller comes Friday"))
    await say(await world.desk.track(TESS, f"resolve {code} Fixed"))
    await say(await world.desk.track(ANA, f"reopen {code} Jammed again"))
    await say(await world.desk.track(TESS, f"resolve {code}"))
    await world.desk.press(ANA, "rate", f"{code}:speed:4")
    await say(await world.desk.summary(LEE, "7d"))
    await say(await world.desk.chat(ANA, "hello there"))
    await world.flush()
    delivered = [d.card for d in world.platform.delivered]
    assert delivered
    for card in [*replies, *delivered]:
        check_fallback(card)

    notices = [d.card for d in world.platform.to(ANA) if d.op == "post"]
    first = next(c for c in notices if c.text == "Clearing the paper path now")
    assert first.fallback == m.STATUS_NOTICE_WITH_TEXT.format(
        code=code, status="In progress", text="Clearing the paper path now"
    )
    second = next(c for c in notices if c.text == "A new roller comes Friday")
    assert second.fallback == m.NOTICE_PLAIN.format(code=code, text="A new roller comes Friday")
    resolved = next(c for c in notices if c.text == "Fixed")
    assert resolved.fallback == m.STATUS_NOTICE_WITH_TEXT.format(
        code=code, status="Resolved", text="Fixed"
    )
    triage = [d.card for d in world.platform.triage()]
    assert triage[0].fallback.startswith(m.NEW_IN_TRIAGE.format(code=code))
    assert "jammed" in triage[0].fallback  # says what is new
    assert not triage[-1].fallback.startswith(m.NEW_IN_TRIAGE.format(code=code))


# --- 7. lists longer than a page ----------------------------------------------------------------


async def test_a_technician_sees_each_list_under_its_own_title_and_what_is_left_out(
    world: World,
) -> None:
    await grant(world.db, TESS, "technician")
    codes = [await open_request(world, f"Request number {n}") for n in range(23)]
    for code in codes[:2]:
        await world.desk.press(TESS, "take", code)
    own = await open_request(world, "My own monitor flickers", who=TESS)
    waiting = [*codes[2:], own]  # 22 waiting to be picked up, oldest first

    reply = await world.desk.track(TESS, "")
    card = reply.card
    assert card is not None and card.title != m.YOUR_OPEN_TITLE
    assert [group.title for group in card.lists] == [
        m.LIST_OWN,
        m.LIST_ASSIGNED,
        m.LIST_WAITING,
    ]
    own_list, assigned, queue = card.lists
    assert [i.code for i in own_list.items] == [own] and not own_list.more
    assert sorted(i.code for i in assigned.items) == sorted(codes[:2]) and not assigned.more
    assert [i.code for i in queue.items] == waiting[:20]
    assert "2 more" in queue.more and command("track waiting 2") in queue.more

    page_two = await world.desk.track(TESS, "waiting 2")
    assert page_two.card is not None and page_two.card.title == m.LIST_PAGE_TITLE.format(
        title=m.LIST_WAITING, first=21, last=22, total=22
    )
    assert [i.code for i in page_two.card.lists[0].items] == waiting[20:]
    assert not page_two.card.lists[0].more
    assert world.desk.track_only_reads("waiting 2")

    mine = await world.desk.track(ANA, "")
    assert mine.card is not None and mine.card.title == m.YOUR_OPEN_TITLE
    (listed,) = mine.card.lists
    assert (
        len(listed.items) == 20
        and "3 more" in listed.more
        and command("track mine 2") in listed.more
    )
    rest = await world.desk.track(ANA, "mine 2")
    assert rest.card is not None and rest.card.title == m.LIST_PAGE_TITLE.format(
        title=m.YOUR_OPEN_TITLE, first=21, last=23, total=23
    )
    shown = [i.code for i in listed.items] + [i.code for i in rest.card.lists[0].items]
    assert sorted(shown) == sorted(codes)


async def test_lists_are_for_the_right_people_and_pages_past_the_end_say_so(
    world: World,
) -> None:
    await grant(world.db, TESS, "technician")
    reply = await world.desk.track(TESS, "assigned")
    assert reply.card is not None and reply.card.text == m.LIST_NONE
    await open_request(world)
    reply = await world.desk.track(ANA, "waiting")
    assert reply.problem and reply.card is not None and reply.card.text == m.NOT_ALLOWED_WORK
    reply = await world.desk.track(ANA, "mine 5")
    assert reply.card is not None and reply.card.text == m.LIST_PAGE_EMPTY.format(page=5)
    # A sentence starting with a list word is a request.
    reply = await world.desk.track(ANA, "waiting for my new laptop")
    assert reply.card is not None and reply.card.title == m.RECEIVED_TITLE


async def test_list_queries_count_what_they_do_not_return(world: World) -> None:
    await grant(world.db, TESS, "technician")
    for n in range(7):
        await open_request(world, f"Request {n}")
    async with world.db.read() as session:
        page = await store.unassigned(session=session, statuses=OPEN_STATUSES, limit=3)
        assert len(page.requests) == 3 and page.total == 7
        page = await store.unassigned(session=session, statuses=OPEN_STATUSES, limit=3, offset=6)
        assert len(page.requests) == 1 and page.total == 7
        page = await store.open_requests_for(
            session=session, identity=ANA, statuses=OPEN_STATUSES, limit=5, offset=10
        )
        assert page.requests == [] and page.total == 7
        page = await store.assigned_to(session=session, identity=TESS, statuses=OPEN_STATUSES)
        assert page.requests == [] and page.total == 0
