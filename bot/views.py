"""Platform-neutral descriptions of everything the bot shows.

A view is data: a small tree of frozen dataclasses. Each platform adapter has one renderer
that turns a `Card` into its own format (Block Kit, an Adaptive Card, terminal text). All
text in a view is plain text: renderers escape it, so nothing a person typed can ping,
mention or link. Views are serialisable (`dump_card` / `load_card`) because the outbox
stores them until they are delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import TypeAdapter

ButtonStyle = Literal["primary", "danger", "default"]


@dataclass(frozen=True)
class Button:
    """One tap. `action` names what the tap does; `value` carries what it acts on."""

    label: str
    action: str
    value: str = ""
    style: ButtonStyle = "default"


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
    detail: str = ""


@dataclass(frozen=True)
class Card:
    """One message. Renderers show the parts in this order, skipping empty ones."""

    title: str
    text: str = ""
    fields: tuple[Field, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()
    rating_rows: tuple[RatingRow, ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str = ""
    # What a notification or a screen reader says when it cannot show the card.
    fallback: str = ""
    items: tuple[ListItem, ...] = ()


@dataclass(frozen=True)
class Form:
    """A small form (a Slack modal, a Teams task module, prompts in the console)."""

    title: str
    submit_label: str
    action: str
    value: str
    text_label: str
    text_placeholder: str
    choice_label: str
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    initial_choice: str | None = None


_card_adapter: TypeAdapter[Card] = TypeAdapter(Card)


def dump_card(card: Card) -> dict[str, Any]:
    """The card as JSON-safe data, for the outbox."""
    return _card_adapter.dump_python(card, mode="json")


def load_card(data: dict[str, Any]) -> Card:
    return _card_adapter.validate_python(data)
