"""The whole life of a request through the core, with an in-memory platform."""

from __future__ import annotations

import re

from bot import messages as m
from bot.cx.dimensions import DIMENSIONS
from tests.bot.conftest import World
from tests.helpers import grant

ANA = "slack:T1:UANA"  # employee
BEN = "slack:T1:UBEN"  # another employee
TESS = "slack:T1:UTESS"  # technician
LEE = "slack:T1:ULEE"  # team lead
CODE = re.compile(r"IT-[0-9A-Z]{6}")


async def open_request(world: World, text: str = "My laptop will not connect to VPN") -> str:
    reply = await world.desk.track(ANA, text)
    assert reply.card is not None and not reply.problem
    found = CODE.search(reply.card.text)
    assert found, reply.card.text
    await world.flush()
    return found.group(0)


async def test_opening_sends_a_tracking_card_and_a_triage_card(world: World) -> None:
    code = await open_request(world)
    tracking = world.platform.to(ANA)
    assert len(tracking) == 1
    assert tracking[0].card.title == f"{code} · Received"
    assert tracking[0].card.text == "My laptop will not connect to VPN"
    assert tracking[0].card_key is not None and tracking[0].card_key.startswith("tracking:")
    triage = world.platform.triage()
    assert [b.label for b in triage[0].card.buttons] == [m.TAKE, m.POST_UPDATE, m.RESOLVE]


async def test_lookup_is_forgiving_and_private(world: World) -> None:
    code = await open_request(world)
    for typed in (code, code.lower(), code.replace("-", ""), code.replace("0", "O")):
        reply = await world.desk.track(ANA, typed)
        assert reply.card is not None and reply.card.title.startswith(code), typed
        # Where it stands, not "is now Received": nothing changed.
        assert reply.card.fallback.startswith(m.CARD_TITLE.format(code=code, status="Received"))
        assert "is now" not in reply.card.fallback
    # Someone else gets the same answer as for a code that does not exist.
    reply = await world.desk.track(BEN, code)
    assert reply.problem and reply.card is not None
    assert reply.card.text == m.NOT_FOUND.format(code=code)


async def test_a_mistyped_code_gets_did_you_mean(world: World) -> None:
    code = await open_request(world)
    body = code[3:]
    wrong = "Z" if body[2] != "Z" else "Y"
    typo = "IT-" + body[:2] + wrong + body[3:]
    reply = await world.desk.track(ANA, typo)
    assert reply.card is not None
    assert reply.card.text == m.DID_YOU_MEAN.format(typed=typo, code=code)
    # Another employee's typo never reveals Ana's code.
    reply = await world.desk.track(BEN, typo)
    assert reply.card is not None and code not in reply.card.text


async def test_empty_and_overlong_text_get_a_polite_answer(world: World) -> None:
    reply = await world.desk.track(ANA, "   ")
    assert reply.card is not None and reply.card.title == m.YOUR_OPEN_TITLE
    reply = await world.desk.track(ANA, "x" * 5000)
    assert reply.problem and reply.card is not None and "5000" in reply.card.text


async def test_the_whole_journey(world: World) -> None:
    await grant(world.db, TESS, "technician")
    await grant(world.db, LEE, "lead")
    code = await open_request(world)
    world.platform.clear()

    reply = await world.desk.press(TESS, "take", code)
    assert reply.card is not None and reply.card.text == m.TOOK.format(code=code)
    await world.flush()
    assert any(d.card.text == m.TAKEN_NOTICE.format(code=code) for d in world.platform.to(ANA))
    card_updates = [d for d in world.platform.to(ANA) if (d.card_key or "").startswith("tracking:")]
    assert card_updates and all(d.updated_in_place for d in card_updates)
    assert card_updates[-1].card.title == f"{code} · Assigned"
    world.platform.clear()

    reply = await world.desk.track(TESS, f"update {code} Ordering a new charger, here Friday")
    assert not reply.problem
    await world.flush()
    notices = [d for d in world.platform.to(ANA) if d.op == "post"]
    assert [n.card.text for n in notices] == ["Ordering a new charger, here Friday"]
    tracking = [d for d in world.platform.to(ANA) if d.op == "upsert"]
    assert tracking[-1].card.title == f"{code} · In progress"
    assert tracking[-1].card.timeline[-1].text.endswith(": Ordering a new charger, here Friday")
    world.platform.clear()

    reply = await world.desk.track(TESS, f"resolve {code} New charger delivered")
    assert reply.card is not None and reply.card.text == m.RESOLVED_ACK.format(code=code)
    await world.flush()
    rating = [d for d in world.platform.to(ANA) if (d.card_key or "").startswith("survey:")]
    assert len(rating) == 1
    assert [r.label for r in rating[0].card.rating_rows] == [d.label for d in DIMENSIONS]
    world.platform.clear()

    # Only the requester's taps count.
    reply = await world.desk.press(BEN, "rate", f"{code}:speed:1")
    assert reply.problem
    reply = await world.desk.press(TESS, "rate", f"{code}:speed:1")
    assert reply.problem
    for dimension, score in (("speed", 2), ("speed", 4), ("quality", 5)):
        reply = await world.desk.press(ANA, "rate", f"{code}:{dimension}:{score}")
        assert not reply.problem
    await world.flush()
    cards = [d.card for d in world.platform.to(ANA) if (d.card_key or "").startswith("survey:")]
    chosen = {row.dimension: row.chosen for row in cards[-1].rating_rows}
    assert chosen["speed"] == 4 and chosen["quality"] == 5 and chosen["communication"] is None
    assert all(d.updated_in_place for d in world.platform.to(ANA))

    reply = await world.desk.summary(ANA, "")
    assert reply.problem and reply.card is not None
    assert reply.card.text == m.NOT_ALLOWED_SUMMARY
    reply = await world.desk.summary(LEE, "7d")
    assert reply.card is not None and not reply.problem
    figures = {f.label: f.value for f in reply.card.fields}
    assert "4.0 / 5 · 1 rating" in figures["Speed"]
    assert "5.0 / 5 · 1 rating" in figures["Quality"]
    assert figures["Communication"] == m.NO_RATINGS
    reply = await world.desk.summary(LEE, "forever")
    assert reply.problem


async def test_employees_cannot_work_on_requests(world: World) -> None:
    code = await open_request(world)
    for action in ("take", "resolve", "update"):
        reply = await world.desk.press(BEN, action, code)
        assert reply.problem and reply.card is not None
        assert reply.card.text == m.NOT_ALLOWED_WORK, action
    reply = await world.desk.track(ANA, f"resolve {code} done")
    assert reply.problem and reply.card is not None and reply.card.text == m.NOT_ALLOWED_WORK


async def test_watchers_see_the_request_and_get_updates(world: World) -> None:
    await grant(world.db, TESS, "technician")
    code = await open_request(world)
    reply = await world.desk.track(ANA, f"cc {code} @{BEN}")
    assert not reply.problem, reply.card
    reply = await world.desk.track(BEN, code)
    assert reply.card is not None and reply.card.title.startswith(code)
    mine = await world.desk.track(BEN, "")
    assert mine.card is not None and [i.code for i in mine.card.lists[0].items] == [code]
    world.platform.clear()
    await world.desk.track(TESS, f"update {code} Working on it")
    await world.flush()
    assert [d.card.text for d in world.platform.to(BEN)] == ["Working on it"]


async def test_where_is_my_ticket_in_a_direct_message(world: World) -> None:
    code = await open_request(world)
    reply = await world.desk.chat(ANA, "where's my ticket?")
    assert reply.card is not None and [i.code for i in reply.card.lists[0].items] == [code]
    reply = await world.desk.chat(ANA, f"any news on {code.lower()}?")
    assert reply.card is not None and reply.card.title.startswith(code)


async def test_reopen_after_resolve(world: World) -> None:
    await grant(world.db, TESS, "technician")
    code = await open_request(world)
    await world.desk.track(TESS, f"resolve {code}")
    reply = await world.desk.track(BEN, f"reopen {code}")
    assert reply.problem
    reply = await world.desk.track(ANA, f"reopen {code} Still broken")
    assert reply.card is not None and reply.card.text == m.REOPENED_ACK.format(code=code)
    shown = await world.desk.track(ANA, code)
    assert shown.card is not None and shown.card.title == f"{code} · Reopened"


async def test_an_event_is_handled_once(world: World) -> None:
    assert await world.desk.first_delivery("slack:Ev1")
    assert not await world.desk.first_delivery("slack:Ev1")
    assert await world.desk.first_delivery("slack:Ev2")


async def test_people_asked_recently_are_not_asked_again(world: World) -> None:
    world.desk.settings.survey_cooldown_days = 7
    await grant(world.db, TESS, "technician")
    first = await open_request(world, "Printer on floor 2 is jammed")
    second = await open_request(world, "Need access to the finance share")
    reply = await world.desk.track(TESS, f"resolve {first}")
    assert reply.card is not None and reply.card.text == m.RESOLVED_ACK.format(code=first)
    reply = await world.desk.track(TESS, f"resolve {second}")
    assert reply.card is not None and reply.card.text == m.RESOLVED_NO_SURVEY.format(code=second)
    await world.flush()
    surveys = [d for d in world.platform.to(ANA) if (d.card_key or "").startswith("survey:")]
    assert len(surveys) == 1 and first in surveys[0].card.title


async def test_the_tracking_card_says_how_long_things_usually_take(world: World) -> None:
    await grant(world.db, TESS, "technician")
    first = await open_request(world, "Number 0")
    card = world.platform.to(ANA)[-1].card
    assert m.FIELD_USUAL not in [f.label for f in card.fields]  # nothing to go on yet
    await world.desk.track(TESS, f"resolve {first}")
    for n in range(1, 5):
        code = await open_request(world, f"Number {n}")
        await world.desk.track(TESS, f"resolve {code}")
    latest = await open_request(world, "Number 5")
    card = next(d.card for d in world.platform.to(ANA) if d.card.title.startswith(latest))
    fields = {f.label: f.value for f in card.fields}
    assert fields[m.FIELD_USUAL] == m.UNDER_AN_HOUR


def test_usual_times_read_like_a_person_would_say_them() -> None:
    from bot.requests.cards import usual_time

    assert usual_time(600) == m.UNDER_AN_HOUR
    assert usual_time(5 * 3600) == "about 5 hours"
    assert usual_time(3 * 86400) == "about 3 days"


async def test_ordinary_sentences_are_not_taken_for_codes(world: World) -> None:
    await open_request(world)
    for text in ("hi, it failed again", "it worked, thanks!", "where is it?"):
        reply = await world.desk.chat(ANA, text)
        assert reply.card is not None and not reply.problem, text


async def test_short_requests_are_opened_not_looked_up(world: World) -> None:
    for text in ("it failed", "laptop", "VPN down"):
        reply = await world.desk.track(ANA, text)
        assert reply.card is not None and reply.card.title == m.RECEIVED_TITLE, text
    reply = await world.desk.track(ANA, "IT-ABCDEF")
    assert reply.problem  # written like a code: looked up, not opened
