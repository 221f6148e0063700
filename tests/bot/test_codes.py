from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.requests import codes

BODY = st.text(alphabet=codes.ALPHABET, min_size=5, max_size=5)


def make(body: str) -> str:
    return f"IT-{body}{codes.check_character(body)}"


def test_new_codes_parse_back_to_themselves() -> None:
    for _ in range(500):
        code = codes.new_code()
        assert codes.parse_code(code) == code
        assert len(code) == 9


@pytest.mark.parametrize(
    "typed",
    ["it-7k3qx", "IT 7K3QX", "7k3qx", "it7k3qx", " IT--7K3QX ", "it-7k3 qx"],
)
def test_case_spaces_and_dashes_do_not_matter(typed: str) -> None:
    code = make("7K3QX")
    check = code[-1]
    assert codes.parse_code(typed + check.lower()) == code


def test_look_alike_letters_are_read_as_digits() -> None:
    code = make("10A1B")
    assert codes.parse_code(code.replace("1", "I", 1).replace("0", "O")) == code
    assert codes.parse_code(code.replace("1", "l")) == code


@given(BODY, st.integers(0, 5), st.sampled_from(codes.ALPHABET))
@settings(max_examples=2000)
def test_every_single_substitution_is_caught(body: str, position: int, replacement: str) -> None:
    compact = body + codes.check_character(body)
    if compact[position] == replacement:
        return
    typo = compact[:position] + replacement + compact[position + 1 :]
    with pytest.raises(codes.CodeError):
        codes.parse_code(typo)


@given(st.text(max_size=40))
@settings(max_examples=1000)
def test_any_text_either_parses_or_raises_code_error(text: str) -> None:
    try:
        parsed = codes.parse_code(text)
    except codes.CodeError:
        return
    assert parsed.startswith("IT-") and codes.parse_code(parsed) == parsed


def test_suggest_finds_the_one_close_code() -> None:
    mine = [make("7K3QX"), make("ABCDE"), make("MNPQR")]
    target = mine[0]
    typo = target[:-2] + ("Z" if target[-2] != "Z" else "Y") + target[-1]
    assert codes.suggest(typo, mine) == target


def test_suggest_finds_a_swap_of_neighbours() -> None:
    target = make("7K3QX")
    swapped = target[:3] + target[4] + target[3] + target[5:]
    assert codes.suggest(swapped, [target, make("ABCDE")]) == target


def test_suggest_says_nothing_when_two_codes_are_equally_close() -> None:
    assert codes.suggest("IT-7K3QX6", ["IT-7K3QX4", "IT-7K3QX5"]) is None
    assert codes.suggest("IT-7K3QX6", ["IT-7K3QX4", "IT-ABCDE5"]) == "IT-7K3QX4"


def test_suggest_ignores_text_that_is_not_code_shaped() -> None:
    assert codes.suggest("printer", [make("7K3QX")]) is None
    assert not codes.looks_like_code("hello world")
    assert all(ch not in codes.ALPHABET for ch in "ILOU")
    assert set(codes.ALPHABET) <= set(string.digits + string.ascii_uppercase)
