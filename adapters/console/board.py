"""The cards on screen and what to type to tap their buttons.

Each card with buttons gets a number when it is first shown, and keeps it when it is
updated in place. Its buttons are that number and a letter (`3a`); a rating row is a letter
and a score (`q4`, Quality 4), which taps the newest rating card, or `3q4` an older one. A
bare number taps nothing, so "4" meant as a score never presses some other button. A card
stays tappable until it changes, and only by the person it was shown to (or anyone, for
the team channel).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from bot.views import Button, Card

TEAM = "team"
_TAP = re.compile(r"(\d{1,6})?([a-z])([1-9])?")
_NUMBER = re.compile(r"\d{1,6}")


@dataclass(frozen=True)
class Keys:
    """What to type for each button of one card."""

    number: int
    rows: tuple[str, ...]  # a letter per rating row
    buttons: tuple[str, ...]  # a letter per button under the card
    # Every letter this card's buttons have had, so that an update never reuses one.
    spent: frozenset[str] = frozenset()

    def score_key(self, row: int, index: int, button: Button) -> str:
        score = button.label if re.fullmatch(r"[1-9]", button.label) else str(index + 1)
        return f"{self.rows[row]}{score}"

    def table(self, card: Card) -> dict[str, Button]:
        taps: dict[str, Button] = {}
        for row, rating in enumerate(card.rating_rows):
            for index, button in enumerate(rating.buttons):
                taps[self.score_key(row, index, button)] = button
        taps.update(zip(self.buttons, card.buttons, strict=True))
        return taps


def has_taps(card: Card) -> bool:
    return bool(card.buttons) or any(row.buttons for row in card.rating_rows)


def keys_for(card: Card, number: int, before: tuple[Card, Keys] | None = None) -> Keys:
    """Row letters from each dimension's name (q for quality), then a, b, c… for buttons.

    After an update, a button that is still there keeps its letter, and a new one gets a
    letter the card has not used, so a tap typed from memory never presses something else.
    """
    rows: list[str] = []
    for row in card.rating_rows:
        name = (row.dimension or row.label).lower()
        letter = next(
            (ch for ch in name + string.ascii_lowercase if ch.isalpha() and ch not in rows), "z"
        )
        rows.append(letter)
    kept: dict[tuple[str, str], str] = {}
    spent: frozenset[str] = frozenset()
    if before is not None:
        old_card, old_keys = before
        pairs = zip(old_keys.buttons, old_card.buttons, strict=True)
        kept = {(button.action, button.value): key for key, button in pairs}
        spent = old_keys.spent
    kept = {action: key for action, key in kept.items() if key not in rows}
    # Letters never used on this card first; when all are spent, any letter free now.
    in_use = set(rows) | set(kept.values())
    fresh = iter(
        [ch for ch in string.ascii_lowercase if ch not in in_use | spent]
        + [ch for ch in string.ascii_lowercase if ch not in in_use]
    )
    letters: list[str] = []
    for button in card.buttons:
        letter = kept.pop((button.action, button.value), None) or next(fresh, "z")
        letters.append(letter)
    return Keys(number, tuple(rows), tuple(letters), spent | set(letters))


@dataclass
class Shown:
    owner: str
    card: Card
    keys: Keys | None


class Board:
    def __init__(self) -> None:
        self._cards: dict[int, Shown] = {}
        self._by_message: dict[str, Shown] = {}
        self._last = 0

    def place(self, card: Card, owner: str, message_id: str | None = None) -> Keys | None:
        """A card just shown (or waiting to be shown) to `owner`: its keys, if it has taps."""
        shown = Shown(owner, card, None)
        self._number(shown)
        if message_id is not None:
            self._by_message[message_id] = shown
        return shown.keys

    def replace(self, message_id: str, card: Card) -> tuple[Card, Shown] | None:
        """An in-place update: the card before, and the card now with its keys. The card
        keeps its number; its buttons are the new card's."""
        shown = self._by_message.get(message_id)
        if shown is None:
            return None
        before = shown.card
        shown.card = card
        if shown.keys is None:
            self._number(shown)
        elif has_taps(card):
            shown.keys = keys_for(card, shown.keys.number, (before, shown.keys))
        else:
            self._cards.pop(shown.keys.number, None)
        return before, shown

    def shown(self, message_id: str) -> Shown | None:
        return self._by_message.get(message_id)

    def find(self, typed: str, viewer: str) -> Button | None:
        """The button `typed` taps for this person, or None."""
        tap = _TAP.fullmatch(typed.strip().lower())
        if tap is None:
            return None
        number, letter, score = tap.groups()
        key = letter + (score or "")
        if number is not None:
            shown = self._cards.get(int(number))
            if shown is None or shown.keys is None or not _visible(shown, viewer):
                return None
            return shown.keys.table(shown.card).get(key)
        if score is None:
            return None
        # Without a number: the newest card of this person's that has the row.
        for _, shown in sorted(self._cards.items(), reverse=True):
            if shown.keys is not None and _visible(shown, viewer):
                found = shown.keys.table(shown.card).get(key)
                if found is not None:
                    return found
        return None

    def _number(self, shown: Shown) -> None:
        if has_taps(shown.card):
            self._last += 1
            shown.keys = keys_for(shown.card, self._last)
            self._cards[self._last] = shown


def looks_like_tap(typed: str) -> bool:
    """A line meant as a tap, rather than words for the bot: `3a`, `q4`, `3q4` or a number.
    (A bare letter is left to the bot: it could be the start of a conversation.)"""
    typed = typed.strip().lower()
    tap = _TAP.fullmatch(typed)
    return bool(_NUMBER.fullmatch(typed)) or (
        tap is not None and (tap.group(1) is not None or tap.group(3) is not None)
    )


def _visible(shown: Shown, viewer: str) -> bool:
    return shown.owner in (viewer, TEAM)
