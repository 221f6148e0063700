"""Whatever a person types, the desk answers with a card and never raises."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cx.cards import RATE
from tests.bot.conftest import World

WORDS = st.sampled_from(
    [
        "",
        "update ",
        "resolve ",
        "take ",
        "reopen ",
        "cc ",
        "follow ",
        "help",
        "IT-",
        "it ",
        "where's my ticket? ",
    ]
)
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300
)  # any Unicode: control characters, right-to-left marks, emoji
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(WORDS, TEXT)
async def test_track_always_answers(world: World, word: str, text: str) -> None:
    reply = await world.desk.track("slack:T1:UFUZZ", word + text)
    assert reply.card is not None


@FUZZ
@given(TEXT)
async def test_chat_always_answers(world: World, text: str) -> None:
    reply = await world.desk.chat("slack:T1:UFUZZ", text)
    assert reply.card is not None


@FUZZ
@given(st.sampled_from([RATE, "take", "resolve", "show", "update", "nonsense"]), TEXT)
async def test_buttons_with_any_value_never_raise(world: World, action: str, value: str) -> None:
    reply = await world.desk.press("slack:T1:UFUZZ", action, value)
    assert reply.card is not None or action == "nonsense"
