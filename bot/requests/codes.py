"""Tracking codes: short, easy to read aloud, forgiving to type, and self-checking.

A code is `IT-` followed by five body characters and one check character, all from
Crockford's base-32 alphabet (no I, L, O or U, so nothing looks alike). Reading a code
ignores case, spaces and dashes, takes O for 0 and I or L for 1, and rejects a code whose
check character does not match: a single mistyped character is always caught.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "IT"
BODY_LENGTH = 5
# Odd weights are invertible modulo 32, so changing any one character changes the sum.
_WEIGHTS = (1, 3, 5, 7, 9)
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


class CodeError(ValueError):
    """Text that is not a well-formed tracking code."""


def check_character(body: str) -> str:
    total = sum(w * _VALUE[ch] for w, ch in zip(_WEIGHTS, body, strict=True))
    return ALPHABET[total % len(ALPHABET)]


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return f"{PREFIX}-{body}{check_character(body)}"


def code_for(number: int) -> str:
    """The code whose body spells `number` in the code alphabet (imports, generated data)."""
    if not 0 <= number < len(ALPHABET) ** BODY_LENGTH:
        raise ValueError(f"no code for {number}")
    body = ""
    for _ in range(BODY_LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        body = ALPHABET[digit] + body
    return f"{PREFIX}-{body}{check_character(body)}"


def _compact(text: str) -> str:
    """Upper case, without spaces, dashes or the IT prefix, look-alikes folded."""
    compact = "".join(ch for ch in text.upper() if ch not in " -_\t.#")
    if compact.startswith(PREFIX) and len(compact) == len(PREFIX) + BODY_LENGTH + 1:
        compact = compact[len(PREFIX) :]
    return compact.translate(_LOOKALIKES)


def looks_like_code(text: str) -> bool:
    """True when the text has the shape of a code, whether or not its check matches."""
    compact = _compact(text)
    return len(compact) == BODY_LENGTH + 1 and all(ch in _VALUE for ch in compact)


def parse_code(text: str) -> str:
    """The canonical code (`IT-7K3QX4`) for what a person typed, or CodeError."""
    compact = _compact(text)
    if len(compact) != BODY_LENGTH + 1 or any(ch not in _VALUE for ch in compact):
        raise CodeError(text)
    body, check = compact[:BODY_LENGTH], compact[BODY_LENGTH]
    if check_character(body) != check:
        raise CodeError(text)
    return f"{PREFIX}-{body}{check}"


def _distance_one(a: str, b: str) -> bool:
    """One character changed, or two neighbours swapped."""
    diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(diffs) == 1:
        return True
    if len(diffs) == 2 and diffs[1] == diffs[0] + 1:
        i, j = diffs
        return a[i] == b[j] and a[j] == b[i]
    return False


def suggest(text: str, candidates: Iterable[str]) -> str | None:
    """The one candidate code the person most likely meant, if exactly one is that close."""
    if not looks_like_code(text):
        return None
    typed = _compact(text)
    close = {c for c in candidates if _distance_one(typed, _compact(c))}
    return close.pop() if len(close) == 1 else None
