"""`cxbot chat` as a person would use it: typed lines in, text out."""

from __future__ import annotations

import asyncio
import re

import pytest

from adapters.console.board import TEAM, Board
from adapters.console.chat import run_chat
from bot import messages as m
from bot.settings import Settings
from bot.views import Button, Card
from storage import ratings as rating_store
from storage import requests as request_store
from storage.db import Database
from storage.migrate import migrate
from tests.helpers import grant

ANA, TESS = "slack:T1:UANA", "slack:T1:UTESS"
SAM, KIM = "console:local:sam", "console:local:kim"
CODE = re.compile(r"IT-[0-9A-Z]{6}")


class Script:
    """Feeds lines one by one; a callable line is computed from the output so far."""

    def __init__(self, lines: list) -> None:
        self.lines = list(lines)
        self.output: list[str] = []

    async def read(self, prompt: str) -> str | None:
        if not self.lines:
            return None
        line = self.lines.pop(0)
        if isinstance(line, BaseException):
            raise line
        return line(self.text) if callable(line) else line

    def write(self, text: str) -> None:
        self.output.append(text)

    @property
    def text(self) -> str:
        return "\n".join(self.output)


def key_of(label: str):
    """What to type to tap the last button with this label on screen."""
    return lambda text: re.findall(rf"\[(\d+[a-z])\] {re.escape(label)}", text)[-1]


def first_code(text: str) -> str:
    return CODE.findall(text)[0]


def codes_in(text: str) -> list[str]:
    return list(dict.fromkeys(CODE.findall(text)))


async def _granted(settings: Settings, identity: str, role: str = "technician") -> None:
    db = Database(settings.database_url)
    await migrate(db)
    await grant(db, identity, role)
    await db.dispose()


async def _ratings(settings: Settings, code: str, rater: str) -> dict[str, int]:
    db = Database(settings.database_url)
    async with db.read() as session:
        request = await request_store.get_by_code(session=session, code=code)
        assert request is not None
        found = await rating_store.ratings_for(session=session, request_id=request.id, rater=rater)
    await db.dispose()
    return found


def _resolved_by_sam(*after: object) -> list:
    """Kim opens a request, Sam (a technician) resolves it, Kim is back at the keyboard."""
    return [
        "/track My printer is jammed",
        "/as sam",
        lambda text: f"/track resolve {first_code(text)} Cleared the paper path",
        "/as kim",
        *after,
    ]


async def test_a_request_from_open_to_rating_in_the_terminal(settings: Settings) -> None:
    await _granted(settings, TESS)
    script = Script(
        [
            "/track My printer is jammed",
            f"/as {TESS}",
            "/track",
            lambda text: "/track " + CODE.findall(text)[-1].lower(),
            key_of("Take it"),
            key_of("Post update"),
            "Clearing the paper path now",
            "1",
            lambda text: f"/track resolve {first_code(text)} Fixed",
            f"/as {ANA}",
            "q4",
            "/as not an identity",
            "/track IT-XXXXXX",
            "/quit",
        ]
    )
    await run_chat(settings, ANA, read_line=script.read, write=script.write)
    out = script.text
    code = first_code(out)
    assert f"Thanks — your request {code} is in" in out
    assert f"— message to you —\n{code} · Received" in out
    assert f"You're now looking after {code}." in out
    assert "(message for UANA (Slack):" in out
    assert f"Update posted on {code}" in out
    assert f"{code} is resolved" in out
    assert f"({code} rating card updated: Quality 4)" in out
    assert "That isn't a name or an identity I know." in out
    assert "couldn't find IT-XXXXXX" in out or "doesn't look like a tracking code" in out
    assert await _ratings(settings, code, ANA) == {"quality": 4}


async def test_each_rating_row_is_tapped_by_its_letter_and_a_score(settings: Settings) -> None:
    await _granted(settings, SAM)
    script = Script(_resolved_by_sam("q4", "s5", "c3", "a4", "k5", "q2"))
    await run_chat(settings, "kim", read_line=script.read, write=script.write)
    out = script.text
    code = first_code(out)
    assert await _ratings(settings, code, KIM) == {
        "quality": 2,
        "speed": 5,
        "communication": 3,
        "approachability": 4,
        "knowledge": 5,
    }
    # Each tap is one short line, never a reprint of the card with new numbers.
    assert out.count("taps this card.)") == 1
    assert f"({code} rating card updated: Quality 4)" in out
    assert f"({code} rating card updated: Technical knowledge 5 · Thanks — saved." in out
    assert f"({code} rating card updated: Quality 2)" in out
    assert "q  Quality — Did the fix do what you needed?" in out
    assert "Type a row's letter and your score to rate: q4 gives Quality a 4." in out


async def test_a_bare_number_taps_nothing_and_says_how_to_tap(settings: Settings) -> None:
    await _granted(settings, SAM)
    script = Script(_resolved_by_sam("4"))
    await run_chat(settings, "kim", read_line=script.read, write=script.write)
    code = first_code(script.text)
    assert await _ratings(settings, code, KIM) == {}
    assert "A number alone taps nothing here." in script.output[-2]
    assert "To tap a button, type what is in its brackets" in script.output[-2]
    assert "q4 gives Quality a 4" in script.output[-2]


async def test_a_cards_buttons_stay_tappable_while_other_lines_are_typed(
    settings: Settings,
) -> None:
    await _granted(settings, SAM)
    script = Script(
        [
            "/track The projector in room 4 flickers",
            "/as sam",
            lambda text: f"/track {first_code(text)}",
            "hello",
            "/track",
            "where's my ticket?",
            # The Take button of the card Sam looked up, typed after all of that.
            lambda text: re.findall(r"\[(\d+[a-z])\] Take it", text)[1],
        ]
    )
    await run_chat(settings, "kim", read_line=script.read, write=script.write)
    assert f"You're now looking after {first_code(script.text)}." in script.text


async def test_an_older_rating_card_is_tapped_by_its_number(settings: Settings) -> None:
    await _granted(settings, SAM)
    script = Script(
        [
            "/track My printer is jammed",
            "/track My screen flickers",
            "/as sam",
            lambda text: f"/track resolve {codes_in(text)[0]} Done",
            lambda text: f"/track resolve {codes_in(text)[1]} Done",
            "/as kim",
            "q5",
            # The first rating card, by the number on its own hint line.
            lambda text: re.findall(r"\((\d+)q4 taps this card\.\)", text)[0] + "q1",
        ]
    )
    await run_chat(settings, "kim", read_line=script.read, write=script.write)
    first, second = codes_in(script.text)
    # q5 goes to the newest rating card; the numbered tap to the older one.
    assert await _ratings(settings, second, KIM) == {"quality": 5}
    assert await _ratings(settings, first, KIM) == {"quality": 1}


async def test_someone_elses_buttons_cannot_be_tapped(settings: Settings) -> None:
    await _granted(settings, SAM)
    script = Script(
        [
            "/track My printer is jammed",
            "/as sam",
            lambda text: f"/track resolve {first_code(text)} Done",
            "q4",
        ]
    )
    await run_chat(settings, "kim", read_line=script.read, write=script.write)
    assert await _ratings(settings, first_code(script.text), KIM) == {}
    assert "There is no q4 on screen for you." in script.output[-2]


async def test_people_are_shown_by_name(settings: Settings) -> None:
    await _granted(settings, SAM)
    script = Script(
        [
            "/track My printer is jammed",
            "/as Sam",
            lambda text: f"/track take {first_code(text)}",
            lambda text: f"/track {first_code(text)}",
            "/as kim",
        ]
    )
    await run_chat(settings, "kim", read_line=script.read, write=script.write)
    out = script.text
    assert out.startswith("cxbot — you are kim.")
    assert "You are now sam." in out
    assert f"{m.FIELD_ASSIGNEE}: sam" in out
    assert re.search(r"\d\d:\d\d  kim — ", out)
    assert "(message for kim:" in out
    assert "console:local:" not in out.split("\n", 6)[-1]


async def test_an_identity_still_works_after_as(settings: Settings) -> None:
    script = Script([f"/as {ANA}", "/track My printer is jammed", "/as bad name!"])
    await run_chat(settings, "sam", read_line=script.read, write=script.write)
    assert "You are now UANA (Slack)." in script.text
    assert "That isn't a name or an identity I know." in script.output[-2]


async def test_cc_at_a_name_adds_that_console_person(settings: Settings) -> None:
    await _granted(settings, SAM)
    script = Script(
        [
            "/track My printer is jammed",
            lambda text: f"/track cc {first_code(text)} @Kim",
            "/as sam",
            lambda text: f"/track update {first_code(text)} New drum on its way",
        ]
    )
    await run_chat(settings, "alex", read_line=script.read, write=script.write)
    code = first_code(script.text)
    # The answer names Kim (as a field, the way every platform shows people), never her
    # identity, and Kim then hears about the request.
    assert re.search(r"^\S[^\n]*: kim$", script.text, re.MULTILINE)
    assert "console:local:kim" not in script.text.split("\n", 5)[-1]
    assert f"(message for kim: Update on {code})" in script.text


async def test_ctrl_c_at_the_prompt_says_goodbye(settings: Settings) -> None:
    script = Script(["/track", asyncio.CancelledError()])
    with pytest.raises(asyncio.CancelledError):
        await run_chat(settings, "sam", read_line=script.read, write=script.write)
    assert script.output[-1] == "Goodbye."


async def test_quitting_says_goodbye(settings: Settings) -> None:
    script = Script(["/quit"])
    await run_chat(settings, "sam", read_line=script.read, write=script.write)
    assert script.output[-1] == "Goodbye."


async def test_slack_markup_is_not_shown_in_the_terminal(settings: Settings) -> None:
    script = Script(["help", "/track"])
    await run_chat(settings, "sam", read_line=script.read, write=script.write)
    assert "`" not in script.text
    assert '"/track <what you need>" — ask IT for something' in script.text


def test_a_button_keeps_its_key_when_its_card_is_updated() -> None:
    take, post, resolve, reopen = (
        Button("Take it", "take", "IT-7K3QX4"),
        Button("Post update", "update", "IT-7K3QX4"),
        Button("Resolve", "resolve", "IT-7K3QX4"),
        Button("Reopen", "reopen", "IT-7K3QX4"),
    )
    board = Board()
    board.place(Card("IT-7K3QX4 · Received", buttons=(take, post, resolve)), TEAM, "m1")
    board.replace("m1", Card("IT-7K3QX4 · Assigned", buttons=(post, resolve)))
    assert board.find("1a", SAM) is None
    assert board.find("1b", SAM) == post
    assert board.find("1c", KIM) == resolve
    board.replace("m1", Card("IT-7K3QX4 · Resolved", buttons=(reopen,)))
    # A new button never takes a letter that meant something else on this card.
    assert [board.find(f"1{key}", SAM) for key in "abcd"] == [None, None, None, reopen]


def test_a_persons_card_is_tapped_by_that_person_only() -> None:
    board = Board()
    keys = board.place(Card("IT-7K3QX4 · Received", buttons=(Button("Show", "show", "x"),)), SAM)
    assert keys is not None and keys.buttons == ("a",)
    assert board.find("1a", SAM) == Button("Show", "show", "x")
    assert board.find("1a", KIM) is None
