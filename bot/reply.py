"""What the bot answers the person who acted, right away."""

from __future__ import annotations

from dataclasses import dataclass

from bot.views import Card, Form


@dataclass(frozen=True)
class Reply:
    """A card for the person who acted, a form to open, or nothing to say."""

    card: Card | None = None
    form: Form | None = None
    # True when the card explains why the action was refused or could not be done.
    problem: bool = False


NOTHING = Reply()
