"""The rating card's comment and "keep my feedback anonymous", through the core."""

from __future__ import annotations

from adapters.console.chat import run_chat
from bot import messages as m
from bot.cx.cards import ANONYMOUS, COMMENT, RATE
from bot.reply import NOTHING
from bot.settings import Settings
from bot.views import Card
from tests.adapters.test_console import (
    KIM,
    SAM,
    Script,
    _granted,
    _resolved_by_sam,
    first_code,
    key_of,
)
from tests.bot.conftest import Delivered, World
from tests.bot.test_followups import (
    ANA,
    BEN,
    LEE,
    TESS,
    fields,
    follow_up_cards,
    rated_request,
)

LEA = "console:local:lea"  # a lead, in the console


def rating_cards(world: World) -> list[Delivered]:
    return [d for d in world.platform.to(ANA) if (d.card_key or "").startswith("survey:")]


def labels(card: Card) -> list[str]:
    return [b.label for b in card.buttons]


async def test_a_comment_is_asked_in_a_form_and_shown_on_the_card(world: World) -> None:
    code = await rated_request(world, ("speed", 4))
    card = rating_cards(world)[-1].card
    assert labels(card) == [m.COMMENT_BUTTON, m.ANONYMOUS_BUTTON]
    assert m.COMMENT_FIELD not in fields(card)
    comment = next(b for b in card.buttons if b.action == COMMENT)
    assert comment.opens_form and card.form is not None and card.form.action == COMMENT

    form = (await world.desk.press(ANA, COMMENT, comment.value)).form
    assert form is not None and form.action == COMMENT and form.value == code
    reply = await world.desk.submit(ANA, COMMENT, code, "  Quick and friendly, thanks!  ", None)
    assert reply.card.text == m.COMMENT_SAVED.format(code=code)
    await world.flush()
    now = rating_cards(world)[-1]
    assert now.updated_in_place
    assert fields(now.card)[m.COMMENT_FIELD] == "Quick and friendly, thanks!"
    assert labels(now.card)[0] == m.COMMENT_CHANGE
    # Changing it starts from what was written, not from an empty box.
    assert form.text == ""
    again = (await world.desk.press(ANA, COMMENT, comment.value)).form
    assert again is not None and again.text == "Quick and friendly, thanks!"
    assert now.card.form is not None and now.card.form.text == "Quick and friendly, thanks!"
    # A comment alone is no incident.
    assert not follow_up_cards(world, LEE)


async def test_what_the_person_added_stays_on_the_card_as_they_rate(world: World) -> None:
    code = await rated_request(world, ("speed", 4))
    await world.desk.submit(ANA, COMMENT, code, "Friendly", None)
    await world.desk.press(ANA, ANONYMOUS, code)
    await world.desk.press(ANA, RATE, f"{code}:quality:5")
    await world.flush()
    card = rating_cards(world)[-1].card
    assert card.rating_rows[-1].chosen == 5
    assert fields(card) == {m.COMMENT_FIELD: "Friendly", m.ANONYMOUS_FIELD: m.ANONYMOUS_ON}


async def test_a_bad_comment_gets_a_polite_answer_and_changes_nothing(world: World) -> None:
    code = await rated_request(world, ("speed", 4))
    world.platform.clear()
    for who, text, words in (
        (ANA, "   ", m.COMMENT_EMPTY),
        (ANA, "x" * 5000, "5000"),
        (BEN, "Not mine to say", m.NOT_ALLOWED_RATE.format(code=code)),
        (ANA, "no such code", m.RATING_UNKNOWN),
    ):
        value = "IT-???" if text == "no such code" else code
        reply = await world.desk.submit(who, COMMENT, value, text, None)
        assert reply.problem and words in reply.card.text, (text, reply)
    refused = await world.desk.press(BEN, COMMENT, code)
    assert refused.problem and refused.form is None
    await world.flush()
    assert not rating_cards(world)
    # A form nobody knows is skipped.
    assert await world.desk.submit(ANA, "nonsense", code, "hello", None) == NOTHING


async def test_anonymity_is_one_tap_on_and_one_tap_off(world: World) -> None:
    code = await rated_request(world, ("speed", 4))
    card = rating_cards(world)[-1].card
    assert fields(card)[m.ANONYMOUS_FIELD] == m.ANONYMOUS_OFF
    assert await world.desk.press(ANA, ANONYMOUS, code) == NOTHING
    await world.flush()
    card = rating_cards(world)[-1].card
    assert fields(card)[m.ANONYMOUS_FIELD] == m.ANONYMOUS_ON
    assert next(b for b in card.buttons if b.action == ANONYMOUS).selected
    refused = await world.desk.press(BEN, ANONYMOUS, code)
    assert refused.problem
    await world.desk.press(ANA, ANONYMOUS, code)
    await world.flush()
    assert fields(rating_cards(world)[-1].card)[m.ANONYMOUS_FIELD] == m.ANONYMOUS_OFF


async def test_the_follow_up_shows_the_comment_and_follows_the_anonymity(world: World) -> None:
    code = await rated_request(world, ("speed", 1))
    await world.desk.submit(ANA, COMMENT, code, "Took a week, nobody told me", None)
    await world.flush()
    card = follow_up_cards(world, LEE)[-1].card
    assert fields(card)[m.FOLLOWUP_COMMENT] == "Took a week, nobody told me"
    from_field = next(f for f in card.fields if f.label == m.FOLLOWUP_FROM)
    assert from_field.person == ANA

    await world.desk.press(ANA, ANONYMOUS, code)
    await world.flush()
    card = follow_up_cards(world, LEE)[-1].card
    assert all(f.person != ANA for f in card.fields) and code not in card.title
    assert fields(card)[m.FOLLOWUP_COMMENT] == "Took a week, nobody told me"
    await world.desk.press(ANA, RATE, f"{code}:quality:2")
    await world.flush()
    assert follow_up_cards(world, LEE)[-1].card.text == m.FOLLOWUP_ANONYMOUS_TEXT


async def test_a_closed_card_takes_no_comment(world: World) -> None:
    code = await rated_request(world, ("speed", 4))
    await world.desk.press(TESS, "reopen", code)
    reply = await world.desk.submit(ANA, COMMENT, code, "late words", None)
    assert reply.problem and reply.card.text == m.RATE_NOT_OPEN.format(code=code)


async def test_in_the_console_a_comment_is_a_prompt_and_leads_type_follow_ups(
    settings: Settings,
) -> None:
    await _granted(settings, SAM)
    await _granted(settings, LEA, "lead")
    script = Script(
        _resolved_by_sam(
            "c1",
            key_of(m.COMMENT_BUTTON),
            "Printer still smudges",
            key_of(m.ANONYMOUS_BUTTON),
            "/as lea",
            "follow-ups",
            key_of(m.REACH_OUT),
            "Sorry! What would help?",
            "/as kim",
            "/quit",
        )
    )
    await run_chat(settings, KIM, read_line=script.read, write=script.write)
    out = script.text
    code = first_code(out)
    assert f"{m.COMMENT_FIELD}: Printer still smudges" in out
    assert f"{m.ANONYMOUS_FIELD}: {m.ANONYMOUS_ON}" in out
    # One terminal plays everyone: the lines for Kim are Kim's, not what Lea was shown.
    lea_saw = "\n".join(
        line
        for line in out[out.index("You are now lea.") : out.rindex("You are now kim.")].split("\n")
        if not line.startswith("(message for kim")
    )
    assert m.FOLLOWUPS_TITLE in lea_saw and m.FOLLOWUPS_ANONYMOUS_ITEM in lea_saw
    assert m.REACH_OUT_ACK_ANONYMOUS in lea_saw and f"{m.FOLLOWUP_REACHING}: lea" in lea_saw
    assert "kim" not in lea_saw.lower() and code not in lea_saw
    assert "Sorry! What would help?" in out[out.rindex("You are now kim.") :]
