"""Platform-neutral descriptions of everything the bot shows.

A view is data: a small tree of frozen dataclasses. Each platform adapter has one renderer
that turns a `Card` into its own format (Block Kit, an Adaptive Card, terminal text). All
text in a view is plain text: renderers escape it, so nothing a person typed can ping,
mention or link. Views are serialisable (`dump_card` / `load_card`) because the outbox
stores them until they are delivered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import TypeAdapter

ButtonStyle = Literal["primary", "danger", "default"]


@dataclass(frozen=True)
class Button:
    """One tap. `action` names what the tap does; `value` carries what it acts on.

    `selected`: this is the one already chosen (a score tapped on the rating card).
    `opens_form`: the tap asks for more (a `Form`) before anything changes, so a platform
    may open its own kind of form at once (a Teams task module).
    """

    label: str
    action: str
    value: str = ""
    style: ButtonStyle = "default"
    selected: bool = False
    opens_form: bool = False


@dataclass(frozen=True)
class Field:
    label: str
    value: str
    # When the value is a person, their identity: platforms show their name instead.
    person: str | None = None


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime
    who: str
    text: str
    # When `who` stands for a person, their identity: platforms show their name instead.
    person: str | None = None


@dataclass(frozen=True)
class RatingRow:
    """One dimension of the rating card: a question and one button per score."""

    dimension: str
    label: str
    question: str
    chosen: int | None
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class ListItem:
    """A line in a list of requests: a code, a short title, a status."""

    code: str
    title: str
    status: str


@dataclass(frozen=True)
class ItemList:
    """A list under its own title; `more` says what is left out and how to see it."""

    title: str
    items: tuple[ListItem, ...] = ()
    more: str = ""


@dataclass(frozen=True)
class Image:
    """A picture on a card (the summary's chart): the PNG, and words that stand for it.

    Each platform shows it its own way (Slack: an uploaded file beside the message; Teams:
    an image the server serves; the console: the words), never as bytes in the text.
    """

    png_base64: str
    alt: str
    name: str = "chart.png"
    # A few words over the picture where a platform shows one (Slack's file title).
    title: str = ""


@dataclass(frozen=True)
class Card:
    """One message. Renderers show the parts in this order, skipping empty ones; the
    `image`, when there is one, right after the fields."""

    title: str
    text: str = ""
    fields: tuple[Field, ...] = ()
    lists: tuple[ItemList, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()
    rating_rows: tuple[RatingRow, ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str = ""
    # What a notification or a screen reader says when it cannot show the card.
    fallback: str = ""
    # Last so that cards made by position keep their meaning; shown after the fields.
    image: Image | None = None
    # A form the card can carry on itself (the rating card's comment). A platform that takes
    # typed words on a card (Teams) shows it there instead of the `opens_form` button of the
    # same action; the others keep that button, which opens the form.
    form: Form | None = None


@dataclass(frozen=True)
class Form:
    """A small form (a Slack modal, a Teams task module, prompts in the console)."""

    title: str
    submit_label: str
    action: str
    value: str
    text_label: str
    text_placeholder: str
    # The list to choose from (a new status), if the form has one.
    choice_label: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    # What the text box starts with: the words saved before, to change rather than retype.
    text: str = ""


# A command a person can type, inside plain text: `command("track reopen IT-7K3QX4")`.
# Each renderer shows it its own way (Slack: `/track reopen …` as code; Teams: the words to
# type, in bold; the console: in quotes). The marks are Unicode private-use characters, which
# adapters strip from what people type, so typed text can never pose as a command.
COMMAND_OPEN = "\ue000"
COMMAND_CLOSE = "\ue001"
_COMMAND = re.compile(f"{COMMAND_OPEN}([^{COMMAND_OPEN}{COMMAND_CLOSE}]*){COMMAND_CLOSE}")
_MARKS = re.compile(f"[{COMMAND_OPEN}{COMMAND_CLOSE}]")


def command(words: str) -> str:
    """Words a person types to the bot (`track …`, `cx-summary …`), marked as a command."""
    return f"{COMMAND_OPEN}{_MARKS.sub('', words)}{COMMAND_CLOSE}"


def commands_in(text: str) -> list[tuple[str, bool]]:
    """The text in pieces, in order: (piece, True) for a command, (piece, False) for words."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for found in _COMMAND.finditer(text):
        if found.start() > at:
            pieces.append((_MARKS.sub("", text[at : found.start()]), False))
        pieces.append((found.group(1), True))
        at = found.end()
    if at < len(text):
        pieces.append((_MARKS.sub("", text[at:]), False))
    return pieces


def show_commands(text: str, shown: Callable[[str], str]) -> str:
    """The text with each command shown by `shown(words)`, the rest left as it is."""
    return "".join(shown(piece) if is_command else piece for piece, is_command in commands_in(text))


def unmarked(text: str) -> str:
    """Text without command marks: for what people type, and for plain notifications."""
    return _MARKS.sub("", text)


_card_adapter: TypeAdapter[Card] = TypeAdapter(Card)


# The shape `dump_card` writes. Raise it when a change to the views would misread cards
# already waiting in the outbox, and teach `load_card` to read the old shape.
CARD_VERSION = 1


def dump_card(card: Card) -> dict[str, Any]:
    """The card as JSON-safe data, for the outbox, marked with the shape it is in."""
    return {"v": CARD_VERSION, "card": _card_adapter.dump_python(card, mode="json")}


def load_card(data: Any) -> Card:
    """A card saved by `dump_card` (this version, or the unversioned shape before it).

    Raises ValueError for anything else, including a card with a part this version no
    longer has (a renamed field): a card read without it would go out blank.
    """
    if not isinstance(data, dict):
        raise ValueError(f"a card is a JSON object, not {type(data).__name__}")
    if "v" in data:
        if data["v"] != CARD_VERSION or set(data) != {"v", "card"}:
            raise ValueError(f"unknown card version {data['v']!r}")
        data = data["card"]
    elif isinstance(data.get("items"), list):
        # Before versions, a list card held its items directly; they are one untitled list.
        items = data["items"]
        data = {k: v for k, v in data.items() if k != "items"}
        data["lists"] = [{"title": "", "items": items}] if items else []
    card = _card_adapter.validate_python(data)
    if lost := _unread(data, _card_adapter.dump_python(card, mode="json")):
        raise ValueError(f"card parts this version cannot read: {', '.join(lost)}")
    return card


def _unread(given: Any, read: Any, path: str = "") -> list[str]:
    """Where `given` carries something that did not make it into `read`. A part left empty
    (a field since removed, say) loses nothing and is not counted."""
    if isinstance(given, dict) and isinstance(read, dict):
        lost = []
        for key, value in given.items():
            where = f"{path}.{key}" if path else str(key)
            if key not in read:
                if value not in (None, "", [], {}, 0, False):
                    lost.append(where)
            else:
                lost.extend(_unread(value, read[key], where))
        return lost
    if isinstance(given, list) and isinstance(read, list):
        return [
            lost
            for n, (a, b) in enumerate(zip(given, read, strict=False))
            for lost in _unread(a, b, f"{path}[{n}]")
        ]
    return []


# A notification shows one short line; the card itself carries the rest.
_PLAIN_LIMIT = 150


def plain_line(text: str, limit: int = _PLAIN_LIMIT) -> str:
    """The first line of `text`, short enough for a notification."""
    line = text.strip().split("\n", 1)[0].strip()
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def message(text: str, title: str = "", *, fallback: str = "") -> Card:
    """Words for the person who acted; the notification line is the text's first line."""
    return Card(title=title, text=text, fallback=plain_line(fallback or text))
